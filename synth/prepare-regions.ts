/**
 * Load -> compose -> validate -> render for a set of regions, entirely in memory. Every region is
 * attempted, and each failure (invalid region file, a construct refusing its props, a failing gate)
 * is kept with its region, so the caller can report them all and write nothing.
 */
import { composeRegion } from '../regions/compose';
import { listRegionNames, loadRegion, RegionValidationError } from '../regions/load';
import { manifestsFromComposed } from './from-composed';
import { bumpVersions } from './platform/bump';
import { SynthValidationError } from './synth-error';
import { synthesizeManifests, type SynthesizedRegion } from './synth-region';

export interface RegionFailure {
  readonly region: string;
  /** Full message: names the region, the path and the bad value. */
  readonly message: string;
}

export interface PreparedRegions {
  readonly ok: readonly SynthesizedRegion[];
  readonly failures: readonly RegionFailure[];
}

export interface PrepareOptions {
  /** Region names; @default every region file in regionsDir */
  readonly regions?: readonly string[];
  /** @default <repo>/regions */
  readonly regionsDir?: string;
}

function failureOf(region: string, error: unknown): RegionFailure {
  if (error instanceof RegionValidationError || error instanceof SynthValidationError) return { region, message: error.message };
  // A programming error (TypeError & co.) keeps its stack: the message alone would not say where.
  const bug = error instanceof TypeError || error instanceof ReferenceError || error instanceof RangeError || error instanceof SyntaxError;
  const message = error instanceof Error ? (bug ? (error.stack ?? error.message) : error.message) : String(error);
  // Constructs throw with the construct, field and value; prefix the region when they do not name it.
  return { region, message: message.includes(`'${region}'`) ? message : `region '${region}': ${message}` };
}

export async function prepareRegions(options: PrepareOptions = {}): Promise<PreparedRegions> {
  const loadOptions = options.regionsDir ? { regionsDir: options.regionsDir } : {};
  let names: string[];
  try {
    names = options.regions && options.regions.length > 0 ? [...options.regions] : await listRegionNames(options.regionsDir);
  } catch (error) {
    // A region file that cannot be one (bad file name, the reserved `lab`): a failure like any invalid region.
    if (error instanceof RegionValidationError) return { ok: [], failures: [{ region: error.region, message: error.message }] };
    throw error;
  }
  const ok: SynthesizedRegion[] = [];
  const failures: RegionFailure[] = [];
  for (const name of names) {
    try {
      const region = await loadRegion(name, loadOptions);
      const manifests = manifestsFromComposed(composeRegion(region));
      const bump = bumpVersions(region);
      const bumped = { manifests: manifestsFromComposed(composeRegion(bump.region)), bump: { changed: bump.changed } };
      ok.push(synthesizeManifests(manifests, { bumped }));
    } catch (error) {
      failures.push(failureOf(name, error));
    }
  }
  return { ok, failures };
}
