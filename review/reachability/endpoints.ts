/**
 * The endpoints of a region's reachability report, derived from its objects:
 * - pods of every workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod), with their
 *   labels, namespace labels and container ports; the namespace's role comes from its labels
 *   (`platform/tenant: "true"` = tenant, `platform/builds: "true"` = builds, kube-system = system,
 *   otherwise platform);
 * - one stand-in pod per tenant and builds namespace (tenant workloads are deployed later by rdev-api,
 *   pipeline pods by Woodpecker, with labels and ports nobody knows now: no labels, any port), and one
 *   more tenant namespace, `other-tenant`, carrying the same policies, so tenant-to-tenant traffic can
 *   be judged;
 * - k3s' own Traefik and CoreDNS in kube-system (their upstream labels and ports);
 * - addresses outside the cluster: the internet, the private ranges (RFC 1918, 100.64/10, IPv6 ULA) and
 *   the metadata service 169.254.169.254;
 * - what the policies name that dist does not run: every single address an egress ipBlock allows (a /32 or
 *   /128: a database server, the API server), and the pods of a namespace an egress rule selects by name when no
 *   workload of dist runs there (an in-cluster database), one stand-in per selector, never a source of flows.
 */
import { isPrivate, parseIp } from '../../regions/net';
import { isRecord, type K8sObject } from '../k8s-object';
import type { Protocol } from './port-set';

export type Role = 'tenant' | 'builds' | 'platform' | 'system' | 'internet' | 'private' | 'metadata';

export interface ContainerPort {
  readonly name?: string;
  readonly port: number;
  readonly protocol: Protocol;
}

export interface PodEndpoint {
  readonly kind: 'pod';
  /** `platform/gitea`, `projects/*` (a tenant stand-in). */
  readonly id: string;
  readonly role: Role;
  readonly namespace: string;
  readonly namespaceLabels: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  /** `any`: the pod's ports are not known (tenant stand-ins). */
  readonly ports: readonly ContainerPort[] | 'any';
  /** Pods outside dist that a policy selects (e.g. a database); only ever a destination. */
  readonly outside?: true;
}

export interface AddressEndpoint {
  readonly kind: 'address';
  /** `internet 1.1.1.1`, `metadata 169.254.169.254` ... */
  readonly id: string;
  readonly role: Role;
  /** The address (one-address CIDR). */
  readonly cidr: string;
}

export type Endpoint = PodEndpoint | AddressEndpoint;

export const TENANT_LABEL = 'platform/tenant';
export const BUILDS_LABEL = 'platform/builds';
export const OTHER_TENANT = 'other-tenant';
export const NAME_LABEL = 'kubernetes.io/metadata.name';

/** Addresses outside the cluster every report probes. */
export const EXTERNAL_ADDRESSES: ReadonlyArray<{ id: string; role: Role; ip: string }> = [
  { id: 'internet 1.1.1.1', role: 'internet', ip: '1.1.1.1' },
  { id: 'internet 2606:4700:4700::1111', role: 'internet', ip: '2606:4700:4700::1111' },
  { id: 'private 10.0.0.1 (10.0.0.0/8)', role: 'private', ip: '10.0.0.1' },
  { id: 'private 172.16.0.1 (172.16.0.0/12)', role: 'private', ip: '172.16.0.1' },
  { id: 'private 192.168.0.1 (192.168.0.0/16)', role: 'private', ip: '192.168.0.1' },
  { id: 'private 100.64.0.1 (100.64.0.0/10)', role: 'private', ip: '100.64.0.1' },
  { id: 'private fd00::1 (fc00::/7)', role: 'private', ip: 'fd00::1' },
  { id: 'metadata 169.254.169.254', role: 'metadata', ip: '169.254.169.254' },
  { id: 'metadata fd00:ec2::254', role: 'metadata', ip: 'fd00:ec2::254' },
];

/** k3s' bundled components, present on every cluster though not in dist. */
const SYSTEM_PODS: ReadonlyArray<{ name: string; labels: Record<string, string>; ports: ContainerPort[] }> = [
  {
    name: 'traefik',
    labels: { 'app.kubernetes.io/name': 'traefik', 'app.kubernetes.io/instance': 'traefik-kube-system' },
    ports: [
      { name: 'web', port: 8000, protocol: 'TCP' },
      { name: 'websecure', port: 8443, protocol: 'TCP' },
    ],
  },
  {
    name: 'coredns',
    labels: { 'k8s-app': 'kube-dns' },
    ports: [
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      { name: 'metrics', port: 9153, protocol: 'TCP' },
    ],
  },
];


