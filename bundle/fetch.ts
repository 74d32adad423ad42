/**
 * HTTP(S) downloads for the bundle command: streamed to a `.part` file (hundreds of MB), redirects followed (GitHub
 * release assets redirect to their object store), every request bounded in time, hashes computed while writing.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BundleError } from './errors';

export interface Fetched {
  readonly sha256: string;
  readonly sha512: string;
  readonly size: number;
}

export interface FetchOptions {
  /** Bound on one download, connect to last byte. @default 1800 */
  readonly timeoutSeconds?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

async function get(url: string, options: FetchOptions): Promise<Response> {
  const timeoutSeconds = options.timeoutSeconds ?? 1800;
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(timeoutSeconds * 1000), headers: { 'user-agent': 'region-bootstrapper-bundle', ...options.headers } });
  } catch (e) {
    const cause = (e as Error & { cause?: Error }).cause?.message ?? (e as Error).message;
    throw new BundleError(`could not fetch ${url}: ${cause} (expected the release asset; fix: check the network, the version, or --mirror)`);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw new BundleError(`could not fetch ${url}: HTTP ${res.status} ${res.statusText} (expected 200; fix: check that the version exists upstream, or the mirror's layout)`);
  }
  return res;
}

/** A small text resource (a checksum file). */
export async function fetchText(url: string, options: FetchOptions = {}): Promise<string> {
  const res = await get(url, { timeoutSeconds: 60, ...options });
  return res.text();
}

/** A small binary resource (JSON manifests, chart index). */
export async function fetchBuffer(url: string, options: FetchOptions = {}): Promise<{ body: Buffer; headers: Headers }> {
  const res = await get(url, { timeoutSeconds: 120, ...options });
  return { body: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

/** Download `url` to `dest` (through `dest.part`, renamed only when complete); returns its hashes. */
export async function fetchToFile(url: string, dest: string, options: FetchOptions = {}): Promise<Fetched> {
  const res = await get(url, options);
  if (!res.body) throw new BundleError(`could not fetch ${url}: empty response body`);
  mkdirSync(dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  const h256 = createHash('sha256');
  const h512 = createHash('sha512');
  let size = 0;
  try {
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('data', (b: Buffer) => {
      h256.update(b);
      h512.update(b);
      size += b.length;
    });
    await pipeline(body, createWriteStream(part));
  } catch (e) {
    rmSync(part, { force: true });
    throw new BundleError(`download of ${url} broke off after ${size} bytes: ${(e as Error).message} (fix: run the bundle command again; finished files are kept)`);
  }
  renameSync(part, dest);
  return { sha256: h256.digest('hex'), sha512: h512.digest('hex'), size };
}

/** The sum of `asset` in a `<hex>  <name>` checksum file (sha256sum/sha512sum output), or undefined. */
export function sumFor(text: string, asset: string, hexLength: 64 | 128): string | undefined {
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)\s+\*?(\S+)\s*$/.exec(line.trim());
    if (m && m[1]!.length === hexLength && (m[2] === asset || m[2]!.endsWith(`/${asset}`))) return m[1];
  }
  return undefined;
}
