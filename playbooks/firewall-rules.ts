/**
 * The firewall of one host, computed from the region (pure): which sources may reach which ports, as the vars of
 * templates/nftables-platform.nft.hbs. Decisions (seed: infra README of eu-central-1):
 *   - input: default drop; established/related, loopback, ICMP/ICMPv6 and DHCP replies; SSH only from admin CIDRs;
 *     k3s ports only from the private network (and the pod network where pods must reach the node); the API (6443)
 *     also from the admin CIDRs on servers, for the operator's kubeconfig.
 *   - etcd (2379-2380) only between the servers' private addresses.
 *   - the public entrypoints of regions/k3s-cluster.ts, each only on the pool the load balancer sends it to: 80/443
 *     from the load balancer and Cloudflare on the run pool (Traefik's hostPorts), git SSH from the load balancer on
 *     the git-SSH pool (ServiceLB); checked in prerouting too, because ServiceLB/hostPort traffic is DNATed to pods
 *     and never reaches the input hook.
 *   - prerouting guard: everything addressed to the node passes the same source checks before kube-proxy (NodePort),
 *     ServiceLB and CNI hostPort DNAT, because DNATed traffic is forwarded to pods and never reaches the input hook.
 *     kube-proxy also binds NodePorts to the private network only (k3s config: nodeport-addresses).
 *   - SMTP (25, 465, 587) refused in output and forward on every node (customer workloads must not send mail).
 *   - pod traffic (forward) to the metadata service 169.254.169.254 dropped.
 */
import { formatCidr, mustParseCidr, type Cidr } from '../regions/net';
import { entrypointsOf, k3sClusterSettings } from '../regions/k3s-cluster';
import type { Region, ResolvedHost } from '../regions/types';
import { ValidationError } from './core';

export const FIREWALL_FAMILY = 'inet' as const;
export const FIREWALL_TABLE = 'platform';
export const SMTP_PORTS = [25, 465, 587] as const;
export const METADATA_ADDRESS = '169.254.169.254';

export interface AddressSets {
  readonly v4: string;
  readonly v6: string;
}

export interface FirewallVars {
  readonly region: string;
  readonly host: string;
  readonly pool: string;
  readonly table: string;
  readonly sshPort: number;
  /** k3s server: API 6443, etcd 2379-2380. */
  readonly server: boolean;
  /** run pool. */
  readonly run: boolean;
  /** Public ports this host admits from the web sources (load balancer + Cloudflare), e.g. `80, 443` ('' = none). */
  readonly webPorts: string;
  /** Public ports this host admits from the load balancer only, e.g. `2222` (git SSH). */
  readonly lbPorts: string;
  readonly lb: AddressSets;
  readonly admin: AddressSets;
  readonly private: AddressSets;
  /** Private addresses of the k3s servers: etcd peers and clients (2379-2380) only between them. */
  readonly servers: AddressSets;
  /** TCP ports the admin CIDRs may reach: SSH, and the API on servers. */
  readonly adminPorts: string;
  readonly pods: AddressSets;
  readonly web: AddressSets;
  /** `8472` (vxlan) or `51820-51821` (wireguard-native). */
  readonly overlayPorts: string;
  readonly smtpPorts: string;
  readonly metadataAddress: string;
}

/** Elements of an nft set body for one family, e.g. `10.0.0.0/16, 198.51.100.0/28` ('' when none). */
function sets(region: Region, what: string, cidrs: readonly string[]): AddressSets {
  const parsed: Cidr[] = cidrs.map((text) => {
    try {
      return mustParseCidr(text.includes('/') ? text : `${text}/${text.includes(':') ? 128 : 32}`);
    } catch {
      throw new ValidationError(`region '${region.name}': ${what} entry '${text}' is not an IP address or CIDR (expected e.g. 198.51.100.0/28)`);
    }
  });
  const uniq = (family: 4 | 6) => [...new Set(parsed.filter((c) => c.family === family).map(formatCidr))].join(', ');
  return { v4: uniq(4), v6: uniq(6) };
}

export function firewallVars(region: Region, host: ResolvedHost): FirewallVars {
  const admin = sets(region, 'network.adminCidrs', region.network.adminCidrs);
  if (!admin.v4 && !admin.v6) {
    throw new ValidationError(`region '${region.name}': network.adminCidrs is empty (expected at least one CIDR that may SSH to the hosts; an empty list would lock everyone out)`);
  }
  const settings = k3sClusterSettings(region);
  const mine = entrypointsOf(host, settings);
  return {
    region: region.name,
    host: host.name,
    pool: host.pool,
    table: FIREWALL_TABLE,
    sshPort: host.sshPort,
    server: host.pool === 'ctrl',
    run: host.pool === 'run',
    admin,
    private: sets(region, 'network.privateCidr', [region.network.privateCidr]),
    servers: sets(region, 'pools.ctrl privateIp', (region.pools.ctrl ?? []).map((h) => h.privateIp)),
    adminPorts: host.pool === 'ctrl' ? `${host.sshPort}, 6443` : `${host.sshPort}`,
    pods: sets(region, 'network.clusterCidr', [region.network.clusterCidr]),
    web: sets(region, 'network.loadBalancerIps + cloudflareCidrs', [...region.network.loadBalancerIps, ...region.network.cloudflareCidrs]),
    lb: sets(region, 'network.loadBalancerIps', region.network.loadBalancerIps),
    webPorts: mine.filter((e) => e.sources === 'web').map((e) => e.port).join(', '),
    lbPorts: mine.filter((e) => e.sources === 'load-balancer').map((e) => e.port).join(', '),
    overlayPorts: region.k3s.flannelBackend === 'vxlan' ? '8472' : '51820-51821',
    smtpPorts: SMTP_PORTS.join(', '),
    metadataAddress: METADATA_ADDRESS,
  };
}
