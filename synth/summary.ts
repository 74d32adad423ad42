/** The per-region summary printed by `npm run synth`: objects by kind, files, secrets, components. */
import type { RegionManifests } from './manifest';

export interface RegionSummary {
  readonly region: string;
  readonly objects: number;
  /** Kind -> count, kinds in first-seen order. */
  readonly kinds: ReadonlyMap<string, number>;
  readonly files: number;
  readonly secrets: readonly string[];
  readonly components: readonly string[];
  /** The region's dangerous opt-ins (regions/opt-ins.ts): [name, reason], sorted by name. */
  readonly optIns: readonly (readonly [string, string])[];
  /** Each public endpoint's path from the load balancer to its pods (synth/platform). */
  readonly publicPaths?: readonly string[];
}

export function summarize(m: RegionManifests): RegionSummary {
  const kinds = new Map<string, number>();
  let objects = 0;
  for (const f of m.files) {
    for (const o of f.objects) {
      kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
      objects++;
    }
  }
  return {
    region: m.region.name,
    objects,
    kinds,
    files: m.files.length,
    secrets: m.secrets.map((s) => `${s.namespace}/${s.name}`),
    components: m.components.map((c) => c.name),
    optIns: Object.entries(m.region.dangerousOptIns ?? {})
      .filter((e): e is [string, string] => typeof e[1] === 'string')
      .sort(([a], [b]) => a.localeCompare(b)),
  };
}

/** Two or three lines, no secret values (there are none in manifests; names only). */
export function formatSummary(s: RegionSummary, status: string): string {
  const kinds = [...s.kinds.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(', ');
  const lines = [`${s.region}: ${status}, ${s.objects} objects in ${s.files} files (${kinds})`];
  if (s.secrets.length > 0) lines.push(`  secrets (secretGenerator): ${s.secrets.join(', ')}`);
  if (s.components.length > 0) lines.push(`  components: ${s.components.map((c) => `components/${c}`).join(', ')}`);
  // Loud on purpose: each of these opens something the rules refuse by default (regions/opt-ins.ts).
  for (const [name, reason] of s.optIns) lines.push(`  DANGEROUS OPT-IN ${name}: ${reason}`);
  if (s.publicPaths && s.publicPaths.length > 0) lines.push('  public paths (load balancer -> pods):', ...s.publicPaths.map((p) => `    ${p}`));
  return lines.join('\n');
}
