/**
 * `npm run bundle`: on a machine with internet, fetch everything a region's bootstrap needs for its pinned versions
 * and architectures into one folder with a manifest (bundle.json: name, version, source URL, sha256, size).
 *
 * - Every download is checked against what upstream publishes beside it (k3s: sha256sum-<arch>.txt; gVisor:
 *   <binary>.sha512) AND against the sha256 the repository pins (regions/artifact-checksums.json). A mismatch is an
 *   error naming the file, the expected and the actual sum, and the file is not kept.
 * - Re-running downloads nothing that is already there and verifies (the manifest sum, the file's sum and the pin).
 * - `pin: true` records the sums of artifacts the repository does not pin yet (after they verified against upstream;
 *   the cert-manager chart has no upstream checksum file, so its first pin is trust on first use, stated as such).
 * - When the region is air-gapped (or `images: true`), the cert-manager images are pulled from their registry into
 *   an OCI image archive that k3s imports from agent/images (bundle/oci.ts).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { archOf, pinnedSha256, PIN_FILE, readPins, regionArtifacts, resetPinCache, type Arch, type ArtifactSpec } from '../playbooks/artifacts';
import { BUNDLE_FORMAT, MANIFEST_FILE, parseManifest, sha256File, type BundleArtifact, type BundleManifest } from '../playbooks/bundle-manifest';
import type { Region } from '../regions/types';
import { BundleError } from './errors';
import { fetchText, fetchToFile, sumFor } from './fetch';
import { pullImages } from './oci';

export interface BundleSources {
  /** Base of k3s releases (`<base>/<version>/<asset>`). @default GitHub releases */
  readonly k3s?: string;
  /** Base of gVisor releases (`<base>/<version>/<x86_64|aarch64>/<binary>`). @default storage.googleapis.com */
  readonly gvisor?: string;
  /** Base of Helm chart archives (`<base>/<chart>.tgz`). @default https://charts.jetstack.io/charts */
  readonly charts?: string;
  /** Registry for the cert-manager images, as `https://host[:port]` (`quay.io` when unset). */
  readonly registry?: string;
}

export interface BuildBundleOptions {
  readonly region: Region;
  readonly out: string;
  /** @default ['amd64'] */
  readonly arches?: readonly Arch[];
  /** Also bundle the cert-manager images. @default region.airgap !== undefined */
  readonly images?: boolean;
  /** Record the sums of unpinned artifacts in the pin file. @default false */
  readonly pin?: boolean;
  readonly sources?: BundleSources;
  /** @default regions/artifact-checksums.json */
  readonly pinFile?: string;
  /** @default 1800 */
  readonly timeoutSeconds?: number;
  readonly log?: (line: string) => void;
}

export interface BuildBundleResult {
  readonly dir: string;
  readonly manifest: BundleManifest;
  readonly downloaded: readonly string[];
  readonly reused: readonly string[];
  /** Keys without a pin after this run (the playbooks refuse them for real regions). */
  readonly unpinned: readonly string[];
  /** Keys pinned by this run (`pin: true`). */
  readonly pinnedNow: readonly string[];
}

const fileOf = (s: ArtifactSpec): string => `${s.component}/${s.version}/${s.arch}/${s.asset}`;

/** The URL to fetch a spec from, under the chosen sources (same layout as upstream). */
export function sourceUrl(spec: ArtifactSpec, sources: BundleSources = {}): string {
  const strip = (u: string) => u.replace(/\/+$/, '');
  if (spec.component === 'k3s' && sources.k3s) return `${strip(sources.k3s)}/${encodeURIComponent(spec.version)}/${spec.asset}`;
  if (spec.component === 'gvisor' && sources.gvisor) {
    const tail = spec.url.split('/').slice(-3).join('/');
    return `${strip(sources.gvisor)}/${tail}`;
  }
  if (spec.component === 'cert-manager' && spec.arch === 'any' && sources.charts) return `${strip(sources.charts)}/${spec.asset}`;
  return spec.url;
}

function readOldManifest(dir: string): Map<string, BundleArtifact> {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) return new Map();
  const m = parseManifest(readFileSync(path, 'utf8'), path);
  return new Map(m.artifacts.map((a) => [a.key, a]));
}

