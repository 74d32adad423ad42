/**
 * The reachability report of one region: who may reach whom, on which ports, computed from its
 * synthesized NetworkPolicies, plus the tenant-isolation checks the design promises (tenants reach DNS
 * and the internet only; nobody but Traefik and the tenant itself reaches a tenant).
 *
 * Tenant namespaces are the ones labelled `platform/tenant: "true"`. rdev-api stamps the tenant policies
 * onto every namespace it creates; the report simulates one more such namespace (`other-tenant`) with the
 * policies of a Kustomize component found in the region (a NetworkPolicy without namespace below a
 * sub-folder, e.g. components/tenant-isolation/), or else with the first tenant namespace's policies.
 */
import type { K8sObject, SourcedObject } from '../k8s-object';
import { endpointsOf, namespacesOf, OTHER_TENANT, TENANT_LABEL, withOtherTenant, type Endpoint, type Role } from './endpoints';

/** The project namespace the report stamps the tenant component onto when the region declares none (tenant A). */
export const STAMPED_TENANT = 'tenant-a';
import { policyContext, POD_NETWORK, reachablePorts, type PolicyContext } from './evaluate';
import { hasPort, isEmpty, type PortSet, type Protocol } from './port-set';

export interface Flow {
  readonly from: string;
  readonly to: string;
  readonly fromRole: Role;
  readonly toRole: Role;
  /** Report section, e.g. `tenant -> internet`. */
  readonly category: string;
  readonly ports: PortSet;
}

export interface ReachabilityCheck {
  readonly description: string;
  readonly from: string;
  readonly to: string;
  readonly expected: 'allowed' | 'denied';
  /** For `allowed`: the port that must be open. */
  readonly port?: { readonly protocol: Protocol; readonly port: number };
  readonly actual: PortSet;
  readonly ok: boolean;
}

export interface ReachabilityReport {
  readonly region: string;
  readonly endpoints: ReadonlyArray<{ readonly id: string; readonly role: Role }>;
  /** NetworkPolicies the report was computed from (`namespace/name`; stamped ones as `other-tenant/name`). */
  readonly policies: readonly string[];
  /** Only pairs with at least one open port, in category order. */
  readonly flows: readonly Flow[];
  readonly checks: readonly ReachabilityCheck[];
}

export const CATEGORY_ORDER: readonly string[] = [
  'tenant -> other tenant',
  'tenant -> platform',
  'tenant -> private ranges and metadata',
  'tenant -> internet',
  'tenant -> same tenant',
  'builds -> tenants',
  'builds -> platform',
  'builds -> private ranges and metadata',
  'builds -> internet',
  'builds -> same namespace',
  'platform -> tenants and builds',
  'platform internal',
  'platform -> outside the cluster',
];

export interface ReachabilityOptions {
  /** The region's pod network (cluster CIDR); ipBlock peers overlapping it apply to pods. @default '10.42.0.0/16' */
  readonly podNetwork?: string;
  /**
   * Another version of the region (the other side of a diff): the destinations its egress rules name (pods outside
   * dist, single addresses) are probed here too, so a destination only one side names does not read as a flow
   * opened or closed. @default none
   */
  readonly probeNamedDestinationsOf?: readonly SourcedObject[];
}

export function reachabilityReport(region: string, objects: readonly SourcedObject[], options: ReachabilityOptions = {}): ReachabilityReport {
  const componentPolicies = objects.filter((o) => o.ref.scope !== '' && o.object.kind === 'NetworkPolicy' && !o.object.metadata?.namespace);
  const componentNamespace = objects.find((o) => o.ref.scope !== '' && o.object.kind === 'Namespace');
  let own = objects.filter((o) => o.ref.scope === '').map((o) => o.object);
  const declaredTenants = [...namespacesOf(own).roles].filter(([, role]) => role === 'tenant');
  if (declaredTenants.length === 0 && componentPolicies.length > 0) {
    // One namespace per project: tenant A is a namespace as rdev-api creates it (the component's Namespace labels
    // and policies, stamped with `namespace: <project>`), tenant B (OTHER_TENANT) another one.
    const labels = { ...((componentNamespace?.object.metadata?.labels as Record<string, string> | undefined) ?? {}), [TENANT_LABEL]: 'true' };
    own = [
      ...own,
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: STAMPED_TENANT, labels } },
      ...componentPolicies.map((o) => ({ ...o.object, metadata: { ...o.object.metadata, namespace: STAMPED_TENANT } })),
    ];
  }
  const otherPolicies = (options.probeNamedDestinationsOf ?? []).map((o) => o.object).filter((o) => o.kind === 'NetworkPolicy');
  // the other side's policies only add the namespaces their peers name (a policy's own namespace is named too, harmlessly)
  const namespaces = namespacesOf([...own, ...otherPolicies]);
  const realTenants = [...namespaces.roles].filter(([, role]) => role === 'tenant').map(([ns]) => ns);
  const policyObjects = own.filter((o) => o.kind === 'NetworkPolicy');
  const policies: K8sObject[] = [...policyObjects];
  let allNamespaces = namespaces;
  if (realTenants.length > 0 || componentPolicies.length > 0) {
    allNamespaces = withOtherTenant(namespaces);
    const stamped: readonly K8sObject[] =
      componentPolicies.length > 0
        ? componentPolicies.map((o) => o.object)
        : policyObjects.filter((o) => o.metadata?.namespace === realTenants[0]);
    policies.push(...stamped.map((o) => ({ ...o, metadata: { ...o.metadata, namespace: OTHER_TENANT } })));
  }
  const context = policyContext(policies, allNamespaces, options.podNetwork ?? POD_NETWORK);
  const endpoints = endpointsOf(own, allNamespaces, otherPolicies);
  const flows: Flow[] = [];
  for (const source of endpoints) {
    // k3s' own pods: Traefik initiates connections into the cluster (ingress); CoreDNS and Traefik's
    // own egress are not ours to review.
    if (source.kind !== 'pod' || source.outside || (source.role === 'system' && source.id !== 'kube-system/traefik')) continue;
    for (const destination of endpoints) {
      if (source.role === 'system' && destination.kind !== 'pod') continue;
      // A tenant stand-in pairs with itself: "another pod of the same tenant".
      if (destination === source && source.ports !== 'any') continue;
      // Traefik's egress is k3s's, not ours to review, toward pods outside dist as toward the internet.
      if (source.role === 'system' && destination.kind === 'pod' && destination.outside) continue;
      const ports = reachablePorts(context, source, destination);
      if (isEmpty(ports)) continue;
      flows.push({ from: source.id, to: destination.id, fromRole: source.role, toRole: destination.role, category: categoryOf(source, destination), ports });
    }
  }
  flows.sort((a, b) => CATEGORY_ORDER.indexOf(a.category) - CATEGORY_ORDER.indexOf(b.category) || a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  const checks = tenantChecks(context, endpoints, realTenants);
  return {
    region,
    endpoints: endpoints.map((e) => ({ id: e.id, role: e.role })),
    policies: policies.map((p) => `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`),
    flows,
    checks,
  };
}

