/** Issue construction for the platform checks: the gate's message shape, with the workload as the object. */
import type { ManifestIssue } from '../synth-error';
import type { PlatformModel } from './model';

export interface PlatformIssueInput {
  readonly object: string;
  readonly file: string;
  readonly path: string;
  readonly value: unknown;
  readonly problem: string;
  readonly expected: string;
  readonly fix: string;
}

export function issue(model: Pick<PlatformModel, 'region'>, i: PlatformIssueInput): ManifestIssue {
  return { region: model.region.name, ...i };
}
