/**
 * The tenant-isolation invariants, checked with the NetworkPolicy analyzer (synth/policy/):
 * - every tenant namespace default-denies ingress and egress (a policy with `podSelector: {}`);
 * - tenants reach no private address: 10/8, 172.16/12, 192.168/16, 100.64/10, 169.254/16 (the
 *   metadata service), fc00::/7, fe80::/10 (any port, any protocol);
 * - tenants resolve names: kube-dns on UDP and TCP 53;
 * - tenants reach no pod of a platform namespace and no other tenant, and platform pods do not reach
 *   tenants (ingress only from Traefik and the same namespace).
 *
 * Tenant namespaces are the projects namespace and every Namespace labelled `platform/tenant=true`.
 * Each Kustomize component holding NetworkPolicies is what rdev-api stamps onto the namespaces it
 * creates, so it is checked too: stamped onto two probe namespaces, it must pass the same invariants
 * next to the region's own policies.
 */
import { TENANT_LABEL } from '../../constructs/namespaces';
import { parseCidr } from '../../regions/net';
import { pathOf } from '../../regions/region-error';
import { asArray, asObject, asStringMap, type KubeObject } from '../manifest';
import { canReach, defaultDenyPolicies, type Endpoint, type NamespaceInfo, type NetworkPolicyObject, type PodEndpoint } from '../policy';
import type { CheckContext, LocatedObject } from './check-context';
import { BUILT_IN_NAMESPACES } from './cluster-scoped';
import { podTemplates } from './pod-templates';

/** Ranges a tenant must never reach. */
export const FORBIDDEN_TENANT_EGRESS: readonly string[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
  'fc00::/7',
  'fe80::/10',
];

/** CoreDNS in k3s. */
export const KUBE_DNS_LABELS = { 'k8s-app': 'kube-dns' } as const;

const PROBE_NAMESPACES = ['tenant-probe-a', 'tenant-probe-b'] as const;

interface Scenario {
  /** Where issues are reported: the tenant Namespace object, or the component. */
  readonly at: LocatedObject | undefined;
  readonly label: string;
  readonly policies: readonly NetworkPolicyObject[];
  readonly namespaces: readonly NamespaceInfo[];
  readonly tenants: readonly string[];
  /** Non-tenant namespaces of the output, with the pod templates in each. */
  readonly others: readonly { namespace: string; pods: readonly PodEndpoint[] }[];
}

function policiesOf(objects: readonly LocatedObject[]): NetworkPolicyObject[] {
  return objects.filter((o) => o.object.kind === 'NetworkPolicy').map((o) => o.object as unknown as NetworkPolicyObject);
}

function checkScenario(ctx: CheckContext, s: Scenario): void {
  const cluster = ctx.region.network.clusterCidr;
  const report = (path: string, value: unknown, problem: string, expected: string, fix: string) =>
    ctx.report(s.at, { path, value, problem: `${s.label}: ${problem}`, expected, fix });
  const dns: Endpoint = { kind: 'pod', namespace: 'kube-system', labels: KUBE_DNS_LABELS, ips: cluster };

  for (const tenant of s.tenants) {
    for (const direction of ['ingress', 'egress'] as const) {
      if (defaultDenyPolicies(s.policies, tenant, direction).length === 0) {
        report(
          'NetworkPolicy',
          tenant,
          `tenant namespace has no default-deny ${direction}`,
          `a NetworkPolicy in '${tenant}' with podSelector {} and policyTypes including ${direction === 'ingress' ? 'Ingress' : 'Egress'}`,
          'add the default-deny policy of the tenant-isolation component to this namespace',
        );
      }
    }
    const pod: PodEndpoint = { kind: 'pod', namespace: tenant, labels: {}, ips: cluster };
    for (const cidr of FORBIDDEN_TENANT_EGRESS) {
      const r = canReach(s.policies, s.namespaces, pod, { kind: 'ip', cidr });
      if (r.allowed) {
        report(
          'egress',
          cidr,
          `tenant pods can reach a private range (${r.ports.toString()}): ${r.explanation}`,
          'no egress to RFC 1918, 100.64/10, 169.254/16 or private IPv6',
          `add ${cidr} to the \`except\` list of the tenant egress ipBlock (or narrow the rule that allows it)`,
        );
      }
    }
    for (const protocol of ['UDP', 'TCP'] as const) {
      const r = canReach(s.policies, s.namespaces, pod, dns, 53, protocol);
      if (!r.allowed) {
        report(
          'egress',
          `kube-system/kube-dns ${protocol} 53`,
          `tenant pods cannot resolve names: ${r.explanation}`,
          'egress to kube-dns (namespace kube-system, k8s-app=kube-dns) on UDP 53 and TCP 53',
          'add an egress rule to kube-dns pods on port 53 for both UDP and TCP',
        );
      }
    }
    const targets: { what: string; pod: PodEndpoint }[] = [
      ...s.others.flatMap((o) => [
        { what: `any pod of namespace '${o.namespace}'`, pod: { kind: 'pod', namespace: o.namespace, labels: {}, ips: cluster } as PodEndpoint },
        ...o.pods.map((p) => ({ what: `pods ${JSON.stringify(p.labels)} of namespace '${o.namespace}'`, pod: p })),
      ]),
      ...s.tenants.filter((t) => t !== tenant).map((t) => ({ what: `tenant namespace '${t}'`, pod: { kind: 'pod', namespace: t, labels: {}, ips: cluster } as PodEndpoint })),
    ];
    for (const target of targets) {
      const r = canReach(s.policies, s.namespaces, pod, target.pod);
      if (r.allowed) {
        report('egress', target.pod.namespace, `tenant pods can reach ${target.what} (${r.ports.toString()}): ${r.explanation}`, 'tenants isolated from platform namespaces and other tenants', 'remove the rule that allows this path (tenant egress allows only DNS and public addresses)');
      }
      if (!s.tenants.includes(target.pod.namespace)) {
        const back = canReach(s.policies, s.namespaces, target.pod, pod);
        if (back.allowed) {
          report('ingress', target.pod.namespace, `${target.what} can reach tenant pods (${back.ports.toString()}): ${back.explanation}`, 'tenant ingress only from Traefik (kube-system) and the same namespace', 'narrow the tenant ingress rule to the same namespace and Traefik');
        }
      }
    }
  }
}

