import { k8s } from 'cdk8s-plus-28';

/** A node taint as the region declares it (mirrors regions/types.ts `Taint`, which constructs do not import). */
export interface TaintSpec {
  readonly key: string;
  readonly value?: string;
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** Where a workload's pods may run: a node selector plus the tolerations for that pool's taints. */
export interface Placement {
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** Taints of the target nodes; each becomes a toleration. */
  readonly tolerateTaints?: readonly TaintSpec[];
}

/** The toleration that matches exactly one taint (Equal with a value, Exists without one). */
export function tolerationFor(taint: TaintSpec): k8s.Toleration {
  return taint.value === undefined
    ? { key: taint.key, operator: 'Exists', effect: taint.effect }
    : { key: taint.key, operator: 'Equal', value: taint.value, effect: taint.effect };
}

/** Pod spec fields for a placement; empty when the placement is empty. */
export function placementSpec(placement: Placement | undefined): { nodeSelector?: Record<string, string>; tolerations?: k8s.Toleration[] } {
  const out: { nodeSelector?: Record<string, string>; tolerations?: k8s.Toleration[] } = {};
  if (placement?.nodeSelector && Object.keys(placement.nodeSelector).length > 0) out.nodeSelector = { ...placement.nodeSelector };
  if (placement?.tolerateTaints && placement.tolerateTaints.length > 0) out.tolerations = placement.tolerateTaints.map(tolerationFor);
  return out;
}
