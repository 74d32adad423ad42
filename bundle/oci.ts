/**
 * Pull container images from their registry (OCI distribution API, anonymous bearer tokens as quay.io and Docker Hub
 * hand them out) into ONE OCI image-layout tar for one architecture, which k3s imports at start from
 * /var/lib/rancher/k3s/agent/images (k3s passes every .tar there to containerd's importer, which reads OCI layouts
 * and names images by the `io.containerd.image.name` annotation of index.json).
 *
 * Every manifest and blob is checked against its digest as it arrives; the archive is deterministic (sorted, mtime 0)
 * so the same images give the same sha256, which the repository pins like any other artifact.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { tar, type TarEntry } from './tar';
import { BundleError } from './errors';

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');
const INDEX_TYPES = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];

export interface ImageRef {
  readonly registry: string;
  readonly repository: string;
  readonly tag: string;
}

/** `quay.io/jetstack/cert-manager-controller:v1.16.2` -> registry, repository, tag (a tag is required: images are pinned). */
export function parseImageRef(ref: string): ImageRef {
  const m = /^([a-z0-9.-]+(?::\d+)?)\/([a-z0-9._/-]+):([A-Za-z0-9_][A-Za-z0-9._-]{0,127})$/.exec(ref);
  if (!m) throw new BundleError(`image '${ref}' is not registry/repository:tag (expected e.g. quay.io/jetstack/cert-manager-controller:v1.16.2)`);
  return { registry: m[1]!, repository: m[2]!, tag: m[3]! };
}

export interface PullOptions {
  readonly images: readonly string[];
  readonly arch: 'amd64' | 'arm64';
  /** The archive to write. */
  readonly dest: string;
  /** Base URL replacing every image's registry, e.g. `http://127.0.0.1:5000` (tests, a registry mirror). */
  readonly registry?: string;
  /** @default 1800 */
  readonly timeoutSeconds?: number;
}

interface Client {
  get(path: string, accept?: string): Promise<{ body: Buffer; type: string }>;
}

function client(base: string, repository: string, timeoutSeconds: number): Client {
  let token: string | undefined;
  const request = async (path: string, accept?: string): Promise<Response> => {
    const url = `${base}/v2/${repository}/${path}`;
    try {
      return await fetch(url, {
        redirect: 'follow',
        signal: AbortSignal.timeout(timeoutSeconds * 1000),
        headers: { ...(accept ? { accept } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      });
    } catch (e) {
      throw new BundleError(`could not fetch ${url}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message} (fix: check the network or --registry)`);
    }
  };
  return {
    async get(path, accept) {
      let res = await request(path, accept);
      if (res.status === 401 && !token) {
        const challenge = res.headers.get('www-authenticate') ?? '';
        await res.body?.cancel().catch(() => {});
        const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
        if (!/^Bearer /i.test(challenge) || !params.realm) throw new BundleError(`${base}/v2/${repository}: 401 without a Bearer challenge ('${challenge}'); anonymous pulls are expected for public images`);
        const q = new URLSearchParams({ ...(params.service ? { service: params.service } : {}), scope: params.scope ?? `repository:${repository}:pull` });
        const t = await fetch(`${params.realm}?${q}`, { signal: AbortSignal.timeout(60_000) }).catch((e: Error) => {
          throw new BundleError(`could not get a pull token from ${params.realm}: ${e.message}`);
        });
        if (!t.ok) throw new BundleError(`could not get a pull token from ${params.realm}: HTTP ${t.status}`);
        const json = (await t.json()) as { token?: string; access_token?: string };
        token = json.token ?? json.access_token;
        if (!token) throw new BundleError(`${params.realm} answered without a token`);
        res = await request(path, accept);
      }
      if (!res.ok) {
        await res.body?.cancel().catch(() => {});
        throw new BundleError(`${base}/v2/${repository}/${path}: HTTP ${res.status} (expected 200; fix: check the image name and tag)`);
      }
      return { body: Buffer.from(await res.arrayBuffer()), type: (res.headers.get('content-type') ?? '').split(';')[0]!.trim() };
    },
  };
}

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function checkDigest(body: Buffer, digest: string, what: string): void {
  if (!digest.startsWith('sha256:')) throw new BundleError(`${what}: digest '${digest}' is not sha256 (expected sha256:<hex>)`);
  const got = digestOf(body);
  if (got !== digest) throw new BundleError(`${what}: content has digest ${got}, expected ${digest} (refused: the registry served something else)`);
}

/** Pull `images` for linux/<arch> into an OCI layout tar at `dest`; returns its sha256, size and the refs. */
export async function pullImages(options: PullOptions): Promise<{ sha256: string; size: number; refs: string[] }> {
  const timeoutSeconds = options.timeoutSeconds ?? 1800;
  const blobs = new Map<string, Buffer>();
  const index: { mediaType: string; digest: string; size: number; annotations: Record<string, string> }[] = [];
  for (const ref of options.images) {
    const r = parseImageRef(ref);
    const base = (options.registry ?? `https://${r.registry}`).replace(/\/+$/, '');
    const c = client(base, r.repository, timeoutSeconds);
    let m = await c.get(`manifests/${r.tag}`, ACCEPT);
    let doc = JSON.parse(m.body.toString('utf8')) as { mediaType?: string; manifests?: { digest: string; platform?: { os: string; architecture: string; variant?: string } }[]; config?: { digest: string }; layers?: { digest: string }[] };
    const type = doc.mediaType ?? m.type;
    if (INDEX_TYPES.includes(type) || doc.manifests) {
      const pick = doc.manifests?.find((x) => x.platform?.os === 'linux' && x.platform.architecture === options.arch);
      if (!pick) throw new BundleError(`image ${ref} has no linux/${options.arch} manifest (it has ${doc.manifests?.map((x) => `${x.platform?.os}/${x.platform?.architecture}`).join(', ') || 'none'})`);
      m = await c.get(`manifests/${pick.digest}`, ACCEPT);
      checkDigest(m.body, pick.digest, `image ${ref} manifest`);
      doc = JSON.parse(m.body.toString('utf8')) as typeof doc;
    }
    if (!doc.config || !doc.layers) throw new BundleError(`image ${ref}: the manifest has no config/layers (media type '${doc.mediaType ?? m.type}'; expected an image manifest)`);
    for (const d of [doc.config.digest, ...doc.layers.map((l) => l.digest)]) {
      if (blobs.has(d)) continue;
      const b = await c.get(`blobs/${d}`);
      checkDigest(b.body, d, `image ${ref} blob`);
      blobs.set(d, b.body);
    }
    const md = digestOf(m.body);
    blobs.set(md, m.body);
    index.push({
      mediaType: doc.mediaType ?? (m.type || 'application/vnd.oci.image.manifest.v1+json'),
      digest: md,
      size: m.body.length,
      annotations: { 'io.containerd.image.name': ref, 'org.opencontainers.image.ref.name': r.tag },
    });
  }
  const entries: TarEntry[] = [
    { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}\n' },
    { name: 'index.json', content: `${JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: index })}\n` },
    { name: 'blobs/' },
    { name: 'blobs/sha256/' },
    ...[...blobs.keys()].sort().map((d) => ({ name: `blobs/sha256/${d.slice('sha256:'.length)}`, content: blobs.get(d)! })),
  ];
  const archive = tar(entries);
  mkdirSync(dirname(options.dest), { recursive: true });
  writeFileSync(`${options.dest}.part`, archive);
  renameSync(`${options.dest}.part`, options.dest);
  return { sha256: createHash('sha256').update(archive).digest('hex'), size: archive.length, refs: [...options.images] };
}
