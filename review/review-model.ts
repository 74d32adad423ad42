/** The result of a review: what a change does to each region. Formatters render it; JSON prints it as is. */
import type { FieldChange } from './field-diff';
import type { ImmutableWarning } from './immutable-fields';
import type { K8sObject, ObjectRef } from './k8s-object';
import type { ReachabilityDelta } from './reachability/reachability-diff';
import type { SecurityTag } from './security';

export interface TaggedFieldChange extends FieldChange {
  /** Empty when the change is not security-relevant. */
  readonly security: readonly SecurityTag[];
}

export interface ObjectChange {
  readonly status: 'added' | 'removed' | 'changed' | 'renamed';
  /** The object's identity in head (in base for removed objects). */
  readonly ref: ObjectRef;
  /** For renamed objects: the identity in base. */
  readonly oldRef?: ObjectRef;
  /** For renamed objects: how alike the two are (0..1). */
  readonly similarity?: number;
  /** File in dist/<region>/ (head's, base's for removed objects). */
  readonly file: string;
  /** Field changes (changed and renamed objects), security-relevant ones first. Values redacted. */
  readonly changes: readonly TaggedFieldChange[];
  /** The whole object, redacted (added and removed objects). */
  readonly object?: K8sObject;
  readonly security: readonly SecurityTag[];
  readonly warnings: readonly ImmutableWarning[];
  readonly notes: readonly string[];
}

export interface RegionReview {
  readonly region: string;
  /** `added`/`removed`: the whole region is new or gone. */
  readonly status: 'added' | 'removed' | 'changed' | 'unchanged';
  /** Security-relevant first, then by kind and name. */
  readonly objects: readonly ObjectChange[];
  /** Absent when reachability did not change. */
  readonly reachability?: ReachabilityDelta;
  readonly counts: { readonly added: number; readonly removed: number; readonly changed: number; readonly renamed: number; readonly security: number; readonly warnings: number };
}

export interface Review {
  /** What was compared, for the header: a git ref or a directory. */
  readonly base: string;
  readonly head: string;
  readonly regions: readonly RegionReview[];
  /** Anything at all differs (the exit status is 1). */
  readonly different: boolean;
}
