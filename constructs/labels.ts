/**
 * The recommended `app.kubernetes.io/*` labels every object carries, and the stable subset used in
 * selectors. Selectors never contain the version: a Deployment's or StatefulSet's selector is
 * immutable, so a version bump must not change it.
 */
export const PART_OF = 'rdev-platform';
export const MANAGED_BY = 'region-bootstrapper';

export interface AppIdentity {
  /** `app.kubernetes.io/name`, e.g. `gitea`. */
  readonly name: string;
  /** `app.kubernetes.io/instance`, e.g. `gitea` or `woodpecker-agent`. @default name */
  readonly instance?: string;
  /** `app.kubernetes.io/component`, e.g. `server`, `agent`, `git`. */
  readonly component: string;
  /** `app.kubernetes.io/version`, the pinned version. */
  readonly version: string;
}

/** Labels that select the pods of one workload (name + instance). */
export function selectorLabels(id: AppIdentity): Record<string, string> {
  return {
    'app.kubernetes.io/name': id.name,
    'app.kubernetes.io/instance': id.instance ?? id.name,
  };
}

/** Every recommended label: selector labels + component, part-of, version, managed-by. */
export function appLabels(id: AppIdentity): Record<string, string> {
  return {
    ...selectorLabels(id),
    'app.kubernetes.io/component': id.component,
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/version': labelValue(id.version),
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

/** Label values allow [A-Za-z0-9-_.] only; `v1.2.3+k3s1` becomes `v1.2.3_k3s1`. */
function labelValue(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 63);
}

/**
 * The labels of parts of a spec that `kubectl apply` may never change (StatefulSet volumeClaimTemplates): every
 * recommended label except the version, so a version bump leaves them as they were.
 */
export function stableLabels(id: AppIdentity): Record<string, string> {
  const { 'app.kubernetes.io/version': _version, ...rest } = appLabels(id);
  return rest;
}
