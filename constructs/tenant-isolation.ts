import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { checkDnsLabel, fail } from './construct-error';
import { appLabels } from './labels';
import { DNS_PORTS, KUBE_DNS_PEER, publicInternetPeers, TRAEFIK_PEER } from './network-peers';

export interface TenantIsolationProps {
  /** Namespace to isolate; omit for the reusable Kustomize component (the kustomization sets it). */
  readonly namespace?: string;
  /** Public addresses tenants must not reach either, e.g. the region's node addresses (`203.0.113.11/32`). */
  readonly extraDeniedCidrs?: readonly string[];
  /** Version label of the policies. */
  readonly version: string;
}

/** Names of the tenant policies (a public contract: rdev-api and the analyzer look them up). */
export const TENANT_POLICY_NAMES = {
  defaultDeny: 'default-deny-all',
  sameNamespace: 'allow-same-namespace',
  fromTraefik: 'allow-ingress-from-traefik',
  dns: 'allow-egress-dns',
  internet: 'allow-egress-internet',
} as const;

/**
 * Isolation of a tenant namespace: default deny in both directions; ingress from Traefik and from the
 * namespace itself; egress to the namespace itself, to cluster DNS (UDP+TCP 53) and to the public
 * internet only (never RFC 1918, CGNAT, link-local/metadata, loopback, their IPv6 equivalents, or the
 * extra denied CIDRs). Pods of other namespaces, the platform and the Kubernetes API stay unreachable.
 */
export class TenantIsolation extends Construct {
  readonly policies: readonly k8s.KubeNetworkPolicy[];

  constructor(scope: Construct, id: string, props: TenantIsolationProps) {
    super(scope, id);
    const where = `TenantIsolation '${id}'`;
    if (props.namespace !== undefined) checkDnsLabel(where, 'namespace', props.namespace);
    for (const cidr of props.extraDeniedCidrs ?? []) {
      if (!/^[0-9a-fA-F:.]+\/[0-9]{1,3}$/.test(cidr)) {
        fail(where, 'extraDeniedCidrs', cidr, 'is not a CIDR', "e.g. '203.0.113.11/32'", 'write each address with its prefix length');
      }
    }
    const labels = appLabels({ name: 'tenant-isolation', component: 'network-policy', version: props.version });
    const meta = (name: string): k8s.ObjectMeta => ({ name, ...(props.namespace !== undefined ? { namespace: props.namespace } : {}), labels });
    const all: k8s.LabelSelector = {};

    this.policies = [
      new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
        metadata: meta(TENANT_POLICY_NAMES.defaultDeny),
        spec: { podSelector: all, policyTypes: ['Ingress', 'Egress'] },
      }),
      new k8s.KubeNetworkPolicy(this, 'SameNamespace', {
        metadata: meta(TENANT_POLICY_NAMES.sameNamespace),
        spec: {
          podSelector: all,
          policyTypes: ['Ingress', 'Egress'],
          ingress: [{ from: [{ podSelector: {} }] }],
          egress: [{ to: [{ podSelector: {} }] }],
        },
      }),
      new k8s.KubeNetworkPolicy(this, 'FromTraefik', {
        metadata: meta(TENANT_POLICY_NAMES.fromTraefik),
        spec: { podSelector: all, policyTypes: ['Ingress'], ingress: [{ from: [TRAEFIK_PEER] }] },
      }),
      new k8s.KubeNetworkPolicy(this, 'Dns', {
        metadata: meta(TENANT_POLICY_NAMES.dns),
        spec: { podSelector: all, policyTypes: ['Egress'], egress: [{ to: [KUBE_DNS_PEER], ports: [...DNS_PORTS] }] },
      }),
      new k8s.KubeNetworkPolicy(this, 'Internet', {
        metadata: meta(TENANT_POLICY_NAMES.internet),
        spec: { podSelector: all, policyTypes: ['Egress'], egress: [{ to: publicInternetPeers(props.extraDeniedCidrs ?? []) }] },
      }),
    ];
  }
}
