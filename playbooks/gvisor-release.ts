/**
 * Where a gVisor release's binaries are: the official layout
 * `https://storage.googleapis.com/gvisor/releases/release/<version>/<uname -m>/{runsc,containerd-shim-runsc-v1}`
 * with a `<binary>.sha512` next to each, or the same layout under the region's mirror (`k3s.mirrorUrl`/gvisor/).
 */
import type { Region } from '../regions/types';
import { ValidationError } from './core';

export const GVISOR_RELEASES = 'https://storage.googleapis.com/gvisor/releases/release';
export const GVISOR_BINARIES = ['runsc', 'containerd-shim-runsc-v1'] as const;

export function gvisorArch(unameM: string): 'x86_64' | 'aarch64' {
  if (unameM === 'x86_64' || unameM === 'aarch64') return unameM;
  throw new ValidationError(`gvisor: architecture '${unameM}' has no gVisor release (expected x86_64 or aarch64)`);
}

export function gvisorUrl(region: Region, unameM: string, binary: string): { url: string; checksumUrl: string } {
  const base = region.k3s.mirrorUrl ? `${region.k3s.mirrorUrl.replace(/\/+$/, '')}/gvisor` : GVISOR_RELEASES;
  const url = `${base}/${encodeURIComponent(region.versions.gvisor)}/${gvisorArch(unameM)}/${binary}`;
  return { url, checksumUrl: `${url}.sha512` };
}
