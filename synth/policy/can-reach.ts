/**
 * Who can reach whom under a set of NetworkPolicies: a small model of the Kubernetes semantics,
 * used by the synth gate (tenant isolation) and reusable for a reachability report.
 *
 *   const r = canReach(policies, namespaces,
 *     { kind: 'pod', namespace: 'projects', labels: {} },
 *     { kind: 'ip', cidr: '10.0.0.0/8' });                 // any port, any protocol
 *   r.allowed      // false
 *   r.explanation  // "egress from projects {} is isolated by projects/default-deny; ..."
 *
 * Traffic from A to B is allowed when A may send it (egress) and B may receive it (ingress). A pod is
 * isolated in a direction when some policy of its namespace selects it and lists that policyType;
 * an isolated pod allows only what the union of those policies' rules allows. Endpoints outside the
 * cluster (`kind: 'ip'`) have no policies: only the pod side is checked.
 *
 * Questions are existential: an undefined port or protocol means "some port / some protocol", and an
 * `ip` endpoint with a CIDR means "some address in it". So `canReach(..., tenant, {ip 10/8})` is true
 * as soon as any port of any 10/8 address is open, which is what an isolation invariant wants. Pod
 * addresses (`ips`) make ipBlock peers apply to pods too (give the cluster's pod CIDR to ask the worst
 * case); without them ipBlocks never match pods, as on most CNIs for in-cluster traffic.
 */
import { isEmptySelector, matchesSelector, formatSelector, type Labels } from './label-selector';
import { intersectsAny, parseAddressRange } from './address-set';
import { parseNetworkPolicy, type NetworkPolicyObject, type ParsedNetworkPolicy, type PolicyPeer, type PolicyPort, type PolicyRule } from './network-policy';
import { PortSet, type Protocol } from './port-set';

/** A namespace and its labels; `kubernetes.io/metadata.name` is added automatically, as the API server does. */
export interface NamespaceInfo {
  readonly name: string;
  readonly labels?: Labels;
}

export interface PodEndpoint {
  readonly kind: 'pod';
  readonly namespace: string;
  /** The pod's labels. @default {} */
  readonly labels?: Labels;
  /** The pod's address or the CIDR it may have (e.g. the cluster CIDR), for ipBlock peers. @default none */
  readonly ips?: string;
  /** Container port names -> numbers, to resolve named ports in policies that protect this pod. @default {} */
  readonly namedPorts?: Readonly<Record<string, number>>;
}

export interface IpEndpoint {
  readonly kind: 'ip';
  /** An address or a CIDR ("some address in it"). */
  readonly cidr: string;
}

export type Endpoint = PodEndpoint | IpEndpoint;

export interface DirectionVerdict {
  /** Whether some policy selects the pod for this direction (false for ip endpoints). */
  readonly isolated: boolean;
  /** `namespace/name` of the policies that isolate the pod in this direction. */
  readonly isolatedBy: readonly string[];
  /** `namespace/name` of the policies whose rules allow this traffic. */
  readonly allowedBy: readonly string[];
  /** The ports this direction allows towards / from the peer. */
  readonly ports: PortSet;
}

export interface Reachability {
  readonly allowed: boolean;
  /** The ports open end to end, restricted to the question's port/protocol. */
  readonly ports: PortSet;
  readonly egress: DirectionVerdict;
  readonly ingress: DirectionVerdict;
  /** One sentence per direction, for messages and reports. */
  readonly explanation: string;
}

const NAME_LABEL = 'kubernetes.io/metadata.name';

function namespaceLabels(namespaces: readonly NamespaceInfo[], name: string): Labels {
  const ns = namespaces.find((n) => n.name === name);
  return { ...(ns?.labels ?? {}), [NAME_LABEL]: name };
}

function describe(e: Endpoint): string {
  return e.kind === 'ip' ? e.cidr : `${e.namespace} ${formatSelector({ matchLabels: e.labels ?? {} })}`;
}

function peerMatches(peer: PolicyPeer, policy: ParsedNetworkPolicy, other: Endpoint, namespaces: readonly NamespaceInfo[]): boolean {
  if (peer.type === 'ipBlock') {
    const ips = other.kind === 'ip' ? other.cidr : other.ips;
    return ips !== undefined && intersectsAny(peer.ranges, parseAddressRange(ips));
  }
  if (other.kind !== 'pod') return false;
  if (peer.namespaceSelector) {
    if (!matchesSelector(peer.namespaceSelector, namespaceLabels(namespaces, other.namespace))) return false;
  } else if (other.namespace !== policy.namespace) {
    return false;
  }
  return peer.podSelector ? matchesSelector(peer.podSelector, other.labels ?? {}) : true;
}