function categoryOf(source: Endpoint, destination: Endpoint): string {
  const outside = (role: Role): string | undefined =>
    role === 'internet' ? 'internet' : role === 'private' || role === 'metadata' ? 'private ranges and metadata' : undefined;
  if (source.role === 'tenant' || source.role === 'builds') {
    const from = source.role;
    const away = outside(destination.role);
    if (away) return `${from} -> ${away}`;
    if (destination.kind === 'pod' && source.kind === 'pod' && destination.namespace === source.namespace) {
      return from === 'tenant' ? 'tenant -> same tenant' : 'builds -> same namespace';
    }
    if (destination.role === 'tenant') return from === 'tenant' ? 'tenant -> other tenant' : 'builds -> tenants';
    return `${from} -> platform`;
  }
  if (outside(destination.role)) return 'platform -> outside the cluster';
  if (destination.role === 'tenant' || destination.role === 'builds') return 'platform -> tenants and builds';
  return 'platform internal';
}

function tenantChecks(context: PolicyContext, endpoints: readonly Endpoint[], tenants: readonly string[]): ReachabilityCheck[] {
  const checks: ReachabilityCheck[] = [];
  const byId = new Map(endpoints.map((e) => [e.id, e]));
  const check = (description: string, from: Endpoint, to: Endpoint, expected: 'allowed' | 'denied', port?: { protocol: Protocol; port: number }): void => {
    const actual = reachablePorts(context, from, to);
    const ok = expected === 'denied' ? isEmpty(actual) : port ? hasPort(actual, port.protocol, port.port) : !isEmpty(actual);
    checks.push({ description, from: from.id, to: to.id, expected, ...(port ? { port } : {}), actual, ok });
  };
  const other = byId.get(`${OTHER_TENANT}/*`);
  const traefik = byId.get('kube-system/traefik');
  const dns = byId.get('kube-system/coredns');
  for (const ns of tenants) {
    const tenant = byId.get(`${ns}/*`);
    if (!tenant) continue;
    check('a tenant reaches its own pods', tenant, tenant, 'allowed');
    if (other) {
      check('a tenant cannot reach another tenant', tenant, other, 'denied');
      check('another tenant cannot reach this tenant', other, tenant, 'denied');
    }
    if (dns) {
      check('a tenant resolves names (DNS over UDP)', tenant, dns, 'allowed', { protocol: 'UDP', port: 53 });
      check('a tenant resolves names (DNS over TCP)', tenant, dns, 'allowed', { protocol: 'TCP', port: 53 });
    }
    if (traefik) check('Traefik reaches tenant pods (ingress)', traefik, tenant, 'allowed');
    for (const e of endpoints) {
      if (e.kind === 'pod' && e.role !== 'tenant' && e !== dns) check('a tenant cannot reach platform pods', tenant, e, 'denied');
      if (e.kind === 'address' && e.role === 'internet' && !e.cidr.includes(':')) check('a tenant reaches the internet (HTTPS)', tenant, e, 'allowed', { protocol: 'TCP', port: 443 });
      if (e.role === 'private') check('a tenant cannot reach private ranges', tenant, e, 'denied');
      if (e.role === 'metadata') check('a tenant cannot reach the metadata service', tenant, e, 'denied');
    }
  }
  return checks;
}