function writeManifest(dir: string, manifest: BundleManifest): void {
  writeFileSync(join(dir, `${MANIFEST_FILE}.tmp`), `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(join(dir, `${MANIFEST_FILE}.tmp`), join(dir, MANIFEST_FILE));
}

/** Merge new pins into the pin file (sorted; existing pins are never changed here). */
export function writePins(file: string, add: readonly { spec: ArtifactSpec; sha256: string }[]): void {
  const raw = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const table = readPins(file);
  for (const { spec, sha256 } of add) ((((table[spec.component] ??= {})[spec.version] ??= {})[spec.arch] ??= {})[spec.asset] = sha256);
  const sorted = (o: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.keys(o).sort().map((k) => [k, typeof o[k] === 'object' && o[k] !== null ? sorted(o[k] as Record<string, unknown>) : o[k]]));
  const out = { $comment: raw.$comment ?? '', ...sorted(table) };
  writeFileSync(`${file}.tmp`, `${JSON.stringify(out, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  resetPinCache();
}

export async function buildBundle(options: BuildBundleOptions): Promise<BuildBundleResult> {
  const { region } = options;
  const log = options.log ?? (() => undefined);
  const dir = options.out;
  const pinFile = options.pinFile ?? PIN_FILE;
  const arches = options.arches?.length ? [...new Set(options.arches)] : ['amd64' as Arch];
  const images = options.images ?? region.airgap !== undefined;
  const sources: BundleSources = { ...(region.k3s.mirrorUrl ? { k3s: region.k3s.mirrorUrl, gvisor: `${region.k3s.mirrorUrl.replace(/\/+$/, '')}/gvisor` } : {}), ...options.sources };
  const timeoutSeconds = options.timeoutSeconds ?? 1800;
  mkdirSync(dir, { recursive: true });
  const old = readOldManifest(dir);
  const specs = new Map<string, ArtifactSpec>();
  for (const arch of arches) for (const s of regionArtifacts(region, archOf(arch))) if (images || !s.airgapOnly) specs.set(s.key, s);

  const artifacts: BundleArtifact[] = [];
  const downloaded: string[] = [];
  const reused: string[] = [];
  const texts = new Map<string, Promise<string>>();
  const text = (url: string): Promise<string> => {
    let t = texts.get(url);
    if (!t) texts.set(url, (t = fetchText(url, { timeoutSeconds: 120 })));
    return t;
  };
  const manifestNow = (): BundleManifest => ({ format: BUNDLE_FORMAT, region: region.name, generatedBy: `npm run bundle -- ${region.name} --arch ${arches.join(',')}${images ? ' --images' : ''}`, artifacts: [...artifacts] });
  const pinned = (spec: ArtifactSpec) => pinnedSha256(spec, pinFile);

  for (const spec of specs.values()) {
    const file = fileOf(spec);
    const dest = join(dir, file);
    const pin = pinned(spec);
    const prev = old.get(spec.key);
    if (prev && !prev.standIn && prev.file === file && existsSync(dest)) {
      const sum = sha256File(dest);
      if (sum === prev.sha256 && (pin === undefined || pin === sum)) {
        artifacts.push(prev);
        reused.push(spec.key);
        log(`ok       ${file} (already there, sha256 verified; nothing downloaded)`);
        continue;
      }
      log(`refetch  ${file} (on disk ${sum.slice(0, 16)}…, manifest ${prev.sha256.slice(0, 16)}…${pin ? `, pin ${pin.slice(0, 16)}…` : ''})`);
    }
    const url = sourceUrl(spec, sources);
    let entry: BundleArtifact;
    if (spec.airgapOnly) {
      log(`pull     ${file} (${spec.url})`);
      const got = await pullImages({ images: spec.url.split(' '), arch: spec.arch as Arch, dest, ...(sources.registry ? { registry: sources.registry } : {}), timeoutSeconds });
      entry = { ...base(spec, file), source: got.refs.join(' '), sha256: got.sha256, size: got.size };
    } else {
      let expected: { algorithm: 'sha256' | 'sha512'; sum: string; url: string } | undefined;
      if (spec.upstreamChecksum) {
        const sumsUrl = spec.component === 'k3s' && sources.k3s ? sourceUrl({ ...spec, asset: `sha256sum-${spec.arch}.txt` }, sources) : spec.component === 'gvisor' ? `${url}.sha512` : spec.upstreamChecksum.url;
        if (!spec.asset.startsWith('sha256sum-')) {
          const t = await text(sumsUrl);
          const sum = sumFor(t, spec.asset, spec.upstreamChecksum.algorithm === 'sha256' ? 64 : 128);
          if (!sum) throw new BundleError(`${file}: ${sumsUrl} lists no ${spec.upstreamChecksum.algorithm} for '${spec.asset}' (expected a '<hex>  ${spec.asset}' line; fix: check versions.k3s/versions.gvisor, or the mirror's layout)`);
          expected = { algorithm: spec.upstreamChecksum.algorithm, sum, url: sumsUrl };
        }
      }
      log(`fetch    ${file} (${url})`);
      const got = await fetchToFile(url, dest, { timeoutSeconds });
      const actual = expected?.algorithm === 'sha512' ? got.sha512 : got.sha256;
      if (expected && actual !== expected.sum) {
        rmSync(dest, { force: true });
        throw new BundleError(`${file}: ${expected.algorithm} is ${actual}, expected ${expected.sum} (published at ${expected.url}); the download from ${url} was not kept (fix: fetch again; if it repeats, the mirror or release asset is not the published one)`);
      }
      entry = { ...base(spec, file), source: url, sha256: got.sha256, size: got.size, ...(expected ? { upstream: expected } : {}) };
    }
    if (pin !== undefined && pin !== entry.sha256) {
      rmSync(dest, { force: true });
      throw new BundleError(`${file}: sha256 is ${entry.sha256}, expected ${pin} (pinned in ${relative(process.cwd(), pinFile) || pinFile} for ${spec.key}); the download from ${entry.source} was not kept: not the artifact this repository verified (a compromised mirror or release asset). Fix: check the source; change the pin only after verifying the new sum with upstream`);
    }
    artifacts.push(entry);
    downloaded.push(spec.key);
    writeManifest(dir, manifestNow());
  }

  const manifest = manifestNow();
  writeManifest(dir, manifest);
  const unpinnedSpecs = [...specs.values()].filter((s) => pinned(s) === undefined);
  let pinnedNow: string[] = [];
  if (options.pin && unpinnedSpecs.length) {
    writePins(pinFile, unpinnedSpecs.map((spec) => ({ spec, sha256: manifest.artifacts.find((a) => a.key === spec.key)!.sha256 })));
    pinnedNow = unpinnedSpecs.map((s) => s.key);
  }
  const unpinned = options.pin ? [] : unpinnedSpecs.map((s) => s.key);
  return { dir, manifest, downloaded, reused, unpinned, pinnedNow };
}

function base(spec: ArtifactSpec, file: string): Omit<BundleArtifact, 'source' | 'sha256' | 'size'> {
  return { key: spec.key, component: spec.component, version: spec.version, arch: spec.arch, asset: spec.asset, file };
}
