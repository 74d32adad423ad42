/**
 * NetworkPolicy peers and ports shared by the tenant and platform policies.
 * k3s facts: Traefik runs in kube-system with `app.kubernetes.io/name: traefik`; CoreDNS in kube-system
 * with `k8s-app: kube-dns`; every namespace carries `kubernetes.io/metadata.name`.
 */
import { k8s } from 'cdk8s-plus-28';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Ranges never reachable as "the internet": RFC 1918, CGNAT, link-local (metadata service), loopback, this-network. */
export const PRIVATE_IPV4_RANGES: readonly string[] = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16'];
/** IPv6 equivalents: ULA, link-local, loopback, IPv4-mapped and NAT64 (both can reach private IPv4). */
export const PRIVATE_IPV6_RANGES: readonly string[] = ['::1/128', '::ffff:0:0/96', '64:ff9b::/96', 'fc00::/7', 'fe80::/10'];

export function namespacePeer(namespace: string): k8s.NetworkPolicyPeer {
  return { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } } };
}

export function podsInNamespace(namespace: string, podLabels: Readonly<Record<string, string>>): k8s.NetworkPolicyPeer {
  return { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } }, podSelector: { matchLabels: { ...podLabels } } };
}

/** Pods of the policy's own namespace. */
export function podsHere(podLabels: Readonly<Record<string, string>>): k8s.NetworkPolicyPeer {
  return { podSelector: { matchLabels: { ...podLabels } } };
}

export const TRAEFIK_PEER: k8s.NetworkPolicyPeer = podsInNamespace('kube-system', { 'app.kubernetes.io/name': 'traefik' });
export const KUBE_DNS_PEER: k8s.NetworkPolicyPeer = podsInNamespace('kube-system', { 'k8s-app': 'kube-dns' });

export function tcp(port: number): k8s.NetworkPolicyPort {
  return { protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) };
}

export function udp(port: number): k8s.NetworkPolicyPort {
  return { protocol: 'UDP', port: k8s.IntOrString.fromNumber(port) };
}

export const DNS_PORTS: readonly k8s.NetworkPolicyPort[] = [udp(53), tcp(53)];

/** Every public address of both families, minus the private ranges and the extra denied CIDRs. */
export function publicInternetPeers(extraDenied: readonly string[] = []): k8s.NetworkPolicyPeer[] {
  const v4Extra = extraDenied.filter((c) => !c.includes(':'));
  const v6Extra = extraDenied.filter((c) => c.includes(':'));
  return [
    { ipBlock: { cidr: '0.0.0.0/0', except: [...PRIVATE_IPV4_RANGES, ...v4Extra] } },
    { ipBlock: { cidr: '::/0', except: [...PRIVATE_IPV6_RANGES, ...v6Extra] } },
  ];
}

export function ipPeers(cidrs: readonly string[]): k8s.NetworkPolicyPeer[] {
  return cidrs.map((cidr) => ({ ipBlock: { cidr } }));
}