function stamp(objects: readonly KubeObject[], namespace: string): KubeObject[] {
  return objects.map((o) => ({ ...o, metadata: { ...o.metadata, namespace } }));
}

/** Reports ipBlocks whose cidr/except is not a CIDR; the analysis needs them all parseable. */
function checkIpBlocks(ctx: CheckContext, objects: readonly LocatedObject[]): boolean {
  let ok = true;
  for (const at of objects) {
    if (at.object.kind !== 'NetworkPolicy') continue;
    const spec = asObject(at.object.spec);
    for (const [direction, peersKey] of [['ingress', 'from'], ['egress', 'to']] as const) {
      asArray(spec?.[direction]).forEach((rule, ri) =>
        asArray(asObject(rule)?.[peersKey]).forEach((peer, pi) => {
          const block = asObject(asObject(peer)?.ipBlock);
          if (!block) return;
          const texts: [string | number, unknown][] = [['cidr', block.cidr], ...asArray(block.except).map((e, ei): [string | number, unknown] => [ei, e])];
          for (const [field, text] of texts) {
            if (typeof text === 'string' && parseCidr(text)) continue;
            ok = false;
            const path = field === 'cidr' ? pathOf('spec', direction, ri, peersKey, pi, 'ipBlock', 'cidr') : pathOf('spec', direction, ri, peersKey, pi, 'ipBlock', 'except', field);
            ctx.report(at, { path, value: text, problem: 'is not a CIDR', expected: 'e.g. 0.0.0.0/0 or 10.0.0.0/8', fix: 'write the address range in CIDR notation' });
          }
        }),
      );
    }
  }
  return ok;
}

export function checkTenantIsolation(ctx: CheckContext, components: readonly { name: string; objects: readonly LocatedObject[] }[]): void {
  const allPolicies = [...ctx.objects, ...components.flatMap((c) => c.objects)];
  if (!checkIpBlocks(ctx, allPolicies)) return;
  const namespaceObjects = ctx.ofKind('Namespace');
  const namespaces: NamespaceInfo[] = [
    ...namespaceObjects.map((n) => ({ name: n.object.metadata.name, labels: asStringMap(n.object.metadata.labels) })),
    ...[...BUILT_IN_NAMESPACES].map((name) => ({ name })),
  ];
  const isTenant = (name: string) =>
    name === ctx.region.platform.projectsNamespace ||
    namespaceObjects.some((n) => n.object.metadata.name === name && asStringMap(n.object.metadata.labels)[TENANT_LABEL] === 'true');
  const tenants = namespaceObjects.map((n) => n.object.metadata.name).filter(isTenant);
  const templates = podTemplates(ctx.objects);
  const others = namespaceObjects
    .map((n) => n.object.metadata.name)
    .filter((n) => !isTenant(n))
    .map((namespace) => ({
      namespace,
      pods: templates
        .filter((t) => t.namespace === namespace)
        .map((t): PodEndpoint => ({ kind: 'pod', namespace, labels: t.labels, ips: ctx.region.network.clusterCidr })),
    }));
  const policies = policiesOf(ctx.objects);

  for (const tenant of tenants) {
    checkScenario(ctx, {
      at: ctx.find('Namespace', undefined, tenant),
      label: `tenant namespace '${tenant}'`,
      policies,
      namespaces,
      tenants: [tenant],
      others,
    });
  }
  if (tenants.length > 1) {
    checkScenario(ctx, { at: undefined, label: `tenants ${tenants.join(', ')}`, policies, namespaces, tenants, others });
  }

  for (const component of components) {
    const own = policiesOf(component.objects);
    if (own.length === 0) continue;
    const stamped = PROBE_NAMESPACES.flatMap((ns) => stamp(component.objects.map((o) => o.object), ns));
    checkScenario(ctx, {
      at: component.objects[0],
      label: `component '${component.name}' stamped onto probe namespaces ${PROBE_NAMESPACES.join(', ')}`,
      policies: [...policies, ...policiesOf(stamped.map((object) => ({ object, file: `components/${component.name}` })))],
      namespaces: [...namespaces, ...PROBE_NAMESPACES.map((name) => ({ name, labels: { [TENANT_LABEL]: 'true' } }))],
      tenants: PROBE_NAMESPACES,
      others,
    });
  }
}
