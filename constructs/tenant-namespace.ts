import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { checkDnsLabel, fail } from './construct-error';
import { appLabels } from './labels';
import { NODE_SELECTOR_ANNOTATION, podSecurity, selectorText, TENANT_LABEL } from './namespaces';

/** Name of the Namespace object in the tenant component; kustomize's `namespace:` renames it to the project's. */
export const TENANT_NAMESPACE_PLACEHOLDER = 'tenant';

export interface TenantNamespaceProps {
  /** Node label pinning tenant pods, e.g. `{ 'node.platform/pool': 'run' }`. */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** ClusterRole rdev-api holds inside each project namespace (bound here). */
  readonly orchestratorClusterRole: string;
  /** rdev-api's ServiceAccount. */
  readonly orchestratorServiceAccount: { readonly name: string; readonly namespace: string };
  /** Version label. */
  readonly version: string;
  /** Kubernetes minor the cluster runs, e.g. `1.35` (Pod Security enforce-version). */
  readonly kubernetesMinor: string;
}

/**
 * What every project namespace is, as part of the tenant Kustomize component (rdev-api builds
 * `namespace: <prefix>-<user>-<project>` + `components: [tenant-isolation]` and applies it): the Namespace itself
 * (kustomize's namespace transformer renames the placeholder) labelled as a tenant, Pod Security "baseline"
 * (tenant images may run as root; gVisor is the boundary), pinned to the run pool by the PodNodeSelector
 * annotation, so a pod without the gVisor RuntimeClass (the only thing tolerating the run pool's taint) stays
 * Pending instead of running unsandboxed; a default ServiceAccount without an API token; and rdev-api's
 * RoleBinding to its per-project ClusterRole, so rdev-api holds rights in project namespaces only.
 * One namespace per project means "the same namespace" never spans two customers.
 */
export class TenantNamespace extends Construct {
  constructor(scope: Construct, id: string, props: TenantNamespaceProps) {
    super(scope, id);
    const where = `TenantNamespace '${id}'`;
    if (Object.keys(props.nodeSelector).length === 0) {
      fail(where, 'nodeSelector', props.nodeSelector, 'is empty', "the run pool's label, e.g. { 'node.platform/pool': 'run' }", 'pass the run pool label so tenant pods are pinned to gVisor nodes');
    }
    checkDnsLabel(where, 'orchestratorServiceAccount.namespace', props.orchestratorServiceAccount.namespace);
    const labels = appLabels({ name: 'namespace', instance: 'tenant', component: 'namespace', version: props.version });
    new k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name: TENANT_NAMESPACE_PLACEHOLDER,
        labels: { ...labels, [TENANT_LABEL]: 'true', ...podSecurity('baseline', props.kubernetesMinor) },
        annotations: { [NODE_SELECTOR_ANNOTATION]: selectorText(props.nodeSelector) },
      },
    });
    new k8s.KubeServiceAccount(this, 'DefaultServiceAccount', {
      metadata: { name: 'default', labels },
      automountServiceAccountToken: false,
    });
    new k8s.KubeRoleBinding(this, 'OrchestratorBinding', {
      metadata: { name: props.orchestratorServiceAccount.name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: props.orchestratorClusterRole },
      subjects: [{ kind: 'ServiceAccount', name: props.orchestratorServiceAccount.name, namespace: props.orchestratorServiceAccount.namespace }],
    });
  }
}
