/**
 * One region, in memory: manifests -> validation gate -> rendered files. Nothing here writes; the
 * CLI validates every region first and only then writes (so one failing region leaves dist/ as it was).
 */
import type { RegionManifests } from './manifest';
import { renderRegion, type RenderedFile } from './render/render-region';
import { summarize, type RegionSummary } from './summary';
import { assertValidManifests } from './validate/validate-manifests';

export interface SynthesizedRegion {
  readonly manifests: RegionManifests;
  readonly files: readonly RenderedFile[];
  readonly summary: RegionSummary;
}

/** Validates (throws SynthValidationError with every issue) and renders. */
export function synthesizeManifests(manifests: RegionManifests): SynthesizedRegion {
  assertValidManifests(manifests);
  return { manifests, files: renderRegion(manifests), summary: summarize(manifests) };
}
