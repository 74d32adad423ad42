/**
 * Where a k3s release's assets are: the GitHub release of the pinned version, or the region's mirror in the same
 * layout (`<mirrorUrl>/<version>/k3s` and `<mirrorUrl>/<version>/sha256sum-amd64.txt`).
 */
import type { Region } from '../regions/types';
import { containerdMajor, K3S_RELEASES as K3S_RELEASE_TABLE, k3sRelease, type K3sRelease } from '../regions/versions';
import { ValidationError } from './core';

export const K3S_RELEASES = 'https://github.com/k3s-io/k3s/releases/download';

export interface K3sAsset {
  /** Binary asset name: `k3s` (amd64), `k3s-arm64`. */
  readonly binary: string;
  readonly binaryUrl: string;
  readonly checksumsUrl: string;
}

export function k3sArch(unameM: string): 'amd64' | 'arm64' {
  if (unameM === 'x86_64' || unameM === 'amd64') return 'amd64';
  if (unameM === 'aarch64' || unameM === 'arm64') return 'arm64';
  throw new ValidationError(`k3s: architecture '${unameM}' has no k3s release asset here (expected x86_64 or aarch64)`);
}

export function k3sAsset(region: Region, unameM: string): K3sAsset {
  const arch = k3sArch(unameM);
  const base = `${(region.k3s.mirrorUrl ?? K3S_RELEASES).replace(/\/+$/, '')}/${encodeURIComponent(region.versions.k3s)}`;
  const binary = arch === 'amd64' ? 'k3s' : `k3s-${arch}`;
  return { binary, binaryUrl: `${base}/${binary}`, checksumsUrl: `${base}/sha256sum-${arch}.txt` };
}

/**
 * What the region's pinned k3s release embeds (regions/versions.ts K3S_RELEASES). The containerd config template
 * depends on it, so a release without a row is refused rather than guessed from the minor number.
 */
export function pinnedK3sRelease(region: Region): K3sRelease & { readonly containerdMajor: number } {
  const release = k3sRelease(region.versions.k3s);
  if (!release) {
    throw new ValidationError(
      `region '${region.name}': versions.k3s '${region.versions.k3s}' is not in the k3s release table (expected one of ${Object.keys(K3S_RELEASE_TABLE).join(', ')}; add its row to K3S_RELEASES in regions/versions.ts from the release notes' Embedded Component Versions)`,
    );
  }
  return { ...release, containerdMajor: containerdMajor(release) };
}
