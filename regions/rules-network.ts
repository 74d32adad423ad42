/**
 * Region rules for what the network stack downstream refuses or silently breaks: addresses no host can
 * have, allow-lists that open the world or the cluster, ranges k3s or kube-apiserver refuse or starve,
 * and ports that collide with what k3s, etcd, flannel, the kubelet or the web entrypoints listen on.
 * The numbers come from regions/upstream.ts, where each one names the upstream file it was read from.
 */
import type { OptInName } from './opt-ins';
import {
  cidrHost,
  cidrSize,
  contains,
  formatCidr,
  formatIp,
  mustParseCidr,
  overlaps,
  parseCidr,
  parseIp,
  specialRange,
  type Cidr,
  type IpAddress,
} from './net';
import { pathOf } from './region-error';
import { arr, int, rec, str, type IssueSink, type Rec, type Segment } from './rule-kit';
import { POOL_NAMES, type PoolName } from './types';
import { DEFAULT_VERSIONS } from './versions';
import {
  CLUSTER_DNS_INDEX,
  DOCKER_DEFAULT_BRIDGE,
  K3S_PORTS,
  kubernetesMinorOf,
  NODE_CIDR_MASK_IPV4,
  NODE_PORT_RANGE,
  SERVICE_CIDR_CAP_LAST_MINOR,
  SERVICE_CIDR_MIN_PREFIX_IPV4,
  WEB_PORTS,
  type ReservedPort,
} from './upstream';

/** Opt-ins the rules found a use for; rules-opt-ins reports the rest as unused. */
export type OptInUse = Set<OptInName>;

function cidrOf(x: unknown): Cidr | undefined {
  if (typeof x !== 'string') return undefined;
  const c = parseCidr(x);
  return c && !c.hostBitsSet ? c : undefined;
}

function v4CidrOf(x: unknown): Cidr | undefined {
  const c = cidrOf(x);
  return c?.family === 4 ? c : undefined;
}

interface RegionNets {
  readonly private?: Cidr;
  readonly vswitch?: Cidr;
  readonly cluster?: Cidr;
  readonly service?: Cidr;
}

function netsOf(def: Rec): RegionNets {
  const network = rec(def.network);
  const nets: { -readonly [K in keyof RegionNets]: Cidr } = {};
  const p = v4CidrOf(network?.privateCidr);
  const v = v4CidrOf(rec(network?.vswitch)?.cidr);
  const c = v4CidrOf(network?.clusterCidr);
  const s = v4CidrOf(network?.serviceCidr);
  if (p) nets.private = p;
  if (v) nets.vswitch = v;
  if (c) nets.cluster = c;
  if (s) nets.service = s;
  return nets;
}

/** The subnets the region declares, for network/broadcast checks: [path, cidr]. */
function declaredSubnets(nets: RegionNets): [string, Cidr][] {
  const out: [string, Cidr][] = [];
  if (nets.private) out.push(['network.privateCidr', nets.private]);
  if (nets.vswitch) out.push(['network.vswitch.cidr', nets.vswitch]);
  return out;
}

const MAPPED_V4 = mustParseCidr('::ffff:0:0/96');
const RESERVED_V4 = mustParseCidr('240.0.0.0/4');

/** The IPv4 address an IPv4-mapped IPv6 address stands for (`::ffff:203.0.113.11` -> 203.0.113.11). */
function unmapped(ip: IpAddress): IpAddress | undefined {
  return ip.family === 6 && contains(MAPPED_V4, ip) ? { family: 4, value: ip.value & 0xffffffffn } : undefined;
}

