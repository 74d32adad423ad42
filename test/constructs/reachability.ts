/**
 * A small NetworkPolicy evaluator for the tests: is a connection from one endpoint to another on a
 * port allowed by the policies? Standard semantics: a pod selected by no policy of a direction is open
 * in that direction; otherwise some rule of a selecting policy must match peer and port. ipBlock peers
 * match external addresses only (pods are matched by selectors).
 */
import { contains, mustParseCidr, mustParseIp } from '../../regions/net';
import type { K8sObject } from './fixture';

export interface Endpoint {
  /** Pod endpoints: namespace and labels. */
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** External endpoints: an address. */
  readonly ip?: string;
}

export const pod = (namespace: string, labels: Readonly<Record<string, string>> = {}): Endpoint => ({ namespace, labels });
export const ip = (address: string): Endpoint => ({ ip: address });

function selects(selector: K8sObject | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return true;
  const want: Record<string, string> = selector.matchLabels ?? {};
  if (selector.matchExpressions) throw new Error('matchExpressions are not supported by the test evaluator');
  return Object.entries(want).every(([k, v]) => labels[k] === v);
}

function peerMatches(peer: K8sObject, policyNamespace: string, other: Endpoint): boolean {
  if (peer.ipBlock) {
    if (other.ip === undefined) return false;
    const address = mustParseIp(other.ip);
    if (!contains(mustParseCidr(peer.ipBlock.cidr), address)) return false;
    return !(peer.ipBlock.except ?? []).some((c: string) => contains(mustParseCidr(c), address));
  }
  if (other.namespace === undefined) return false;
  if (peer.namespaceSelector) {
    const nsLabels = { 'kubernetes.io/metadata.name': other.namespace };
    if (!selects(peer.namespaceSelector, nsLabels)) return false;
  } else if (other.namespace !== policyNamespace) {
    return false;
  }
  return selects(peer.podSelector, other.labels ?? {});
}

function portMatches(ports: K8sObject[] | undefined, port: number, protocol: string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => (p.protocol ?? 'TCP') === protocol && (p.port === undefined || p.port === port));
}

function directionAllows(policies: readonly K8sObject[], self: Endpoint, other: Endpoint, port: number, protocol: string, direction: 'Ingress' | 'Egress'): boolean {
  if (self.namespace === undefined) return true; // external side: no policy applies
  const selecting = policies.filter(
    (p) => p.metadata.namespace === self.namespace && (p.spec.policyTypes ?? ['Ingress']).includes(direction) && selects(p.spec.podSelector, self.labels ?? {}),
  );
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    ((direction === 'Ingress' ? p.spec.ingress : p.spec.egress) ?? []).some((rule: K8sObject) => {
      const peers: K8sObject[] | undefined = direction === 'Ingress' ? rule.from : rule.to;
      const peerOk = !peers || peers.length === 0 || peers.some((peer) => peerMatches(peer, p.metadata.namespace, other));
      return peerOk && portMatches(rule.ports, port, protocol);
    }),
  );
}

/** Whether `from` may open a connection to `to` on `port`/`protocol` under the NetworkPolicies. */
export function allowed(objects: readonly K8sObject[], from: Endpoint, to: Endpoint, port: number, protocol: 'TCP' | 'UDP' = 'TCP'): boolean {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  return directionAllows(policies, from, to, port, protocol, 'Egress') && directionAllows(policies, to, from, port, protocol, 'Ingress');
}
