/**
 * Fields Kubernetes will not change in place: `kubectl apply` is rejected (or, for a claim, the change
 * means new storage). The diff warns on each with the fix, so a reviewer knows the change needs a
 * delete-and-recreate step before it merges.
 */
import type { FieldChange } from './field-diff';
import { isRecord, type K8sObject, type ObjectRef } from './k8s-object';

interface ImmutableRule {
  readonly group: string;
  readonly kind: string;
  readonly fields: readonly string[];
  readonly fix: string;
  /** The rule applies only when this holds for the base object. */
  readonly when?: (base: K8sObject) => boolean;
}

const RECREATE_ORPHAN = (kind: string): string =>
  `delete it with \`kubectl delete ${kind.toLowerCase()} <name> --cascade=orphan\` (its pods keep running) right before applying`;

const RULES: readonly ImmutableRule[] = [
  {
    group: 'apps',
    kind: 'StatefulSet',
    fields: ['spec.selector', 'spec.volumeClaimTemplates', 'spec.serviceName', 'spec.podManagementPolicy'],
    fix: `${RECREATE_ORPHAN('StatefulSet')}; existing PVCs are not resized or re-created by a template change`,
  },
  { group: 'apps', kind: 'Deployment', fields: ['spec.selector'], fix: RECREATE_ORPHAN('Deployment') },
  { group: 'apps', kind: 'DaemonSet', fields: ['spec.selector'], fix: RECREATE_ORPHAN('DaemonSet') },
  { group: 'apps', kind: 'ReplicaSet', fields: ['spec.selector'], fix: RECREATE_ORPHAN('ReplicaSet') },
  {
    group: 'batch',
    kind: 'Job',
    fields: ['spec.selector', 'spec.template', 'spec.completionMode'],
    fix: 'delete the Job (`kubectl delete job <name>`) before applying, or give the new Job another name',
  },
  { group: '', kind: 'Service', fields: ['spec.clusterIP', 'spec.clusterIPs'], fix: 'delete and re-create the Service (its address changes)' },
  {
    group: '',
    kind: 'PersistentVolumeClaim',
    fields: ['spec.storageClassName', 'spec.accessModes', 'spec.selector', 'spec.volumeName', 'spec.volumeMode', 'spec.dataSource', 'spec.dataSourceRef'],
    fix: 'a different claim is new, empty storage: migrate the data, delete the claim, then apply',
  },
  {
    group: 'rbac.authorization.k8s.io',
    kind: 'RoleBinding',
    fields: ['roleRef'],
    fix: 'delete the binding before applying (`kubectl delete rolebinding <name>`)',
  },
  {
    group: 'rbac.authorization.k8s.io',
    kind: 'ClusterRoleBinding',
    fields: ['roleRef'],
    fix: 'delete the binding before applying (`kubectl delete clusterrolebinding <name>`)',
  },
  { group: 'node.k8s.io', kind: 'RuntimeClass', fields: ['handler'], fix: 'delete the RuntimeClass and re-create it (pods using it keep their sandbox until restarted)' },
  {
    group: 'storage.k8s.io',
    kind: 'StorageClass',
    fields: ['provisioner', 'parameters', 'reclaimPolicy', 'volumeBindingMode'],
    fix: 'create a StorageClass with a new name instead; existing volumes keep the old settings',
  },
  {
    group: '',
    kind: 'Secret',
    fields: ['data', 'stringData', 'type'],
    fix: 'the Secret is immutable: delete it and apply again, or create one with a new name',
    when: (base) => base.immutable === true,
  },
  {
    group: '',
    kind: 'ConfigMap',
    fields: ['data', 'binaryData'],
    fix: 'the ConfigMap is immutable: delete it and apply again, or create one with a new name',
    when: (base) => base.immutable === true,
  },
];

export interface ImmutableWarning {
  readonly field: string;
  readonly message: string;
  readonly fix: string;
}

export function immutableWarnings(ref: ObjectRef, base: K8sObject, changes: readonly FieldChange[]): ImmutableWarning[] {
  const warnings: ImmutableWarning[] = [];
  const seen = new Set<string>();
  for (const rule of RULES) {
    if (rule.group !== ref.group || rule.kind !== ref.kind || (rule.when && !rule.when(base))) continue;
    for (const field of rule.fields) {
      if (seen.has(field)) continue;
      if (changes.some((change) => change.fieldPath === field || change.fieldPath.startsWith(`${field}.`))) {
        seen.add(field);
        warnings.push({ field, message: `${ref.kind} ${field} cannot be changed in place: kubectl apply will be rejected`, fix: rule.fix });
      }
    }
  }
  if (ref.group === '' && ref.kind === 'PersistentVolumeClaim') {
    const shrink = storageShrink(base, changes);
    if (shrink) warnings.push(shrink);
  }
  return warnings;
}

function storageShrink(base: K8sObject, changes: readonly FieldChange[]): ImmutableWarning | undefined {
  const change = changes.find((c) => c.fieldPath === 'spec.resources.requests.storage' && c.op === 'changed');
  if (!change || !isRecord(base.spec)) return undefined;
  const before = quantityBytes(change.old);
  const after = quantityBytes(change.new);
  if (before === undefined || after === undefined || after >= before) return undefined;
  return {
    field: 'spec.resources.requests.storage',
    message: `PersistentVolumeClaim spec.resources.requests.storage shrinks (${String(change.old)} -> ${String(change.new)}): volumes cannot shrink, kubectl apply will be rejected`,
    fix: 'keep the size, or migrate the data to a new, smaller claim',
  };
}

const UNITS: Readonly<Record<string, number>> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 };

export function quantityBytes(value: unknown): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$/.exec(String(value));
  if (!match) return undefined;
  return Number(match[1]) * UNITS[match[2] ?? '']!;
}
