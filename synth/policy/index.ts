/** The NetworkPolicy analyzer: who can reach whom. See can-reach.ts for the semantics. */
export { canReach, defaultDenyPolicies, type DirectionVerdict, type Endpoint, type IpEndpoint, type NamespaceInfo, type PodEndpoint, type Reachability } from './can-reach';
export { parseNetworkPolicy, type NetworkPolicyObject, type ParsedNetworkPolicy, type PolicyPeer, type PolicyPort, type PolicyRule } from './network-policy';
export { matchesSelector, formatSelector, isEmptySelector, type LabelSelector, type Labels } from './label-selector';
export { PortSet, PROTOCOLS, type Protocol } from './port-set';
export { ipBlockRanges, intersectsAny, parseAddressRange } from './address-set';