export interface Namespaces {
  readonly labels: ReadonlyMap<string, Readonly<Record<string, string>>>;
  readonly roles: ReadonlyMap<string, Role>;
}

export function namespacesOf(objects: readonly K8sObject[]): Namespaces {
  const labels = new Map<string, Record<string, string>>();
  const roles = new Map<string, Role>();
  const add = (name: string, extra: Record<string, string>): void => {
    labels.set(name, { ...(labels.get(name) ?? {}), ...extra, [NAME_LABEL]: name });
    const all = labels.get(name)!;
    roles.set(name, name === 'kube-system' ? 'system' : all[TENANT_LABEL] === 'true' ? 'tenant' : all[BUILDS_LABEL] === 'true' ? 'builds' : 'platform');
  };
  add('kube-system', {});
  for (const object of objects) {
    if (object.kind === 'Namespace' && typeof object.metadata?.name === 'string') add(object.metadata.name, stringMap(object.metadata.labels));
  }
  for (const object of objects) {
    const ns = object.metadata?.namespace;
    if (typeof ns === 'string' && !labels.has(ns)) add(ns, {});
  }
  for (const peer of egressPeers(objects)) {
    const ns = namedNamespace(peer);
    if (ns !== undefined && !labels.has(ns)) add(ns, {});
  }
  return { labels, roles };
}

/** Every `to` peer of every egress rule of the NetworkPolicies among the objects. */
function egressPeers(objects: readonly K8sObject[]): Record<string, unknown>[] {
  const peers: Record<string, unknown>[] = [];
  for (const object of objects) {
    if (object.kind !== 'NetworkPolicy' || !isRecord(object.spec) || !Array.isArray(object.spec.egress)) continue;
    for (const rule of object.spec.egress) {
      if (!isRecord(rule) || !Array.isArray(rule.to)) continue;
      for (const peer of rule.to) if (isRecord(peer)) peers.push(peer);
    }
  }
  return peers;
}

/** The namespace a peer's namespaceSelector names by `kubernetes.io/metadata.name` alone, if it does. */
function namedNamespace(peer: Record<string, unknown>): string | undefined {
  const selector = isRecord(peer.namespaceSelector) ? peer.namespaceSelector : undefined;
  const match = selector && isRecord(selector.matchLabels) ? selector.matchLabels : undefined;
  if (!match || selector?.matchExpressions !== undefined || Object.keys(match).length !== 1) return undefined;
  const name = match[NAME_LABEL];
  return typeof name === 'string' ? name : undefined;
}

/** Pods outside dist and single addresses the egress rules name (see the file comment). */
function namedDestinations(objects: readonly K8sObject[], pods: readonly PodEndpoint[], nsLabels: (ns: string) => Readonly<Record<string, string>>, roleOf: (ns: string) => Role): Endpoint[] {
  const out: Endpoint[] = [];
  const ids = new Set<string>(pods.map((p) => p.id));
  const runsThere = new Set(pods.map((p) => p.namespace));
  const known = new Set(EXTERNAL_ADDRESSES.map((e) => e.ip));
  for (const peer of egressPeers(objects)) {
    const block = isRecord(peer.ipBlock) ? peer.ipBlock : undefined;
    if (block && typeof block.cidr === 'string' && !(Array.isArray(block.except) && block.except.length > 0)) {
      const [address, prefix] = block.cidr.split('/');
      const ip = address !== undefined ? parseIp(address) : undefined;
      if (ip && Number(prefix) === (ip.family === 4 ? 32 : 128) && !known.has(address!)) {
        known.add(address!);
        out.push({ kind: 'address', id: `address ${address}`, role: isPrivate(ip) ? 'private' : 'internet', cidr: address! });
      }
      continue;
    }
    const ns = namedNamespace(peer);
    if (ns === undefined || runsThere.has(ns) || ns === 'kube-system') continue;
    const selector = isRecord(peer.podSelector) && isRecord(peer.podSelector.matchLabels) ? stringMap(peer.podSelector.matchLabels) : {};
    const text = Object.entries(selector).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(',');
    const id = `${ns}/${text === '' ? '*' : `{${text}}`}`;
    if (ids.has(id)) continue;
    ids.add(id);
    out.push({ kind: 'pod', id, role: roleOf(ns), namespace: ns, namespaceLabels: nsLabels(ns), labels: selector, ports: 'any', outside: true });
  }
  return out;
}