function portsOf(ports: readonly PolicyPort[] | undefined, destination: Endpoint): PortSet {
  if (!ports) return PortSet.all;
  let set = PortSet.none;
  for (const p of ports) {
    if (p.port === undefined) {
      set = set.union(PortSet.of(p.protocol, 1, 65535));
    } else if (typeof p.port === 'number') {
      set = set.union(PortSet.of(p.protocol, p.port, p.endPort ?? p.port));
    } else {
      // A named port resolves against the destination pod's container ports; nothing else has names.
      const n = destination.kind === 'pod' ? destination.namedPorts?.[p.port] : undefined;
      if (n !== undefined) set = set.union(PortSet.of(p.protocol, n));
    }
  }
  return set;
}

function verdict(
  policies: readonly ParsedNetworkPolicy[],
  namespaces: readonly NamespaceInfo[],
  subject: Endpoint,
  peer: Endpoint,
  destination: Endpoint,
  direction: 'ingress' | 'egress',
): DirectionVerdict {
  if (subject.kind !== 'pod') return { isolated: false, isolatedBy: [], allowedBy: [], ports: PortSet.all };
  const selecting = policies.filter(
    (p) =>
      p.namespace === subject.namespace &&
      (direction === 'ingress' ? p.isolatesIngress : p.isolatesEgress) &&
      matchesSelector(p.podSelector, subject.labels ?? {}),
  );
  if (selecting.length === 0) return { isolated: false, isolatedBy: [], allowedBy: [], ports: PortSet.all };
  let ports = PortSet.none;
  const allowedBy: string[] = [];
  for (const p of selecting) {
    const rules: readonly PolicyRule[] = direction === 'ingress' ? p.ingress : p.egress;
    let fromThis = PortSet.none;
    for (const rule of rules) {
      if (rule.peers && !rule.peers.some((peerRule) => peerMatches(peerRule, p, peer, namespaces))) continue;
      fromThis = fromThis.union(portsOf(rule.ports, destination));
    }
    if (!fromThis.isEmpty()) allowedBy.push(`${p.namespace}/${p.name}`);
    ports = ports.union(fromThis);
  }
  return { isolated: true, isolatedBy: selecting.map((p) => `${p.namespace}/${p.name}`), allowedBy, ports };
}

function sentence(direction: 'egress from' | 'ingress to', who: Endpoint, v: DirectionVerdict): string {
  if (who.kind === 'ip') return `${direction} ${describe(who)}: outside the cluster, no policy applies`;
  if (!v.isolated) return `${direction} ${describe(who)}: not isolated (no policy selects it), all allowed`;
  const by = v.allowedBy.length > 0 ? `allowed by ${v.allowedBy.join(', ')}` : 'no rule allows it';
  return `${direction} ${describe(who)}: isolated by ${v.isolatedBy.join(', ')}; ${by} (${v.ports.toString()})`;
}

/**
 * Whether `from` can open a connection to `to` on `port`/`protocol` (undefined = some port / some
 * protocol) under `policies` (NetworkPolicy objects as JSON; other kinds are ignored).
 * `namespaces` supplies namespace labels for namespaceSelectors.
 */
export function canReach(
  policies: readonly NetworkPolicyObject[],
  namespaces: readonly NamespaceInfo[],
  from: Endpoint,
  to: Endpoint,
  port?: number,
  protocol?: Protocol,
): Reachability {
  const parsed = policies.filter((p) => p.kind === undefined || p.kind === 'NetworkPolicy').map(parseNetworkPolicy);
  const egress = verdict(parsed, namespaces, from, to, to, 'egress');
  const ingress = verdict(parsed, namespaces, to, from, to, 'ingress');
  const ports = egress.ports.intersect(ingress.ports).restrict(port, protocol);
  return {
    allowed: !ports.isEmpty(),
    ports,
    egress,
    ingress,
    explanation: `${sentence('egress from', from, egress)}; ${sentence('ingress to', to, ingress)}`,
  };
}

/**
 * Whether the namespace's pods are all isolated in a direction: some policy of the namespace selects
 * every pod (`podSelector: {}`) and lists that policyType. Returns the names of such policies.
 */
export function defaultDenyPolicies(
  policies: readonly NetworkPolicyObject[],
  namespace: string,
  direction: 'ingress' | 'egress',
): string[] {
  return policies
    .filter((p) => p.kind === undefined || p.kind === 'NetworkPolicy')
    .map(parseNetworkPolicy)
    .filter((p) => p.namespace === namespace && isEmptySelector(p.podSelector) && (direction === 'ingress' ? p.isolatesIngress : p.isolatesEgress))
    .map((p) => `${p.namespace}/${p.name}`);
}