/** Why no host (or load balancer) can have this address; undefined when it can. */
export function specialAddressProblem(ip: IpAddress): { problem: string; fix: string } | undefined {
  const within = (name: Parameters<typeof specialRange>[0]): boolean => specialRange(name).some((c) => contains(c, ip));
  if (within('unspecified')) {
    return { problem: 'is the unspecified address (0.0.0.0/8 or ::), which no host can have', fix: "write the host's real address (`ip -br addr` on the host)" };
  }
  if (within('loopback')) {
    return { problem: 'is a loopback address (127.0.0.0/8 or ::1): every host answers it itself', fix: "write the host's real address (`ip -br addr` on the host)" };
  }
  if (ip.family === 4 && ip.value === 0xa9fea9fen) {
    return { problem: 'is the cloud metadata service address (169.254.169.254), not a host', fix: "write the host's real address; pods are kept away from this address on purpose" };
  }
  if (within('linkLocal')) {
    return { problem: 'is a link-local address (169.254.0.0/16 or fe80::/10): it does not route beyond one link and changes with the interface', fix: "write the host's routable address" };
  }
  if (within('multicast')) {
    return { problem: 'is a multicast address (224.0.0.0/4 or ff00::/8), which no host can have as its own', fix: "write the host's unicast address" };
  }
  if (ip.family === 4 && contains(RESERVED_V4, ip)) {
    return { problem: 'is in the reserved range 240.0.0.0/4 (255.255.255.255 is the limited broadcast)', fix: "write the host's real address" };
  }
  return undefined;
}

/* ------------------------------------------------------------------ addresses */

interface AddressField {
  readonly path: readonly Segment[];
  readonly text: string;
  readonly ip: IpAddress;
  /** Host name, for "the same host as" messages. */
  readonly owner?: string;
  readonly kind: 'host' | 'load balancer' | 'gateway';
}

function addressFields(def: Rec): AddressField[] {
  const out: AddressField[] = [];
  const pools = rec(def.pools);
  for (const pool of POOL_NAMES) {
    arr(rec(pools?.[pool])?.hosts)?.forEach((h, i) => {
      const host = rec(h);
      if (!host) return;
      for (const field of ['publicIp', 'privateIp'] as const) {
        const text = str(host[field]);
        const ip = text !== undefined ? parseIp(text) : undefined;
        if (text === undefined || !ip) continue;
        const owner = str(host.name);
        out.push({ path: ['pools', pool, 'hosts', i, field], text, ip, kind: 'host', ...(owner !== undefined ? { owner } : {}) });
      }
    });
  }
  const network = rec(def.network);
  arr(network?.loadBalancerIps)?.forEach((v, i) => {
    const ip = typeof v === 'string' ? parseIp(v) : undefined;
    if (typeof v === 'string' && ip) out.push({ path: ['network', 'loadBalancerIps', i], text: v, ip, kind: 'load balancer' });
  });
  const gateway = str(rec(network?.vswitch)?.gateway);
  const gw = gateway !== undefined ? parseIp(gateway) : undefined;
  if (gateway !== undefined && gw) out.push({ path: ['network', 'vswitch', 'gateway'], text: gateway, ip: gw, kind: 'gateway' });
  return out;
}

/**
 * Hetzner Cloud networks route every subnet through the network's first address: "Subnet Gateway 10.0.0.1"
 * of 10.0.0.0/16 (docs.hetzner.com/networking/networks/technical-concepts/architecture). No server gets it.
 */
function checkHetznerGateway(def: Rec, nets: RegionNets, c: IssueSink): void {
  if (!nets.private || nets.private.prefix >= 31) return;
  const gateway = cidrHost(nets.private, 1);
  const pools = rec(def.pools);
  for (const pool of POOL_NAMES) {
    arr(rec(pools?.[pool])?.hosts)?.forEach((h, i) => {
      const host = rec(h);
      const text = str(host?.privateIp);
      const ip = text !== undefined ? parseIp(text) : undefined;
      if (host?.provider !== 'hetzner-cloud' || !ip || ip.family !== 4 || ip.value !== gateway.value) return;
      c.add(['pools', pool, 'hosts', i, 'privateIp'], text, `is the gateway of the Hetzner Cloud network ${formatCidr(nets.private!)}, which Hetzner keeps for itself`, `another address of ${formatCidr(nets.private!)}, e.g. ${formatIp(cidrHost(nets.private!, 11))}`, 'Hetzner Cloud routes every subnet through the first address of the network; no server can be attached with it');
    });
  }
}

