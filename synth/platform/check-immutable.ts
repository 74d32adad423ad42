/**
 * Fields `kubectl apply` can never change stay the same when every pinned version moves: the region is composed a
 * second time with each version bumped (regions: k3s, cert-manager, gVisor, Gitea, Zot, Woodpecker, rdev-api
 * image) and these fields are compared object by object. A difference means the next release fails to apply.
 */
import { apiGroup, describeObject, isObject, type KubeObject, type RegionManifests } from '../manifest';
import type { ManifestIssue } from '../synth-error';

const IMMUTABLE: Readonly<Record<string, readonly string[]>> = {
  'apps/StatefulSet': ['spec.selector', 'spec.serviceName', 'spec.volumeClaimTemplates', 'spec.podManagementPolicy'],
  'apps/Deployment': ['spec.selector'],
  'apps/DaemonSet': ['spec.selector'],
  'apps/ReplicaSet': ['spec.selector'],
  'batch/Job': ['spec.selector', 'spec.template', 'spec.completionMode'],
  '/Service': ['spec.clusterIP', 'spec.type'],
  '/PersistentVolumeClaim': ['spec.storageClassName', 'spec.accessModes', 'spec.selector', 'spec.volumeName'],
  'rbac.authorization.k8s.io/RoleBinding': ['roleRef'],
  'rbac.authorization.k8s.io/ClusterRoleBinding': ['roleRef'],
  'node.k8s.io/RuntimeClass': ['handler'],
};

function at(o: unknown, path: string): unknown {
  let node: unknown = o;
  for (const s of path.split('.')) node = isObject(node) ? node[s] : undefined;
  return node;
}

function stable(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (isObject(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v)) ?? 'undefined';
}

function identity(o: KubeObject): string {
  return `${apiGroup(o.apiVersion)}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** The versions a bump changes, for the message. */
export interface BumpDescription {
  readonly changed: readonly string[];
}

export function checkImmutableUnderBump(base: RegionManifests, bumped: RegionManifests, bump: BumpDescription): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const after = new Map<string, KubeObject>();
  for (const f of bumped.files) for (const o of f.objects) after.set(identity(o), o);
  for (const f of base.files) {
    for (const o of f.objects) {
      const fields = IMMUTABLE[`${apiGroup(o.apiVersion)}/${o.kind}`];
      if (!fields) continue;
      const next = after.get(identity(o));
      if (!next) continue;
      for (const field of fields) {
        const a = at(o, field);
        const b = at(next, field);
        if (stable(a) === stable(b)) continue;
        issues.push({
          region: base.region.name,
          object: describeObject(o),
          file: f.file,
          path: field,
          value: { now: a, afterBump: b },
          problem: `changes when the pinned versions move (${bump.changed.join(', ')}), but ${field} is immutable: kubectl apply -k fails on the live object at the next release`,
          expected: 'the same value for every version',
          fix: 'keep versions out of immutable fields: selector labels and volumeClaimTemplate labels without app.kubernetes.io/version (constructs/labels.ts stableLabels)',
        });
      }
    }
  }
  return issues;
}
