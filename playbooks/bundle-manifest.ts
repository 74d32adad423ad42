/**
 * An air-gap bundle: one folder holding every file a region's bootstrap needs, and `bundle.json`, its manifest
 * (name, version, architecture, source URL, sha256 and size of each file). Made by `npm run bundle -- <region>`
 * (bundle/build.ts) or, for the lab, by `npm run lab -- up` (lab/bundle.ts); read here by the playbooks, which push
 * its files over SSH.
 *
 * `loadBundle` refuses a bundle BEFORE anything is installed when
 * - the manifest is malformed, or names a file outside the folder;
 * - a file is missing, or its size or sha256 differs from the manifest (tampered or corrupted);
 * - an artifact's sha256 differs from the one pinned in the repository (regions/artifact-checksums.json): a
 *   compromised mirror or release asset, or a manifest edited to match a swapped file;
 * - (not the lab) an artifact is a test fixture, or is not pinned at all.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, resolve } from 'node:path';
import { ValidationError } from './core';
import { artifactKey, pinnedSha256, PIN_FILE, type Arch, type ArtifactSpec, type Component } from './artifacts';

export const MANIFEST_FILE = 'bundle.json';
export const BUNDLE_FORMAT = 'region-bootstrapper-bundle/v1';

export interface BundleArtifact {
  readonly key: string;
  readonly component: Component;
  readonly version: string;
  readonly arch: Arch | 'any';
  readonly asset: string;
  /** Path inside the bundle folder (forward slashes). */
  readonly file: string;
  /** Where the file came from (an upstream URL, `debian:<package>=<version>`, or `fixture:<path>`). */
  readonly source: string;
  readonly sha256: string;
  readonly size: number;
  /** The upstream checksum it was verified against when bundled (sha512 for gVisor). */
  readonly upstream?: { readonly algorithm: 'sha256' | 'sha512'; readonly sum: string; readonly url: string };
  /**
   * Set when this is NOT the real artifact: why, and what stands in (the lab's k3s TEST FIXTURE, Debian's older
   * runsc, ...). Only the lab region accepts such a bundle.
   */
  readonly standIn?: string;
}

export interface BundleManifest {
  readonly format: typeof BUNDLE_FORMAT;
  /** The region it was made for (any region with the same versions can use it). */
  readonly region: string;
  /** The command that made it. */
  readonly generatedBy: string;
  readonly artifacts: readonly BundleArtifact[];
}

export interface LoadedBundle {
  readonly dir: string;
  readonly manifest: BundleManifest;
  /** By key. */
  readonly byKey: ReadonlyMap<string, BundleArtifact & { readonly path: string; readonly pinned: boolean }>;
}

