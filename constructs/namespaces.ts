import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { checkDnsLabel, fail } from './construct-error';
import { appLabels } from './labels';
import { tolerationFor, type TaintSpec } from './placement';

/** Annotation read by the PodNodeSelector admission plugin (enabled by the k3s playbook). */
export const NODE_SELECTOR_ANNOTATION = 'scheduler.alpha.kubernetes.io/node-selector';
/** Annotations read by the PodTolerationRestriction admission plugin (enabled by the k3s playbook). */
export const DEFAULT_TOLERATIONS_ANNOTATION = 'scheduler.alpha.kubernetes.io/defaultTolerations';
export const TOLERATIONS_WHITELIST_ANNOTATION = 'scheduler.alpha.kubernetes.io/tolerationsWhitelist';
/** Label that marks a namespace as a tenant namespace (isolated, gVisor-only). */
export const TENANT_LABEL = 'platform/tenant';

export interface NamespacesProps {
  /** Namespace of the platform services (Gitea, Zot, Woodpecker, rdev-api). */
  readonly platformNamespace: string;
  /** Namespace Woodpecker's Kubernetes backend runs pipeline pods in. */
  readonly buildsNamespace: string;
  /** Node label pinning pipeline pods; omitted when the region has no build pool. */
  readonly buildsNodeSelector?: Readonly<Record<string, string>>;
  /**
   * Taints of the build pool: every pod of the builds namespace gets their tolerations (and may carry no other),
   * through PodTolerationRestriction. @default none
   */
  readonly buildsTolerateTaints?: readonly TaintSpec[];
  /** Version label (the cluster's k3s release). */
  readonly version: string;
  /** Kubernetes minor the cluster runs, e.g. `1.35`: the Pod Security Standards version enforced. */
  readonly kubernetesMinor: string;
}

/**
 * The namespaces of a region (tenant projects get one namespace each from rdev-api, see TenantNamespace):
 * - platform: Pod Security "restricted" (every platform workload runs unprivileged);
 * - builds (CI pipelines of untrusted repositories): "baseline", pinned to the build pool, its pods given the
 *   build pool's toleration and no other.
 */
export class Namespaces extends Construct {
  readonly platform: k8s.KubeNamespace;
  readonly builds: k8s.KubeNamespace;

  constructor(scope: Construct, id: string, props: NamespacesProps) {
    super(scope, id);
    const where = `Namespaces '${id}'`;
    checkDnsLabel(where, 'platformNamespace', props.platformNamespace);
    checkDnsLabel(where, 'buildsNamespace', props.buildsNamespace);
    if (!/^1\.[0-9]{1,2}$/.test(props.kubernetesMinor)) {
      fail(where, 'kubernetesMinor', props.kubernetesMinor, 'is not a Kubernetes minor', "e.g. '1.35'", 'pass kubernetesMinor(versions.k3s) from regions/versions.ts');
    }
    const names = [props.platformNamespace, props.buildsNamespace];
    if (new Set(names).size !== names.length) {
      fail(where, 'namespaces', names, 'are not distinct', 'different names for platform and builds', 'give each namespace its own name');
    }

    const labelsOf = (instance: string): Record<string, string> => appLabels({ name: 'namespace', instance, component: 'namespace', version: props.version });
    this.platform = new k8s.KubeNamespace(this, 'Platform', {
      metadata: {
        name: props.platformNamespace,
        labels: { ...labelsOf(props.platformNamespace), ...podSecurity('restricted', props.kubernetesMinor) },
      },
    });
    this.builds = new k8s.KubeNamespace(this, 'Builds', {
      metadata: {
        name: props.buildsNamespace,
        labels: { ...labelsOf(props.buildsNamespace), 'platform/builds': 'true', ...podSecurity('baseline', props.kubernetesMinor) },
        ...(buildsAnnotations(props) ? { annotations: buildsAnnotations(props) } : {}),
      },
    });
    // Pipeline pods run under the namespace's default ServiceAccount: no API token in them.
    new k8s.KubeServiceAccount(this, 'BuildsDefaultServiceAccount', {
      metadata: { name: 'default', namespace: props.buildsNamespace, labels: labelsOf(props.buildsNamespace) },
      automountServiceAccountToken: false,
    });
  }
}

function buildsAnnotations(props: NamespacesProps): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  if (props.buildsNodeSelector && Object.keys(props.buildsNodeSelector).length > 0) out[NODE_SELECTOR_ANNOTATION] = selectorText(props.buildsNodeSelector);
  if (props.buildsTolerateTaints && props.buildsTolerateTaints.length > 0) {
    const tolerations = props.buildsTolerateTaints.map(tolerationFor);
    out[DEFAULT_TOLERATIONS_ANNOTATION] = JSON.stringify(tolerations);
    // The whitelist must also cover what the API server adds to every pod before PodTolerationRestriction checks
    // it, or every pipeline pod is refused (synth/platform/schedule.ts ADMISSION_ADDED_TOLERATIONS says where).
    out[TOLERATIONS_WHITELIST_ANNOTATION] = JSON.stringify([...tolerations, ...ADMISSION_TOLERATIONS]);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Tolerations kube-apiserver's admission adds to pods (DefaultTolerationSeconds: not-ready and unreachable,
 * NoExecute; PodTolerationRestriction: memory-pressure, NoSchedule, for pods that are not BestEffort). Without
 * tolerationSeconds, so the whitelist entry covers the 300 s DefaultTolerationSeconds sets.
 */
export const ADMISSION_TOLERATIONS: readonly k8s.Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
];

export function podSecurity(level: 'restricted' | 'baseline', kubernetesMinor: string): Record<string, string> {
  return {
    'pod-security.kubernetes.io/enforce': level,
    'pod-security.kubernetes.io/enforce-version': `v${kubernetesMinor}`,
    'pod-security.kubernetes.io/warn': level,
  };
}

/** `k1=v1,k2=v2` in key order, the PodNodeSelector annotation format. */
export function selectorText(selector: Readonly<Record<string, string>>): string {
  return Object.keys(selector)
    .sort()
    .map((k) => `${k}=${selector[k]}`)
    .join(',');
}