export function checkAddresses(def: Rec, c: IssueSink): void {
  const nets = netsOf(def);
  checkHetznerGateway(def, nets, c);
  const fields = addressFields(def);
  const byV4 = new Map<bigint, AddressField>();
  for (const f of fields) if (f.ip.family === 4 && !byV4.has(f.ip.value)) byV4.set(f.ip.value, f);

  for (const f of fields) {
    const mapped = unmapped(f.ip);
    if (mapped) {
      const twin = byV4.get(mapped.value);
      const same = twin ? `; it is the same address as ${pathOf(...twin.path)}${twin.owner !== undefined ? ` (${twin.owner})` : ''}` : '';
      c.add(f.path, f.text, `is an IPv4-mapped IPv6 address${same}`, `the plain IPv4 address ${formatIp(mapped)}`, `write ${formatIp(mapped)}: IPv4 traffic never uses the mapped form on the wire, and duplicates hide behind it`);
      continue;
    }
    const special = specialAddressProblem(f.ip);
    if (special) {
      c.add(f.path, f.text, special.problem, `a unicast address a ${f.kind} can have, e.g. ${f.kind === 'host' && f.path.at(-1) === 'privateIp' ? '10.0.1.12' : '203.0.113.11'}`, special.fix);
      continue;
    }
    if (f.ip.family === 4) {
      let inCluster = false;
      for (const [name, cidr] of [['network.clusterCidr', nets.cluster], ['network.serviceCidr', nets.service]] as const) {
        // A pod/service network overlapping the private network is reported once, by rules.ts, not per host.
        const rootCause = nets.private !== undefined && cidr !== undefined && overlaps(cidr, nets.private) && (f.path.at(-1) === 'privateIp' || f.kind === 'gateway');
        if (cidr && contains(cidr, f.ip) && !rootCause) {
          inCluster = true;
          c.add(f.path, f.text, `is inside ${name} ${formatCidr(cidr)}`, `an address outside the pod and service networks`, `${name === 'network.clusterCidr' ? 'pods' : 'Services'} own every address of ${formatCidr(cidr)}: traffic to ${f.text} would be routed into the cluster, not to the ${f.kind}; change the address or move ${name}`);
        }
      }
      if (inCluster) continue;
      for (const [name, cidr] of declaredSubnets(nets)) {
        if (f.kind === 'gateway' && name === 'network.vswitch.cidr') continue; // rules.ts reports the gateway against its own subnet
        if (f.path.at(-1) === 'privateIp' && name === 'network.privateCidr') continue; // rules.ts reports this one
        if (cidr.prefix < 31 && contains(cidr, f.ip) && (f.ip.value === cidr.network || f.ip.value === cidrHost(cidr, -1).value)) {
          const which = f.ip.value === cidr.network ? 'network' : 'broadcast';
          c.add(f.path, f.text, `is the ${which} address of ${name} ${formatCidr(cidr)}`, `a host address of ${formatCidr(cidr)} (${formatIp(cidrHost(cidr, 1))} to ${formatIp(cidrHost(cidr, -2))})`, 'no host can have the first or last address of a subnet it is on');
        }
      }
    }
  }
}

/* ------------------------------------------------------------------ allow-lists */

const WIDE_PREFIX: Record<4 | 6, number> = { 4: 8, 6: 16 };

