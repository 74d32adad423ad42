/**
 * The error synth throws when a region's manifests fail the validation gate: every issue found, not
 * just the first. Each issue renders as one line in the house message shape (where, the bad value,
 * what was expected) plus an indented `fix:` line:
 *   region 'eu-central-1': Service platform/gitea-http (30-gitea.yaml) spec.selector {"app":"gitea"} matches no pod template in namespace 'platform' (expected the labels of a Deployment/StatefulSet/DaemonSet pod template)
 *     fix: ...
 */
import { formatValue } from '../regions/region-error';

export interface ManifestIssue {
  readonly region: string;
  /** The object, as `Kind namespace/name` (empty for region-wide issues). */
  readonly object: string;
  /** Where the object is written: `30-gitea.yaml` or `components/tenant-isolation`. */
  readonly file: string;
  /** Dotted path inside the object, e.g. `spec.template.spec.containers[0].image` (empty = the object). */
  readonly path: string;
  /** The offending value (undefined when something is missing). */
  readonly value: unknown;
  /** What is wrong, phrased to follow the path and value. */
  readonly problem: string;
  readonly expected: string;
  readonly fix: string;
}

export function formatManifestIssue(issue: ManifestIssue): string {
  const parts = [`region '${issue.region}':`];
  if (issue.object !== '') parts.push(issue.file !== '' ? `${issue.object} (${issue.file})` : issue.object);
  if (issue.path !== '') parts.push(issue.path);
  const value = formatValue(issue.value);
  if (value !== '') parts.push(value);
  parts.push(`${issue.problem} (expected ${issue.expected})`);
  return `${parts.join(' ')}\n  fix: ${issue.fix}`;
}

export class SynthValidationError extends Error {
  override readonly name = 'SynthValidationError';
  readonly region: string;
  readonly issues: readonly ManifestIssue[];

  constructor(region: string, issues: readonly ManifestIssue[]) {
    const count = issues.length === 1 ? '1 issue' : `${issues.length} issues`;
    super([`region '${region}': the synthesized manifests fail validation, ${count}:`, ...issues.map(formatManifestIssue)].join('\n'));
    this.region = region;
    this.issues = issues;
  }
}
