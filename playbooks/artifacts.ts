/**
 * Every file a region's bootstrap downloads, for its pinned versions and an architecture: the one list that
 * `npm run bundle` fetches, the playbooks deliver from a bundle, and regions/artifact-checksums.json pins.
 *
 * Upstream locations (verified against the projects' release layouts):
 * - k3s: `https://github.com/k3s-io/k3s/releases/download/<version>/{k3s,k3s-arm64,k3s-airgap-images-<arch>.tar.zst,
 *   sha256sum-<arch>.txt}` (k3s scripts/package-airgap writes k3s-airgap-images-${ARCH}.tar.zst beside the .tar; the
 *   sha256sum-<arch>.txt of a release lists the binary and the air-gap tarballs).
 * - gVisor: `https://storage.googleapis.com/gvisor/releases/release/<version>/<x86_64|aarch64>/<binary>` with
 *   `<binary>.sha512` (gvisor.dev/docs/user_guide/install, "Install latest release").
 * - cert-manager: the Helm chart archive `https://charts.jetstack.io/charts/cert-manager-<version>.tgz` (the path the
 *   repository's index.yaml lists), no upstream checksum file: its sha256 is pinned here on first bundle
 *   (`npm run bundle -- <region> --pin`) and compared on every later one.
 *
 * Pure: no I/O except reading the pin file once.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../regions/resolve';
import type { Region } from '../regions/types';
import type { Versions } from '../regions/versions';
import { ValidationError } from './core';
import { GVISOR_RELEASES } from './gvisor-release';
import { K3S_BIN, K3S_DATA_DIR } from './k3s-layout';
import { K3S_RELEASES } from './k3s-release';

export type Arch = 'amd64' | 'arm64';
export const ARCHES: readonly Arch[] = ['amd64', 'arm64'];

/** Where k3s imports image tarballs from at every start (k3s docs "Air-Gap Install", "Manually Deploy Images"). */
export const K3S_IMAGES_DIR = `${K3S_DATA_DIR}/agent/images`;

export type Component = 'k3s' | 'gvisor' | 'cert-manager';

export interface ArtifactSpec {
  /** Stable key inside a bundle: `<component>/<version>/<arch>/<asset>`. */
  readonly key: string;
  readonly component: Component;
  readonly version: string;
  /** `any` for architecture-independent files (the Helm chart). */
  readonly arch: Arch | 'any';
  /** File name as the upstream release names it. */
  readonly asset: string;
  /** What it is, for messages: `k3s binary`, `k3s air-gap images`, ... */
  readonly title: string;
  /** Where upstream publishes it. */
  readonly url: string;
  /** The checksum file upstream publishes beside it, when there is one. */
  readonly upstreamChecksum?: { readonly url: string; readonly algorithm: 'sha256' | 'sha512' };
  /** Where it goes on a host (undefined: not a host file, e.g. the chart, which goes into a manifest). */
  readonly target?: { readonly path: string; readonly mode: string };
  /** Only when the region is air-gapped (images the cluster would otherwise pull). */
  readonly airgapOnly?: boolean;
}

export const PIN_FILE = join(REPO_ROOT, 'regions', 'artifact-checksums.json');

/** cert-manager images the chart deploys (controller, webhook, cainjector, startupapicheck) and the ACME solver. */
export const CERT_MANAGER_IMAGES = ['cert-manager-controller', 'cert-manager-webhook', 'cert-manager-cainjector', 'cert-manager-acmesolver', 'cert-manager-startupapicheck'] as const;
export const CERT_MANAGER_REGISTRY = 'quay.io/jetstack';

export function gvisorArchOf(arch: Arch): 'x86_64' | 'aarch64' {
  return arch === 'amd64' ? 'x86_64' : 'aarch64';
}

/** `uname -m` (or a Go arch name) -> amd64/arm64. */
export function archOf(unameM: string): Arch {
  if (unameM === 'x86_64' || unameM === 'amd64') return 'amd64';
  if (unameM === 'aarch64' || unameM === 'arm64') return 'arm64';
  throw new ValidationError(`architecture '${unameM}' has no release artifacts here (expected x86_64/amd64 or aarch64/arm64)`);
}

export function artifactKey(component: Component, version: string, arch: Arch | 'any', asset: string): string {
  return `${component}/${version}/${arch}/${asset}`;
}