export interface LoadBundleOptions {
  /** The region using the bundle (messages; fixtures and unpinned artifacts are accepted only for `lab`). */
  readonly region: string;
  /** @default regions/artifact-checksums.json */
  readonly pinFile?: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** sha256 of a file, read in 1 MiB chunks (bundle files reach hundreds of MB). */
export function sha256File(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** Hashes of verified files by path+size+mtime, so site (k3s + gvisor) hashes a bundle once per process. */
const verified = new Map<string, string>();

function hashCached(path: string): { sha256: string; size: number } {
  const st = statSync(path);
  const id = `${path}:${st.size}:${st.mtimeMs}:${st.ino}`;
  let sum = verified.get(id);
  if (!sum) {
    sum = sha256File(path);
    verified.set(id, sum);
  }
  return { sha256: sum, size: st.size };
}

function fail(where: string, what: string, expected: string, fix: string): never {
  throw new ValidationError(`${where}: ${what} (expected ${expected}; fix: ${fix})`);
}

/** Parse and check the shape of a manifest (no file access). */
export function parseManifest(text: string, where: string): BundleManifest {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (e) {
    fail(where, `is not JSON (${(e as Error).message})`, 'the bundle.json written by npm run bundle', 'make the bundle again');
  }
  const o = m as Record<string, unknown>;
  if (!o || typeof o !== 'object') fail(where, 'is not an object', 'a bundle manifest', 'make the bundle again');
  if (o.format !== BUNDLE_FORMAT) fail(where, `format is '${String(o.format)}'`, `'${BUNDLE_FORMAT}'`, 'make the bundle again with this version of npm run bundle');
  if (typeof o.region !== 'string' || typeof o.generatedBy !== 'string') fail(where, 'has no region/generatedBy', 'strings', 'make the bundle again');
  if (!Array.isArray(o.artifacts)) fail(where, 'artifacts is not a list', 'a list of artifacts', 'make the bundle again');
  const seen = new Set<string>();
  o.artifacts.forEach((a: Record<string, unknown>, i: number) => {
    const at = `${where}: artifacts[${i}]`;
    for (const k of ['key', 'component', 'version', 'arch', 'asset', 'file', 'source', 'sha256'] as const) {
      if (typeof a?.[k] !== 'string' || a[k] === '') fail(at, `${k} is ${JSON.stringify(a?.[k])}`, 'a non-empty string', 'make the bundle again');
    }
    if (!['k3s', 'gvisor', 'cert-manager'].includes(a.component as string)) fail(at, `component '${String(a.component)}'`, 'k3s, gvisor or cert-manager', 'make the bundle again');
    if (!['amd64', 'arm64', 'any'].includes(a.arch as string)) fail(at, `arch '${String(a.arch)}'`, 'amd64, arm64 or any', 'make the bundle again');
    if (!HEX64.test(a.sha256 as string)) fail(at, `sha256 '${String(a.sha256)}'`, '64 lowercase hex digits', 'make the bundle again');
    if (typeof a.size !== 'number' || !Number.isInteger(a.size) || a.size < 0) fail(at, `size ${JSON.stringify(a.size)}`, 'a byte count', 'make the bundle again');
    const key = artifactKey(a.component as Component, a.version as string, a.arch as Arch | 'any', a.asset as string);
    if (a.key !== key) fail(at, `key '${String(a.key)}' does not match its fields`, `'${key}'`, 'make the bundle again');
    const file = a.file as string;
    if (isAbsolute(file) || normalize(file).split(/[\\/]/).includes('..') || file.includes('\\')) fail(at, `file '${file}' leaves the bundle folder`, 'a relative path inside the bundle', 'make the bundle again');
    if (seen.has(key)) fail(at, `key '${key}' appears twice`, 'each artifact once', 'make the bundle again');
    seen.add(key);
    if (a.standIn !== undefined && typeof a.standIn !== 'string') fail(at, `standIn ${JSON.stringify(a.standIn)}`, 'a string', 'make the bundle again');
  });
  return o as unknown as BundleManifest;
}

/**
 * Read a bundle and verify every file against the manifest and every artifact against the repository's pins.
 * Throws ValidationError (nothing has been sent to any host yet) naming the file, the expected and the actual sum.
 */
export function loadBundle(dir: string, options: LoadBundleOptions): LoadedBundle {
  const root = resolve(dir);
  const manifestPath = join(root, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(manifestPath, 'utf8');
  } catch (e) {
    fail(`region '${options.region}': bundle ${root}`, `has no ${MANIFEST_FILE} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'a folder made by npm run bundle', `npm run bundle -- ${options.region} --out ${root}`);
  }
  const manifest = parseManifest(text, manifestPath);
  const lab = options.region === 'lab';
  const pinFile = options.pinFile ?? PIN_FILE;
  const byKey = new Map<string, BundleArtifact & { path: string; pinned: boolean }>();
  for (const a of manifest.artifacts) {
    const path = join(root, a.file);
    const where = `bundle ${root}: ${a.file}`;
    if (relative(root, path).startsWith('..')) fail(where, 'leaves the bundle folder', 'a path inside it', 'make the bundle again');
    let actual: { sha256: string; size: number };
    try {
      actual = hashCached(path);
    } catch (e) {
      fail(where, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, `the ${a.asset} listed in ${MANIFEST_FILE}`, `npm run bundle -- ${manifest.region} --out ${root} (fetches what is missing)`);
    }
    if (actual.sha256 !== a.sha256 || actual.size !== a.size) {
      fail(where, `sha256 is ${actual.sha256} (${actual.size} bytes), the manifest says ${a.sha256} (${a.size} bytes): the file was changed or corrupted; refused before anything was installed`, 'the file the manifest lists', `npm run bundle -- ${manifest.region} --out ${root} (replaces it), and find out who changed it`);
    }
    const pin = pinnedSha256(a, pinFile);
    if (a.standIn !== undefined) {
      if (!lab) fail(where, `is a stand-in (${a.standIn}), not the real ${a.asset}`, `real artifacts for region '${options.region}' (stand-ins are for the lab only)`, `npm run bundle -- ${options.region}`);
    } else if (pin !== undefined && pin !== a.sha256) {
      fail(where, `sha256 is ${a.sha256}, but ${relative(process.cwd(), pinFile) || pinFile} pins ${pin} for ${a.key}: not the artifact this repository verified (a compromised mirror or release asset, or a tampered bundle); refused before anything was installed`, `sha256 ${pin}`, 'make the bundle again from the official release, and check the source you bundled from');
    } else if (pin === undefined && !lab) {
      fail(where, `${a.key} has no pinned sha256 in ${pinFile}`, 'every artifact of a real region pinned in the repository', `check the release, then record it with npm run bundle -- ${options.region} --pin and commit ${relative(process.cwd(), pinFile) || pinFile}`);
    }
    byKey.set(a.key, { ...a, path, pinned: pin !== undefined && pin === a.sha256 });
  }
  return { dir: root, manifest, byKey };
}

/** The bundle's file for an artifact; a clear error when the bundle lacks it (e.g. another architecture). */
export function bundleArtifact(bundle: LoadedBundle, spec: ArtifactSpec, forWhat: string): BundleArtifact & { readonly path: string; readonly pinned: boolean } {
  const a = bundle.byKey.get(spec.key);
  if (!a) {
    const have = [...bundle.byKey.keys()].filter((k) => k.startsWith(`${spec.component}/`)).join(', ') || 'none';
    throw new ValidationError(`bundle ${bundle.dir}: no ${spec.title} ${spec.key} for ${forWhat} (it has ${have}; expected the region's pinned version and the host's architecture; fix: npm run bundle -- ${bundle.manifest.region} --arch ${spec.arch === 'any' ? 'amd64' : spec.arch} --out ${bundle.dir})`);
  }
  return a;
}

/** How an artifact is described in task names and output: `[TEST FIXTURE: ...]` for stand-ins. */
export function artifactLabel(a: Pick<BundleArtifact, 'asset' | 'version' | 'arch' | 'standIn'> & { readonly pinned?: boolean }): string {
  const base = `${a.asset} ${a.version}${a.arch === 'any' ? '' : ` (${a.arch})`}`;
  if (a.standIn) return `${base} [STAND-IN: ${a.standIn}]`;
  return a.pinned === false ? `${base} [not pinned]` : base;
}