export function checkAllowLists(def: Rec, c: IssueSink, optIns: Partial<Record<OptInName, string>>, used: OptInUse): void {
  const network = rec(def.network);
  if (!network) return;
  const nets = netsOf(def);
  const cluster: [string, Cidr][] = [];
  if (nets.cluster) cluster.push(['network.clusterCidr', nets.cluster]);
  if (nets.service) cluster.push(['network.serviceCidr', nets.service]);

  // loadBalancerIps are single addresses: one inside the pod or service network is refused by checkAddresses.
  const lists: { field: 'adminCidrs' | 'cloudflareCidrs'; wideOptIn: OptInName; what: string; wideExpected: string; wideFix: string }[] = [
    {
      field: 'adminCidrs',
      wideOptIn: 'sshFromTheWholeInternet',
      what: 'SSH',
      wideExpected: 'the addresses you administer from, e.g. 198.51.100.7/32',
      wideFix: 'list your office or VPN egress ranges; use ssh.bastion when there is no fixed address',
    },
    {
      field: 'cloudflareCidrs',
      wideOptIn: 'webFromTheWholeInternet',
      what: '80/443 on the run pool',
      wideExpected: "Cloudflare's published ranges (https://www.cloudflare.com/ips/), e.g. 173.245.48.0/20",
      wideFix: 'list only the CDN ranges; the load balancer addresses are admitted through network.loadBalancerIps',
    },
  ];

  for (const list of lists) {
    arr(network[list.field])?.forEach((v, i) => {
      if (typeof v !== 'string') return;
      const cidr = cidrOf(v);
      if (!cidr) return;
      const at: Segment[] = ['network', list.field, i];
      const wide = cidr.prefix < WIDE_PREFIX[cidr.family];
      if (wide) {
        const optIn = list.wideOptIn;
        if (optIns[optIn] !== undefined) used.add(optIn);
        else {
          const problem = cidr.prefix === 0 ? `allows ${list.what} from the whole internet` : `allows ${list.what} from a large part of the internet (wider than /${WIDE_PREFIX[cidr.family]})`;
          c.add(at, v, problem, list.wideExpected, `${list.wideFix}; if this is deliberate, say so: dangerousOptIns: { ${optIn}: '<why>' }`);
        }
      }
      // A range this wide covers the cluster networks by nature: its own refusal (or opt-in) says enough.
      if (wide) return;
      const hit = cluster.filter(([, net]) => overlaps(cidr, net));
      if (hit.length === 0) return;
      if (optIns.allowListsCoverClusterNetworks !== undefined) {
        used.add('allowListsCoverClusterNetworks');
        return;
      }
      const names = hit.map(([name, net]) => `${name} ${formatCidr(net)}`).join(' and ');
      const admits = hit.map(([name]) => (name === 'network.clusterCidr' ? 'pods (tenant pods included)' : 'Service addresses')).join(' and ');
      c.add(
        at,
        v,
        `${hit.every(([, net]) => contains(cidr, net)) ? 'covers' : 'overlaps'} ${names}`,
        `a range disjoint from ${hit.map(([name]) => name).join(' and ')}`,
        `the firewall would admit ${admits} to ${list.what}; narrow the range, or if this is deliberate: dangerousOptIns: { allowListsCoverClusterNetworks: '<why>' }`,
      );
    });
  }
}

/* ------------------------------------------------------------------ ranges */

function hostCount(def: Rec): number {
  const pools = rec(def.pools);
  return POOL_NAMES.reduce((n, pool) => n + (arr(rec(pools?.[pool])?.hosts)?.length ?? 0), 0);
}

