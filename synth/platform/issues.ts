/** Issue construction for the platform checks: the gate's message shape, with the workload as the object. */
import type { ManifestIssue } from '../synth-error';
import type { PlatformModel } from './model';

/** A ManifestIssue without the region, which the model supplies. */
export type PlatformIssueInput = Omit<ManifestIssue, 'region'>;

export function issue(model: Pick<PlatformModel, 'region'>, i: PlatformIssueInput): ManifestIssue {
  return { region: model.region.name, ...i };
}
