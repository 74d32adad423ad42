/**
 * `npm run bundle` against a fake upstream served on loopback (k3s releases, gVisor releases, the chart repository
 * and an OCI registry with anonymous bearer tokens): everything is fetched and verified, a second run downloads
 * nothing, upstream and pinned checksum mismatches are errors naming the file and both sums (and nothing unverified
 * is kept), --pin fills the pin file, and the result is a bundle the playbooks accept.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildBundle, type BundleSources } from '../../bundle/build';
import { readPins, resetPinCache } from '../../playbooks/artifacts';
import { loadBundle, MANIFEST_FILE } from '../../playbooks/bundle-manifest';
import { loadRegion } from '../../regions/load';
import type { Region } from '../../regions/types';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const sha512 = (b: Buffer | string) => createHash('sha512').update(b).digest('hex');
const digest = (b: Buffer | string) => `sha256:${sha256(b)}`;

interface Upstream {
  url: string;
  requests: string[];
  /** Override a served body by path (e.g. a swapped binary). */
  bodies: Map<string, Buffer>;
  close(): Promise<void>;
}

let region: Region;
let up: Upstream;
let dir: string;
let pinFile: string;

function files(r: Region): Map<string, Buffer> {
  const v = encodeURIComponent(r.versions.k3s);
  const m = new Map<string, Buffer>();
  const k3s = Buffer.alloc(256 * 1024, 1);
  const images = Buffer.alloc(128 * 1024, 2);
  m.set(`/k3s/${v}/k3s`, k3s);
  m.set(`/k3s/${v}/k3s-airgap-images-amd64.tar.zst`, images);
  m.set(`/k3s/${v}/sha256sum-amd64.txt`, Buffer.from(`${sha256(k3s)}  k3s\n${sha256(images)}  k3s-airgap-images-amd64.tar.zst\n${'0'.repeat(64)}  k3s-airgap-images-amd64.tar\n`));
  for (const b of ['runsc', 'containerd-shim-runsc-v1']) {
    const body = Buffer.from(`${b} binary ${r.versions.gvisor}\n`);
    m.set(`/gvisor/${r.versions.gvisor}/x86_64/${b}`, body);
    m.set(`/gvisor/${r.versions.gvisor}/x86_64/${b}.sha512`, Buffer.from(`${sha512(body)}  ${b}\n`));
  }
  m.set(`/charts/cert-manager-${r.versions.certManager}.tgz`, Buffer.from('chart archive'));
  // An OCI registry: per image an index (amd64 + arm64), a manifest, a config and one layer shared by all images.
  const layer = Buffer.from('shared base layer');
  for (const name of ['cert-manager-controller', 'cert-manager-webhook', 'cert-manager-cainjector', 'cert-manager-acmesolver', 'cert-manager-startupapicheck']) {
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Entrypoint: [`/app/${name}`] } }));
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digest(config), size: config.length }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digest(layer), size: layer.length }] }));
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 1, platform: { os: 'linux', architecture: 'arm64' } },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digest(manifest), size: manifest.length, platform: { os: 'linux', architecture: 'amd64' } },
    ] }));
    m.set(`/v2/jetstack/${name}/manifests/${r.versions.certManager}`, index);
    m.set(`/v2/jetstack/${name}/manifests/${digest(manifest)}`, manifest);
    m.set(`/v2/jetstack/${name}/blobs/${digest(config)}`, config);
    m.set(`/v2/jetstack/${name}/blobs/${digest(layer)}`, layer);
  }
  return m;
}