/** Adds the simulated second tenant namespace (labels of the first tenant namespace, its own name). */
export function withOtherTenant(namespaces: Namespaces): Namespaces {
  const firstTenant = [...namespaces.roles].find(([, role]) => role === 'tenant')?.[0];
  const labels = new Map(namespaces.labels);
  const roles = new Map(namespaces.roles);
  labels.set(OTHER_TENANT, { ...(firstTenant ? namespaces.labels.get(firstTenant) : {}), [TENANT_LABEL]: 'true', [NAME_LABEL]: OTHER_TENANT });
  roles.set(OTHER_TENANT, 'tenant');
  return { labels, roles };
}

/** `alsoNamedBy`: NetworkPolicies of another version of the region whose named destinations are probed too. */
export function endpointsOf(objects: readonly K8sObject[], namespaces: Namespaces, alsoNamedBy: readonly K8sObject[] = []): Endpoint[] {
  const pods: PodEndpoint[] = [];
  const nsLabels = (ns: string): Readonly<Record<string, string>> => namespaces.labels.get(ns) ?? { [NAME_LABEL]: ns };
  const roleOf = (ns: string): Role => namespaces.roles.get(ns) ?? 'platform';
  for (const object of objects) {
    const template = podTemplate(object);
    const name = object.metadata?.name;
    if (!template || typeof name !== 'string') continue;
    const namespace = typeof object.metadata?.namespace === 'string' ? object.metadata.namespace : 'default';
    const metadata = isRecord(template.metadata) ? template.metadata : {};
    const spec = isRecord(template.spec) ? template.spec : {};
    pods.push({
      kind: 'pod',
      id: `${namespace}/${name}`,
      role: roleOf(namespace),
      namespace,
      namespaceLabels: nsLabels(namespace),
      labels: stringMap(metadata.labels),
      ports: containerPorts(spec),
    });
  }
  for (const system of SYSTEM_PODS) {
    if (pods.some((pod) => pod.namespace === 'kube-system' && pod.id === `kube-system/${system.name}`)) continue;
    pods.push({ kind: 'pod', id: `kube-system/${system.name}`, role: 'system', namespace: 'kube-system', namespaceLabels: nsLabels('kube-system'), labels: system.labels, ports: system.ports });
  }
  for (const [ns, role] of namespaces.roles) {
    if (role !== 'tenant' && role !== 'builds') continue;
    pods.push({ kind: 'pod', id: `${ns}/*`, role, namespace: ns, namespaceLabels: nsLabels(ns), labels: {}, ports: 'any' });
  }
  const endpoints: Endpoint[] = [...pods, ...namedDestinations([...objects, ...alsoNamedBy], pods, nsLabels, roleOf)];
  for (const external of EXTERNAL_ADDRESSES) endpoints.push({ kind: 'address', id: external.id, role: external.role, cidr: external.ip });
  return endpoints;
}

function podTemplate(object: K8sObject): Record<string, unknown> | undefined {
  const spec = isRecord(object.spec) ? object.spec : undefined;
  if (!spec) return undefined;
  switch (object.kind) {
    case 'Pod':
      return { metadata: object.metadata, spec };
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return isRecord(spec.template) ? spec.template : undefined;
    case 'CronJob': {
      const jobSpec = isRecord(spec.jobTemplate) && isRecord(spec.jobTemplate.spec) ? spec.jobTemplate.spec : undefined;
      return jobSpec && isRecord(jobSpec.template) ? jobSpec.template : undefined;
    }
    default:
      return undefined;
  }
}

function containerPorts(spec: Record<string, unknown>): ContainerPort[] {
  const out: ContainerPort[] = [];
  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  for (const container of containers) {
    if (!isRecord(container) || !Array.isArray(container.ports)) continue;
    for (const port of container.ports) {
      if (!isRecord(port) || typeof port.containerPort !== 'number') continue;
      const protocol = (typeof port.protocol === 'string' ? port.protocol : 'TCP') as Protocol;
      out.push({ ...(typeof port.name === 'string' ? { name: port.name } : {}), port: port.containerPort, protocol });
    }
  }
  return out;
}

function stringMap(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}
