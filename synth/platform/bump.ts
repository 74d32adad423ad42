/**
 * A copy of a region with every pinned version moved one patch release on (the last number of each version), for
 * the immutable-field check: what a routine upgrade changes must never touch a field kubectl apply cannot change.
 */
import type { Region } from '../../regions/types';

/** `v1.28.15+k3s1` -> `v1.28.16+k3s1`, `1.22.6` -> `1.22.7`, `20241104` -> `20241105`, `repo:v0.10.25` -> `repo:v0.10.26`. */
export function bumpVersion(text: string): string {
  const colon = text.lastIndexOf(':');
  const prefix = text.includes('/') && colon > 0 ? text.slice(0, colon + 1) : '';
  const tag = prefix ? text.slice(prefix.length) : text;
  const plus = tag.indexOf('+');
  const core = plus < 0 ? tag : tag.slice(0, plus);
  const rest = plus < 0 ? '' : tag.slice(plus);
  const m = /^(.*?)(\d+)(\D*)$/.exec(core);
  if (!m) return text;
  return `${prefix}${m[1] ?? ''}${String(Number(m[2]) + 1).padStart((m[2] ?? '').length, '0')}${m[3] ?? ''}${rest}`;
}

export function bumpVersions(region: Region): { region: Region; changed: string[] } {
  const p = region.platform;
  const bumped: Region = {
    ...region,
    k3s: { ...region.k3s, version: bumpVersion(region.k3s.version), certManagerVersion: bumpVersion(region.k3s.certManagerVersion), gvisorVersion: bumpVersion(region.k3s.gvisorVersion) },
    platform: {
      ...p,
      gitea: { ...p.gitea, version: bumpVersion(p.gitea.version) },
      zot: { ...p.zot, version: bumpVersion(p.zot.version) },
      woodpecker: { ...p.woodpecker, version: bumpVersion(p.woodpecker.version) },
      rdevApi: { ...p.rdevApi, image: bumpVersion(p.rdevApi.image) },
    },
  };
  const changed = [
    `k3s ${region.k3s.version} -> ${bumped.k3s.version}`,
    `cert-manager ${region.k3s.certManagerVersion} -> ${bumped.k3s.certManagerVersion}`,
    `gVisor ${region.k3s.gvisorVersion} -> ${bumped.k3s.gvisorVersion}`,
    `Gitea ${p.gitea.version} -> ${bumped.platform.gitea.version}`,
    `Zot ${p.zot.version} -> ${bumped.platform.zot.version}`,
    `Woodpecker ${p.woodpecker.version} -> ${bumped.platform.woodpecker.version}`,
    `rdev-api ${p.rdevApi.image} -> ${bumped.platform.rdevApi.image}`,
  ];
  return { region: bumped, changed };
}
