/**
 * The plain data the review works on: Kubernetes objects parsed from a synthesized dist tree,
 * and the identity that matches an object across two trees (group, kind, namespace, name).
 * The apiVersion's version is not part of the identity, so `batch/v1beta1` -> `batch/v1` is a field change.
 */

/** A parsed manifest document. Only apiVersion and kind are required to be strings. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

export interface ObjectRef {
  /** API group, '' for the core group (`v1`). */
  readonly group: string;
  readonly kind: string;
  /** '' for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
  /**
   * Folder inside the region's dist dir the object was read from ('' for the top level, e.g.
   * `components/tenant-isolation`). Objects of a Kustomize component are templates stamped onto other
   * namespaces, so they are kept apart from the region's own objects.
   */
  readonly scope: string;
}

/** The object as read from dist, with where it came from. */
export interface SourcedObject {
  readonly ref: ObjectRef;
  readonly object: K8sObject;
  /** File, relative to the region's dist dir. */
  readonly file: string;
}

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The identity key: equal keys are the same object in base and head. */
export function refKey(ref: ObjectRef): string {
  return `${ref.scope}|${ref.group}|${ref.kind}|${ref.namespace}|${ref.name}`;
}

/** `Deployment platform/gitea`, `ClusterRole woodpecker-agent`, `[components/x] NetworkPolicy deny-all`. */
export function displayRef(ref: ObjectRef): string {
  const where = ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
  const scope = ref.scope ? `[${ref.scope}] ` : '';
  return `${scope}${ref.kind} ${where}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
