/**
 * One region, in memory: manifests -> validation gate + platform model check -> rendered files. Nothing here
 * writes; the CLI validates every region first and only then writes (so one failing region leaves dist/ as it was).
 */
import type { RegionManifests } from './manifest';
import { checkPlatform } from './platform';
import type { BumpDescription } from './platform/check-immutable';
import { renderRegion, type RenderedFile } from './render/render-region';
import { summarize, type RegionSummary } from './summary';
import { SynthValidationError } from './synth-error';
import { validateManifests } from './validate/validate-manifests';

export interface SynthesizedRegion {
  readonly manifests: RegionManifests;
  readonly files: readonly RenderedFile[];
  readonly summary: RegionSummary;
}

export interface SynthesizeOptions {
  /** The same region composed with every pinned version bumped, for the immutable-field check. */
  readonly bumped?: { readonly manifests: RegionManifests; readonly bump: BumpDescription };
}

/** Validates (throws SynthValidationError with every issue, gate and platform model alike) and renders. */
export function synthesizeManifests(manifests: RegionManifests, options: SynthesizeOptions = {}): SynthesizedRegion {
  const issues = validateManifests(manifests);
  const platform = checkPlatform(manifests, options.bumped ? { bumped: options.bumped } : {});
  const all = [...issues, ...platform.issues];
  if (all.length > 0) throw new SynthValidationError(manifests.region.name, all);
  return { manifests, files: renderRegion(manifests), summary: { ...summarize(manifests), publicPaths: platform.paths } };
}