export function checkRanges(def: Rec, c: IssueSink): void {
  const network = rec(def.network);
  if (!network) return;
  const nets = netsOf(def);

  const cluster = nets.cluster;
  if (cluster) {
    const hosts = hostCount(def);
    if (cluster.prefix > NODE_CIDR_MASK_IPV4) {
      c.add(['network', 'clusterCidr'], network.clusterCidr, `is smaller than one node's pod range (k3s gives each node a /${NODE_CIDR_MASK_IPV4})`, `a /${NODE_CIDR_MASK_IPV4} or larger, e.g. 10.42.0.0/16`, `kube-controller-manager allocates a /${NODE_CIDR_MASK_IPV4} per node from the cluster CIDR; with less no node gets a pod range and no pod starts`);
    } else {
      const slots = 2 ** (NODE_CIDR_MASK_IPV4 - cluster.prefix);
      if (slots < hosts) {
        const need = NODE_CIDR_MASK_IPV4 - Math.ceil(Math.log2(hosts));
        c.add(['network', 'clusterCidr'], network.clusterCidr, `holds ${slots} node pod range(s) of /${NODE_CIDR_MASK_IPV4} but the region has ${hosts} hosts`, `a /${need} or larger`, `the hosts past the ${slots}th get no pod range: flannel does not start there and their pods never get an address; widen network.clusterCidr`);
      }
    }
  }

  const service = nets.service;
  if (service) {
    // the k3s the region runs: its override, else the version table's
    const version = str(rec(def.versions)?.k3s) ?? DEFAULT_VERSIONS.k3s;
    const minor = version !== undefined ? kubernetesMinorOf(version) : undefined;
    if (service.prefix < SERVICE_CIDR_MIN_PREFIX_IPV4 && (minor === undefined || minor <= SERVICE_CIDR_CAP_LAST_MINOR)) {
      c.add(['network', 'serviceCidr'], network.serviceCidr, `is larger than kube-apiserver accepts (Kubernetes 1.${minor ?? '?'} caps the service CIDR at /${SERVICE_CIDR_MIN_PREFIX_IPV4})`, `a /${SERVICE_CIDR_MIN_PREFIX_IPV4} to /28, e.g. 10.43.0.0/16`, 'kube-apiserver exits at start with "specified --service-cluster-ip-range is too large"; a /16 holds 65534 Services');
    }
    if (cidrSize(service) <= BigInt(CLUSTER_DNS_INDEX)) {
      c.add(['network', 'serviceCidr'], network.serviceCidr, `has ${cidrSize(service)} addresses, too few for the cluster DNS address k3s derives from it (address ${CLUSTER_DNS_INDEX} of the range)`, 'a /28 or larger, e.g. 10.43.0.0/16', 'k3s refuses to start ("cannot configure default cluster-dns address"); widen network.serviceCidr');
    }
  }

  const docker = mustParseCidr(DOCKER_DEFAULT_BRIDGE);
  const named: [string[], Cidr | undefined][] = [
    [['network', 'privateCidr'], nets.private],
    [['network', 'vswitch', 'cidr'], nets.vswitch],
    [['network', 'clusterCidr'], nets.cluster],
    [['network', 'serviceCidr'], nets.service],
  ];
  for (const [path, cidr] of named) {
    if (cidr && overlaps(cidr, docker)) {
      c.add(path, formatCidr(cidr), `overlaps Docker's default bridge ${DOCKER_DEFAULT_BRIDGE}`, `a range disjoint from ${DOCKER_DEFAULT_BRIDGE}`, 'a host that ever runs dockerd gets a docker0 route for 172.17.0.0/16 that takes this traffic; pick another range (e.g. 10.x) or set dockerd\'s bip on every host');
    }
  }
  // The vSwitch subnet against the pod and service networks (privateCidr's overlaps are reported by rules.ts).
  for (const [name, cidr] of [['network.clusterCidr', nets.cluster], ['network.serviceCidr', nets.service]] as const) {
    if (nets.vswitch && cidr && overlaps(nets.vswitch, cidr) && !(nets.private && overlaps(nets.private, cidr))) {
      c.add(['network', 'vswitch', 'cidr'], formatCidr(nets.vswitch), `overlaps ${name} ${formatCidr(cidr)}`, `a range disjoint from ${name}`, 'host, pod and service networks must be separate ranges or routing breaks');
    }
  }
}

/* ------------------------------------------------------------------ ports */

function portOwners(port: number, pools: readonly PoolName[] | undefined): ReservedPort[] {
  return [...K3S_PORTS, ...WEB_PORTS].filter((p) => p.port === port && (pools === undefined || !p.pools || p.pools.some((q) => pools.includes(q as PoolName))));
}

/** Why sshd cannot listen on `port` on nodes of `pools` (undefined = any node); undefined when it can. */
function portProblem(port: number, pools: readonly PoolName[] | undefined): string | undefined {
  const owners = portOwners(port, pools);
  if (owners.length > 0) {
    return `is the port of ${owners.map((o) => `${o.owner} (${o.protocol.toUpperCase()} ${o.port})`).join(' and ')}`;
  }
  if (port >= NODE_PORT_RANGE.from && port <= NODE_PORT_RANGE.to) {
    return `is inside the NodePort range ${NODE_PORT_RANGE.from}-${NODE_PORT_RANGE.to}, where kube-proxy DNATs any NodePort Service on the private address (nodeport-addresses) before sshd sees the packet`;
  }
  return undefined;
}

const SSH_PORT_EXPECTED = `a port k3s does not use, e.g. 22 or 2200 (not 80, 443, 2379-2381, 5001, 6443, 6444, 8472, 10010, 10248-10259, 51820-51821, nor ${NODE_PORT_RANGE.from}-${NODE_PORT_RANGE.to})`;

