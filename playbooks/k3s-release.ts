/**
 * Where a k3s release's assets are: the GitHub release of the pinned version, or the region's mirror in the same
 * layout (`<mirrorUrl>/<version>/k3s` and `<mirrorUrl>/<version>/sha256sum-amd64.txt`).
 */
import type { Region } from '../regions/types';
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
  const base = `${(region.k3s.mirrorUrl ?? K3S_RELEASES).replace(/\/+$/, '')}/${encodeURIComponent(region.k3s.version)}`;
  const binary = arch === 'amd64' ? 'k3s' : `k3s-${arch}`;
  return { binary, binaryUrl: `${base}/${binary}`, checksumsUrl: `${base}/sha256sum-${arch}.txt` };
}

/** Minor version of `v1.31.2+k3s1` -> 31. */
export function k3sMinor(version: string): number {
  const m = /^v1\.(\d+)\./.exec(version);
  if (!m) throw new ValidationError(`k3s.version '${version}' is not a k3s release (expected e.g. v1.28.15+k3s1)`);
  return Number(m[1]);
}
