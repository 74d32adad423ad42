/**
 * Adapter onto the synth's NetworkPolicy analyzer (synth/policy, `canReach`), so the report and the
 * synth's isolation gate share one reading of the semantics. Pods are asked the worst case: their
 * address may be anywhere in the pod network, so ipBlock peers that overlap it apply to them.
 */
import { canReach, type Endpoint as PolicyEndpoint, type NamespaceInfo, type NetworkPolicyObject, type PortSet as PolicyPortSet } from '../../synth/policy';
import type { K8sObject } from '../k8s-object';
import type { Endpoint, Namespaces } from './endpoints';
import { intersect, portSet, type PortSet } from './port-set';

/** k3s' default cluster CIDR: where pod addresses come from. */
export const POD_NETWORK = '10.42.0.0/16';

export interface PolicyContext {
  readonly policies: readonly NetworkPolicyObject[];
  readonly namespaces: readonly NamespaceInfo[];
  readonly podNetwork: string;
}

export function policyContext(policies: readonly K8sObject[], namespaces: Namespaces, podNetwork = POD_NETWORK): PolicyContext {
  return {
    policies: policies as unknown as NetworkPolicyObject[],
    namespaces: [...namespaces.labels].map(([name, labels]) => ({ name, labels })),
    podNetwork,
  };
}

function toPolicyEndpoint(endpoint: Endpoint, podNetwork: string): PolicyEndpoint {
  if (endpoint.kind === 'address') return { kind: 'ip', cidr: endpoint.cidr };
  const namedPorts = endpoint.ports === 'any' ? {} : Object.fromEntries(endpoint.ports.filter((p) => p.name).map((p) => [p.name!, p.port]));
  return { kind: 'pod', namespace: endpoint.namespace, labels: endpoint.labels, ips: podNetwork, namedPorts };
}

/** The ports `source` may open on `destination`, restricted to the destination pod's ports when known. */
export function reachablePorts(context: PolicyContext, source: Endpoint, destination: Endpoint): PortSet {
  const result = canReach(context.policies, context.namespaces, toPolicyEndpoint(source, context.podNetwork), toPolicyEndpoint(destination, context.podNetwork));
  const ports = fromPolicyPortSet(result.ports);
  if (destination.kind === 'pod' && destination.ports !== 'any') {
    return intersect(ports, portSet(destination.ports.map((p) => ({ protocol: p.protocol, from: p.port }))));
  }
  return ports;
}

/** synth/policy's PortSet as this module's port set (same protocol/from/to ranges). */
export function fromPolicyPortSet(set: PolicyPortSet): PortSet {
  return portSet(set.toRanges());
}