/** The artifacts of the region's pinned versions for one architecture (plus the architecture-independent chart). */
export function regionArtifacts(region: { readonly versions: Pick<Versions, 'k3s' | 'gvisor' | 'certManager'> }, arch: Arch): ArtifactSpec[] {
  const k = region.versions;
  const k3sBase = `${K3S_RELEASES}/${encodeURIComponent(k.k3s)}`;
  const sums = { url: `${k3sBase}/sha256sum-${arch}.txt`, algorithm: 'sha256' as const };
  const k3sBinary = arch === 'amd64' ? 'k3s' : `k3s-${arch}`;
  const images = `k3s-airgap-images-${arch}.tar.zst`;
  const gv = (asset: string): ArtifactSpec => {
    const url = `${GVISOR_RELEASES}/${encodeURIComponent(k.gvisor)}/${gvisorArchOf(arch)}/${asset}`;
    return {
      key: artifactKey('gvisor', k.gvisor, arch, asset),
      component: 'gvisor',
      version: k.gvisor,
      arch,
      asset,
      title: `gVisor ${asset}`,
      url,
      upstreamChecksum: { url: `${url}.sha512`, algorithm: 'sha512' },
      target: { path: `/usr/local/bin/${asset}`, mode: '0755' },
    };
  };
  const chart = `cert-manager-${k.certManager}.tgz`;
  const cmImages = `cert-manager-images-${k.certManager}-${arch}.tar`;
  return [
    {
      key: artifactKey('k3s', k.k3s, arch, `sha256sum-${arch}.txt`),
      component: 'k3s',
      version: k.k3s,
      arch,
      asset: `sha256sum-${arch}.txt`,
      title: 'k3s release checksums',
      url: sums.url,
    },
    {
      key: artifactKey('k3s', k.k3s, arch, k3sBinary),
      component: 'k3s',
      version: k.k3s,
      arch,
      asset: k3sBinary,
      title: 'k3s binary',
      url: `${k3sBase}/${k3sBinary}`,
      upstreamChecksum: sums,
      target: { path: K3S_BIN, mode: '0755' },
    },
    {
      key: artifactKey('k3s', k.k3s, arch, images),
      component: 'k3s',
      version: k.k3s,
      arch,
      asset: images,
      title: 'k3s air-gap images',
      url: `${k3sBase}/${images}`,
      upstreamChecksum: sums,
      target: { path: `${K3S_IMAGES_DIR}/${images}`, mode: '0644' },
    },
    gv('runsc'),
    gv('containerd-shim-runsc-v1'),
    {
      key: artifactKey('cert-manager', k.certManager, 'any', chart),
      component: 'cert-manager',
      version: k.certManager,
      arch: 'any',
      asset: chart,
      title: 'cert-manager Helm chart',
      url: `https://charts.jetstack.io/charts/${chart}`,
    },
    {
      key: artifactKey('cert-manager', k.certManager, arch, cmImages),
      component: 'cert-manager',
      version: k.certManager,
      arch,
      asset: cmImages,
      title: 'cert-manager images',
      url: CERT_MANAGER_IMAGES.map((i) => `${CERT_MANAGER_REGISTRY}/${i}:${k.certManager}`).join(' '),
      target: { path: `${K3S_IMAGES_DIR}/${cmImages}`, mode: '0644' },
      airgapOnly: true,
    },
  ];
}

/* ------------------------------------------------------------------------------------------------ pins */

/** component -> version -> arch -> asset -> sha256. */
export type PinTable = Record<string, Record<string, Record<string, Record<string, string>>>>;

let pinCache: { file: string; table: PinTable } | null = null;

export function readPins(file: string = PIN_FILE): PinTable {
  if (pinCache?.file === file) return pinCache.table;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ValidationError(`${file}: not valid JSON (${(e as Error).message}); expected component -> version -> arch -> asset -> sha256`);
  }
  const table: PinTable = {};
  for (const [component, versions] of Object.entries(parsed as Record<string, unknown>)) {
    if (component.startsWith('$')) continue;
    for (const [version, arches] of Object.entries(versions as Record<string, unknown>)) {
      for (const [arch, assets] of Object.entries(arches as Record<string, unknown>)) {
        for (const [asset, sum] of Object.entries(assets as Record<string, unknown>)) {
          if (typeof sum !== 'string' || !/^[0-9a-f]{64}$/.test(sum)) {
            throw new ValidationError(`${file}: ${component}.${version}.${arch}.${asset} is '${String(sum)}', not a sha256 (expected 64 lowercase hex digits)`);
          }
          ((((table[component] ??= {})[version] ??= {})[arch] ??= {})[asset] = sum);
        }
      }
    }
  }
  pinCache = { file, table };
  return table;
}

/** The pinned sha256 of an artifact, or undefined when the repository pins none for it. */
export function pinnedSha256(spec: Pick<ArtifactSpec, 'component' | 'version' | 'arch' | 'asset'>, file: string = PIN_FILE): string | undefined {
  return readPins(file)[spec.component]?.[spec.version]?.[spec.arch]?.[spec.asset];
}

/**
 * Whether the repository's pins bind this region. Every region but the lab: the lab's hosts meet labelled test
 * stand-ins (fixtures served under the pinned version numbers), which no pin can match.
 */
export function pinsApply(regionName: string): boolean {
  return regionName !== 'lab';
}

/** Forget the cached pin table (after `npm run bundle -- --pin` rewrote it, and in tests). */
export function resetPinCache(): void {
  pinCache = null;
}