async function startUpstream(r: Region): Promise<Upstream> {
  const bodies = files(r);
  const requests: string[] = [];
  let base = '';
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '';
    requests.push(path);
    if (path.startsWith('/token?')) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'anon-pull-token' }));
    if (path.startsWith('/v2/') && req.headers.authorization !== 'Bearer anon-pull-token') {
      return void res.writeHead(401, { 'www-authenticate': `Bearer realm="${base}/token",service="fake-registry",scope="repository:x:pull"` }).end();
    }
    const body = bodies.get(path);
    if (!body) return void res.writeHead(404).end('not found');
    const type = path.includes('/manifests/') ? (JSON.parse(body.toString()) as { mediaType: string }).mediaType : 'application/octet-stream';
    res.writeHead(200, { 'content-type': type, 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address() as { port: number };
  base = `http://127.0.0.1:${addr.port}`;
  return { url: base, requests, bodies, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const sources = (): BundleSources => ({ k3s: `${up.url}/k3s`, gvisor: `${up.url}/gvisor`, charts: `${up.url}/charts`, registry: up.url });

beforeAll(async () => {
  region = await loadRegion('eu-central-1');
});
beforeEach(async () => {
  up = await startUpstream(region);
  dir = mkdtempSync(join(tmpdir(), 'bundle-build-'));
  pinFile = join(dir, 'pins.json');
  writeFileSync(pinFile, '{"$comment": "test pins"}\n');
  resetPinCache();
});
afterEach(async () => {
  await up.close();
  rmSync(dir, { recursive: true, force: true });
  resetPinCache();
});
afterAll(() => resetPinCache());

describe('buildBundle', () => {
  it('fetches and verifies everything, --pin records the sums, and a second run downloads nothing', async () => {
    const out = join(dir, 'bundle');
    const first = await buildBundle({ region, out, images: true, pin: true, sources: sources(), pinFile });
    expect(first.downloaded).toHaveLength(7);
    expect(first.reused).toEqual([]);
    const byAsset = new Map(first.manifest.artifacts.map((a) => [a.asset, a]));
    const k3s = byAsset.get('k3s')!;
    expect(k3s).toMatchObject({ sha256: sha256(up.bodies.get(`/k3s/${encodeURIComponent(region.versions.k3s)}/k3s`)!), size: 256 * 1024, source: `${up.url}/k3s/${encodeURIComponent(region.versions.k3s)}/k3s` });
    expect(k3s.upstream).toEqual({ algorithm: 'sha256', sum: k3s.sha256, url: `${up.url}/k3s/${encodeURIComponent(region.versions.k3s)}/sha256sum-amd64.txt` });
    expect(byAsset.get('runsc')!.upstream?.algorithm).toBe('sha512');
    expect(byAsset.get(`cert-manager-images-${region.versions.certManager}-amd64.tar`)!.source).toContain(`quay.io/jetstack/cert-manager-controller:${region.versions.certManager}`);
    expect(first.pinnedNow).toHaveLength(7);
    expect(readPins(pinFile).k3s?.[region.versions.k3s]?.amd64?.k3s).toBe(k3s.sha256);
    expect(JSON.parse(readFileSync(pinFile, 'utf8')).$comment).toBe('test pins');

    // The playbooks accept it for the real region (every artifact pinned, every file matching).
    expect(loadBundle(out, { region: region.name, pinFile }).byKey.size).toBe(7);

    const before = up.requests.length;
    const second = await buildBundle({ region, out, images: true, sources: sources(), pinFile });
    expect(second.downloaded).toEqual([]);
    expect(second.reused).toHaveLength(7);
    expect(second.unpinned).toEqual([]);
    expect(up.requests.length).toBe(before);
  });

  it('writes an OCI image layout k3s can import: every image named, every blob under its digest', async () => {
    const out = join(dir, 'bundle');
    const res = await buildBundle({ region, out, images: true, sources: sources(), pinFile });
    const a = res.manifest.artifacts.find((x) => x.asset.startsWith('cert-manager-images-'))!;
    const archive = join(out, a.file);
    const list = execFileSync('tar', ['-tf', archive], { encoding: 'utf8' }).trim().split('\n');
    expect(list.slice(0, 2)).toEqual(['oci-layout', 'index.json']);
    const index = JSON.parse(execFileSync('tar', ['-xOf', archive, 'index.json'], { encoding: 'utf8' })) as { manifests: { digest: string; annotations: Record<string, string> }[] };
    expect(index.manifests.map((m) => m.annotations['io.containerd.image.name'])).toEqual(
      ['controller', 'webhook', 'cainjector', 'acmesolver', 'startupapicheck'].map((n) => `quay.io/jetstack/cert-manager-${n}:${region.versions.certManager}`),
    );
    for (const m of index.manifests) expect(list).toContain(`blobs/sha256/${m.digest.slice(7)}`);
    // 5 manifests + 5 configs + 1 shared layer
    expect(list.filter((l) => /^blobs\/sha256\/[0-9a-f]{64}$/.test(l))).toHaveLength(11);
    // the registry was asked for a token once per repository and never for the arm64 manifest
    expect(up.requests.filter((r) => r.startsWith('/token?'))).toHaveLength(5);
    expect(up.requests.some((r) => r.includes('a'.repeat(64)))).toBe(false);
  });

  it('a download that differs from the published checksum is an error naming the file and both sums, and is not kept', async () => {
    const path = `/gvisor/${region.versions.gvisor}/x86_64/runsc`;
    const published = sha512(up.bodies.get(path)!);
    up.bodies.set(path, Buffer.from('a swapped runsc'));
    const out = join(dir, 'bundle');
    await expect(buildBundle({ region, out, sources: sources(), pinFile })).rejects.toThrow(
      `gvisor/${region.versions.gvisor}/amd64/runsc: sha512 is ${sha512('a swapped runsc')}, expected ${published} (published at ${up.url}${path}.sha512)`,
    );
    expect(existsSync(join(out, 'gvisor', region.versions.gvisor, 'amd64', 'runsc'))).toBe(false);
  });

  it('a download that differs from the repository pin is refused even when upstream agrees with it (compromised mirror)', async () => {
    const v = encodeURIComponent(region.versions.k3s);
    const evil = Buffer.from('evil k3s');
    up.bodies.set(`/k3s/${v}/k3s`, evil);
    up.bodies.set(`/k3s/${v}/sha256sum-amd64.txt`, Buffer.from(`${sha256(evil)}  k3s\n`));
    const good = sha256(Buffer.alloc(256 * 1024, 1));
    writeFileSync(pinFile, JSON.stringify({ k3s: { [region.versions.k3s]: { amd64: { k3s: good } } } }));
    resetPinCache();
    const out = join(dir, 'bundle');
    await expect(buildBundle({ region, out, sources: sources(), pinFile })).rejects.toThrow(
      new RegExp(`k3s/v1\\.[0-9.]+\\+k3s1/amd64/k3s: sha256 is ${sha256(evil)}, expected ${good} \\(pinned in .* for k3s/.*\\); the download from ${up.url.replace(/[.]/g, '\\.')}/k3s/.* was not kept: not the artifact this repository verified`),
    );
    expect(existsSync(join(out, 'k3s', region.versions.k3s, 'amd64', 'k3s'))).toBe(false);
  });

  it('a file changed on disk after bundling is fetched again; unpinned artifacts are reported', async () => {
    const out = join(dir, 'bundle');
    await buildBundle({ region, out, sources: sources(), pinFile });
    const chart = join(out, 'cert-manager', region.versions.certManager, 'any', `cert-manager-${region.versions.certManager}.tgz`);
    writeFileSync(chart, 'tampered');
    const again = await buildBundle({ region, out, sources: sources(), pinFile });
    expect(again.downloaded).toEqual([`cert-manager/${region.versions.certManager}/any/cert-manager-${region.versions.certManager}.tgz`]);
    expect(readFileSync(chart, 'utf8')).toBe('chart archive');
    expect(again.unpinned).toHaveLength(6);
    expect(() => loadBundle(out, { region: region.name, pinFile })).toThrow(/has no pinned sha256/);
    expect(JSON.parse(readFileSync(join(out, MANIFEST_FILE), 'utf8')).artifacts).toHaveLength(6);
  });
});
