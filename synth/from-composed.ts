/**
 * Turns a composed region (regions/compose.ts: one cdk8s App, one chart per output file) into the
 * plain data the rest of the pipeline works on. Typed structurally so synth does not depend on how
 * composition is built, only on its contract.
 */
import type { SecretRequirement } from '../constructs/secret-requirement';
import type { Region } from '../regions/types';
import type { ExternalObject, KubeObject, RegionManifests } from './manifest';

interface ChartLike {
  toJson(): unknown[];
}

export interface ComposedRegionLike {
  readonly region: Region;
  readonly components: readonly { readonly file: string; readonly chart: ChartLike }[];
  readonly kustomizeComponents: readonly { readonly name: string; readonly chart: ChartLike }[];
  readonly secrets: readonly SecretRequirement[];
  readonly external: readonly ExternalObject[];
}

/** Synthesizes each chart (chart.toJson(): cdk8s resolves tokens and orders objects) into JSON objects. */
export function manifestsFromComposed(composed: ComposedRegionLike): RegionManifests {
  return {
    region: composed.region,
    files: composed.components.map((c) => ({ file: c.file, objects: c.chart.toJson() as KubeObject[] })),
    components: composed.kustomizeComponents.map((c) => ({ name: c.name, objects: c.chart.toJson() as KubeObject[] })),
    secrets: composed.secrets,
    external: composed.external,
  };
}
