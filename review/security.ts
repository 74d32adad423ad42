/**
 * Which changes are security-relevant, and the order a reviewer reads them in: RBAC, NetworkPolicy,
 * RuntimeClass, images, securityContext, Service type and ports, host exposure (hostNetwork, hostPort,
 * hostPath), LoadBalancer and Ingress exposure, placement on the tenant run pool, and reachability.
 */
import { OPT_INS_COMPONENT } from '../regions/opt-ins';
import { isRecord } from './k8s-object';
import type { FieldChange } from './field-diff';

export type SecurityTag =
  | 'opt-in'
  | 'reachability'
  | 'rbac'
  | 'network-policy'
  | 'runtime-class'
  | 'host-exposure'
  | 'service-exposure'
  | 'security-context'
  | 'image'
  | 'ingress'
  | 'scheduling';

/** Reading order: the first tags are the ones that open the most. */
export const SECURITY_TAG_ORDER: readonly SecurityTag[] = [
  'opt-in',
  'reachability',
  'rbac',
  'network-policy',
  'runtime-class',
  'host-exposure',
  'service-exposure',
  'security-context',
  'image',
  'ingress',
  'scheduling',
];

const KIND_TAGS: Readonly<Record<string, SecurityTag>> = {
  Role: 'rbac',
  ClusterRole: 'rbac',
  RoleBinding: 'rbac',
  ClusterRoleBinding: 'rbac',
  ServiceAccount: 'rbac',
  NetworkPolicy: 'network-policy',
  RuntimeClass: 'runtime-class',
  Ingress: 'ingress',
  IngressRoute: 'ingress',
  ValidatingWebhookConfiguration: 'rbac',
  MutatingWebhookConfiguration: 'rbac',
};

const SEGMENT_TAGS: Readonly<Record<string, SecurityTag>> = {
  image: 'image',
  runtimeClassName: 'runtime-class',
  hostNetwork: 'host-exposure',
  hostPID: 'host-exposure',
  hostIPC: 'host-exposure',
  hostPort: 'host-exposure',
  hostPath: 'host-exposure',
  securityContext: 'security-context',
  privileged: 'security-context',
  capabilities: 'security-context',
  allowPrivilegeEscalation: 'security-context',
  automountServiceAccountToken: 'security-context',
  serviceAccountName: 'security-context',
  serviceAccount: 'security-context',
  shareProcessNamespace: 'security-context',
  procMount: 'security-context',
  tolerations: 'scheduling',
  nodeSelector: 'scheduling',
};

/** Service fields that change what is exposed. */
const SERVICE_EXPOSURE = ['spec.type', 'spec.ports', 'spec.externalIPs', 'spec.loadBalancerIP', 'spec.loadBalancerSourceRanges', 'spec.externalTrafficPolicy', 'spec.externalName'];

export function kindTag(kind: string): SecurityTag | undefined {
  return KIND_TAGS[kind];
}

/**
 * Whether an object is the record of a region's dangerous opt-ins (regions/opt-ins.ts, the ConfigMap synth
 * writes when a region file sets `dangerousOptIns`): any change of it is a security change.
 */
export function isOptInRecord(kind: string, object: unknown): boolean {
  if (kind !== 'ConfigMap' || !isRecord(object) || !isRecord(object.metadata)) return false;
  const labels = object.metadata.labels;
  return isRecord(labels) && labels['app.kubernetes.io/component'] === OPT_INS_COMPONENT;
}

/**
 * Tags of one field change of an object of `kind` (an added or removed subtree is scanned inside); `object`
 * (either side of the change) lets object-level facts tag it, such as being the region's opt-in record.
 */
export function fieldTags(kind: string, change: FieldChange, object?: unknown): SecurityTag[] {
  const tags = new Set<SecurityTag>();
  if (object !== undefined && isOptInRecord(kind, object)) tags.add('opt-in');
  const kindTagged = KIND_TAGS[kind];
  if (kindTagged && !change.fieldPath.startsWith('metadata.annotations')) tags.add(kindTagged);
  const paths = [change.fieldPath, ...innerPaths(change.old, change.fieldPath), ...innerPaths(change.new, change.fieldPath)];
  for (const path of paths) {
    for (const segment of path.split('.')) {
      const tag = SEGMENT_TAGS[segment];
      if (tag) tags.add(tag);
    }
    if (kind === 'Service' && SERVICE_EXPOSURE.some((field) => path === field || path.startsWith(`${field}.`))) tags.add('service-exposure');
  }
  return sortTags([...tags]);
}

/** Tags of a whole object that appears or disappears. */
export function objectTags(kind: string, object: unknown): SecurityTag[] {
  return fieldTags(kind, { path: '', fieldPath: '', op: 'added', new: object }, object).filter(
    // A new Service is exposure only when it is reachable from outside the cluster.
    (tag) => tag !== 'service-exposure' || isExternalService(object),
  );
}

function isExternalService(object: unknown): boolean {
  const spec = isRecord(object) && isRecord(object.spec) ? object.spec : {};
  return spec.type === 'LoadBalancer' || spec.type === 'NodePort' || Array.isArray(spec.externalIPs);
}

export function sortTags(tags: readonly SecurityTag[]): SecurityTag[] {
  return [...tags].sort((a, b) => SECURITY_TAG_ORDER.indexOf(a) - SECURITY_TAG_ORDER.indexOf(b));
}

/** Rank for sorting: the position of the most important tag, or past the end when there is none. */
export function securityRank(tags: readonly SecurityTag[]): number {
  return tags.length === 0 ? SECURITY_TAG_ORDER.length : Math.min(...tags.map((tag) => SECURITY_TAG_ORDER.indexOf(tag)));
}

function innerPaths(value: unknown, prefix: string): string[] {
  const out: string[] = [];
  const visit = (node: unknown, path: string): void => {
    if (Array.isArray(node)) node.forEach((item) => visit(item, path));
    else if (isRecord(node)) {
      for (const [key, inner] of Object.entries(node)) {
        const next = path === '' ? key : `${path}.${key}`;
        out.push(next);
        visit(inner, next);
      }
    }
  };
  visit(value, prefix);
  return out;
}
