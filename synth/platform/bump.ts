/**
 * A copy of a region with every pinned version moved one patch release on (the last number of each version), for
 * the immutable-field check: what a routine upgrade changes must never touch a field kubectl apply cannot change.
 */
import type { Region } from '../../regions/types';
import { COMPONENTS, VERSION_NAMES, type Versions } from '../../regions/versions';

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
  const v = region.versions;
  const bumpedVersions = Object.fromEntries(VERSION_NAMES.map((name) => [name, bumpVersion(v[name])])) as unknown as Versions;
  const bumped: Region = { ...region, versions: bumpedVersions };
  const changed = VERSION_NAMES.map((name) => `${COMPONENTS[name].title} ${v[name]} -> ${bumpedVersions[name]}`);
  return { region: bumped, changed };
}