/** Pools that have hosts, and those whose hosts (some of them) use the region's ssh.port. */
function poolsOf(def: Rec): { present: PoolName[]; onRegionPort: PoolName[] } {
  const pools = rec(def.pools);
  const present: PoolName[] = [];
  const onRegionPort: PoolName[] = [];
  for (const pool of POOL_NAMES) {
    const hosts = arr(rec(pools?.[pool])?.hosts) ?? [];
    if (hosts.length === 0) continue;
    present.push(pool);
    if (hosts.some((h) => int(rec(h)?.sshPort) === undefined)) onRegionPort.push(pool);
  }
  return { present, onRegionPort };
}

export function checkPorts(def: Rec, c: IssueSink, defaultGiteaSshPort?: number): void {
  const ssh = rec(def.ssh);
  const regionPort = int(ssh?.port);
  const { present, onRegionPort } = poolsOf(def);
  if (regionPort !== undefined) {
    const problem = portProblem(regionPort, onRegionPort);
    if (problem) c.add(['ssh', 'port'], regionPort, problem, SSH_PORT_EXPECTED, 'pick another sshd port: the two would fight over the socket, or k3s traffic would reach sshd (or sshd traffic k3s) and the runner is locked out');
  }
  const pools = rec(def.pools);
  for (const pool of POOL_NAMES) {
    arr(rec(pools?.[pool])?.hosts)?.forEach((h, i) => {
      const port = int(rec(h)?.sshPort);
      if (port === undefined) return;
      const problem = portProblem(port, [pool]);
      if (problem) c.add(['pools', pool, 'hosts', i, 'sshPort'], port, problem, SSH_PORT_EXPECTED, `pick another sshd port for this ${pool} host`);
    });
  }

  // Git SSH: Gitea's LoadBalancer Service, which ServiceLB publishes as a hostPort on the git-SSH pool only
  // (ops, else ctrl: regions/k3s-cluster.ts gitSshPool, the nodes labelled svccontroller.k3s.cattle.io/enablelb).
  const gitea = rec(rec(def.platform)?.gitea);
  const explicit = int(gitea?.sshPort);
  const giteaPort = explicit ?? defaultGiteaSshPort;
  if (giteaPort === undefined) return;
  const gitPool: PoolName = present.includes('ops') ? 'ops' : 'ctrl';
  const owners = portOwners(giteaPort, [gitPool]);
  if (owners.length > 0 && explicit !== undefined) {
    c.add(['platform', 'gitea', 'sshPort'], giteaPort, `is the port of ${owners.map((o) => `${o.owner} (${o.protocol.toUpperCase()} ${o.port})`).join(' and ')}`, 'a port of its own for git over SSH, e.g. 2222', `ServiceLB publishes this port as a hostPort on the ${gitPool} nodes; two services cannot share one port of one node`);
  }
  // Every sshd port on the git-SSH pool (the region's, or a host's own) against the git SSH port.
  const clashes: Segment[][] = [];
  const hosts = arr(rec(rec(def.pools)?.[gitPool])?.hosts) ?? [];
  hosts.forEach((h, i) => {
    const own = int(rec(h)?.sshPort);
    const port = own ?? regionPort ?? 22;
    if (port !== giteaPort) return;
    const at: Segment[] = own !== undefined ? ['pools', gitPool, 'hosts', i, 'sshPort'] : ['ssh', 'port'];
    if (!clashes.some((p) => pathOf(...p) === pathOf(...at))) clashes.push(at);
  });
  for (const at of clashes) {
    const hostWord = `the ${gitPool} hosts' sshd`;
    if (explicit !== undefined) {
      c.add(['platform', 'gitea', 'sshPort'], giteaPort, `is also ${hostWord} port (${pathOf(...at)}${regionPort === undefined && at[0] === 'ssh' ? ', default 22' : ''})`, 'a port no host uses for sshd, e.g. 2222', "ServiceLB's hostPort DNATs this port to Gitea before the host's sshd sees it: `ssh` to those nodes (and the runner) would reach Gitea and they are locked out");
    } else {
      c.add(at, giteaPort, `is also the git SSH port (platform.gitea.sshPort, default ${giteaPort}), which ServiceLB publishes on the ${gitPool} nodes`, `an sshd port other than ${giteaPort}, e.g. 22`, "ServiceLB's hostPort DNATs this port to Gitea before the host's sshd sees it: `ssh` to those nodes (and the runner) would reach Gitea; change this sshd port or set platform.gitea.sshPort to another port");
    }
  }
}
