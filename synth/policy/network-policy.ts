/**
 * A parsed NetworkPolicy (networking.k8s.io/v1), normalised to the parts that decide reachability:
 * which pods it selects, which directions it isolates, and its rules as peers x ports.
 *
 * Semantics (https://kubernetes.io/docs/concepts/services-networking/network-policies/):
 * - `policyTypes` defaults to [Ingress], plus Egress when the spec has an `egress` section.
 * - A rule without `from`/`to` (or with an empty list) matches every peer; without `ports`, every port.
 * - A peer with only `podSelector` means pods of the policy's own namespace; with `namespaceSelector`
 *   pods in the matching namespaces (all pods unless `podSelector` narrows it); `ipBlock` is `cidr`
 *   minus `except`.
 * - A port's protocol defaults to TCP; `port` may be a number or a container port name; `endPort`
 *   makes a range.
 */
import type { IpRange } from '../../regions/net';
import { ipBlockRanges } from './address-set';
import type { LabelSelector } from './label-selector';
import type { Protocol } from './port-set';

export type PolicyPeer =
  | { readonly type: 'pods'; readonly podSelector?: LabelSelector; readonly namespaceSelector?: LabelSelector }
  | { readonly type: 'ipBlock'; readonly cidr: string; readonly except: readonly string[]; readonly ranges: readonly IpRange[] };

export interface PolicyPort {
  readonly protocol: Protocol;
  /** Undefined = every port of the protocol. */
  readonly port?: number | string;
  readonly endPort?: number;
}

export interface PolicyRule {
  /** Undefined = every peer. */
  readonly peers?: readonly PolicyPeer[];
  /** Undefined = every port of every protocol. */
  readonly ports?: readonly PolicyPort[];
}

export interface ParsedNetworkPolicy {
  readonly namespace: string;
  readonly name: string;
  readonly podSelector: LabelSelector;
  readonly isolatesIngress: boolean;
  readonly isolatesEgress: boolean;
  readonly ingress: readonly PolicyRule[];
  readonly egress: readonly PolicyRule[];
}

/** The NetworkPolicy JSON shape this module reads (what cdk8s emits / kubectl accepts). */
export interface NetworkPolicyObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec?: {
    readonly podSelector?: LabelSelector;
    readonly policyTypes?: readonly string[];
    readonly ingress?: readonly RawRule[];
    readonly egress?: readonly RawRule[];
  };
}

interface RawPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
}

interface RawRule {
  readonly from?: readonly RawPeer[];
  readonly to?: readonly RawPeer[];
  readonly ports?: readonly { readonly protocol?: string; readonly port?: number | string; readonly endPort?: number }[];
}

function parsePeer(peer: RawPeer): PolicyPeer {
  if (peer.ipBlock) {
    const except = peer.ipBlock.except ?? [];
    return { type: 'ipBlock', cidr: peer.ipBlock.cidr, except, ranges: ipBlockRanges(peer.ipBlock.cidr, except) };
  }
  return {
    type: 'pods',
    ...(peer.podSelector ? { podSelector: peer.podSelector } : {}),
    ...(peer.namespaceSelector ? { namespaceSelector: peer.namespaceSelector } : {}),
  };
}

function parseRule(rule: RawRule, direction: 'from' | 'to'): PolicyRule {
  const peers = rule[direction];
  const ports = rule.ports;
  return {
    ...(peers && peers.length > 0 ? { peers: peers.map(parsePeer) } : {}),
    ...(ports && ports.length > 0
      ? {
          ports: ports.map((p) => ({
            protocol: (p.protocol ?? 'TCP') as Protocol,
            ...(p.port !== undefined ? { port: p.port } : {}),
            ...(p.endPort !== undefined ? { endPort: p.endPort } : {}),
          })),
        }
      : {}),
  };
}

const cache = new WeakMap<object, ParsedNetworkPolicy>();

/** Parses (and caches per object) one NetworkPolicy. Throws on an unparseable ipBlock CIDR. */
export function parseNetworkPolicy(policy: NetworkPolicyObject): ParsedNetworkPolicy {
  const hit = cache.get(policy);
  if (hit) return hit;
  const spec = policy.spec ?? {};
  const types = spec.policyTypes ?? (spec.egress !== undefined ? ['Ingress', 'Egress'] : ['Ingress']);
  const parsed: ParsedNetworkPolicy = {
    namespace: policy.metadata.namespace ?? 'default',
    name: policy.metadata.name,
    podSelector: spec.podSelector ?? {},
    isolatesIngress: types.includes('Ingress'),
    isolatesEgress: types.includes('Egress'),
    ingress: (spec.ingress ?? []).map((r) => parseRule(r, 'from')),
    egress: (spec.egress ?? []).map((r) => parseRule(r, 'to')),
  };
  cache.set(policy, parsed);
  return parsed;
}
