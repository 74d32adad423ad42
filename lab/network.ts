/**
 * The lab's network on the outer machine: a public bridge (outer machine holds the gateway .1), a private bridge
 * (outer machine not on it), and per host a network namespace with two veths (eth0 public, eth1 private) with
 * fixed MACs. No default route anywhere: the hosts reach only each other and the gateway address.
 */
import { existsSync, writeFileSync } from 'node:fs';
import type { HostLayout, LabLayout } from './addressing';
import { LabError } from './errors';
import { cidrsOverlap } from './ipv4';
import { run } from './run';

interface IpLink {
  readonly ifname: string;
  readonly ifalias?: string;
}

interface IpRoute {
  readonly dst: string;
  readonly dev?: string;
  readonly type?: string;
}

interface IpAddrInfo {
  readonly ifname: string;
  readonly addr_info?: readonly { readonly family: string; readonly local: string; readonly prefixlen: number }[];
}

async function links(): Promise<IpLink[]> {
  const { stdout } = await run('ip', ['-j', 'link', 'show']);
  return JSON.parse(stdout) as IpLink[];
}

/** Names of every interface on the outer machine. */
export async function linkNames(): Promise<string[]> {
  return (await links()).map((l) => l.ifname);
}

/**
 * Refuses when the lab's subnets are routed or addressed on the machine by something other than this lab's own
 * bridges, or when its bridge names belong to another lab (two ids hashing to the same subnet index).
 */
export async function assertSubnetsFree(layout: LabLayout): Promise<void> {
  const ours = new Set([layout.publicBridge, layout.privateBridge]);
  for (const link of await links()) {
    if (ours.has(link.ifname) && (link.ifalias ?? '') !== layout.bridgeAlias) {
      throw new LabError(
        `lab '${layout.id}': bridge ${link.ifname} (subnet index ${layout.subnetIndex}) already exists, owned by '${link.ifalias ?? 'unknown'}' (expected none, or '${layout.bridgeAlias}'); use another --id, or bring that lab down`,
      );
    }
  }
  const routes = JSON.parse((await run('ip', ['-j', '-4', 'route', 'show', 'table', 'all'])).stdout) as IpRoute[];
  for (const route of routes) {
    if (route.dst === 'default' || !route.dst || (route.dev !== undefined && ours.has(route.dev))) continue;
    for (const cidr of [layout.publicCidr, layout.privateCidr]) {
      if (cidrsOverlap(route.dst, cidr)) {
        throw new LabError(
          `lab '${layout.id}': subnet ${cidr} is already routed on this machine (route ${route.dst} dev ${route.dev ?? '?'}, expected no route into it); use another --id (its subnet index is a hash of the id)`,
        );
      }
    }
  }
  const addrs = JSON.parse((await run('ip', ['-j', '-4', 'addr', 'show'])).stdout) as IpAddrInfo[];
  for (const a of addrs) {
    if (ours.has(a.ifname)) continue;
    for (const info of a.addr_info ?? []) {
      for (const cidr of [layout.publicCidr, layout.privateCidr]) {
        if (cidrsOverlap(`${info.local}/${info.prefixlen}`, cidr)) {
          throw new LabError(`lab '${layout.id}': subnet ${cidr} overlaps address ${info.local}/${info.prefixlen} on ${a.ifname} (expected it unused); use another --id`);
        }
      }
    }
  }
}

function disableIpv6(ifname: string): void {
  const path = `/proc/sys/net/ipv6/conf/${ifname}/disable_ipv6`;
  if (existsSync(path)) writeFileSync(path, '1');
}

function bridgeMac(layout: LabLayout, which: 1 | 2): string {
  return `02:1a:${layout.subnetIndex.toString(16).padStart(2, '0')}:00:00:0${which}`;
}

/** Creates both bridges (idempotent): alias marks the owner, fixed MACs, gateway address on the public one. */
export async function createBridges(layout: LabLayout): Promise<void> {
  const existing = new Set(await linkNames());
  const batch: string[] = [];
  for (const [bridge, which] of [[layout.publicBridge, 1], [layout.privateBridge, 2]] as const) {
    if (!existing.has(bridge)) batch.push(`link add name ${bridge} address ${bridgeMac(layout, which)} type bridge`);
  }
  if (batch.length) await run('ip', ['-batch', '-'], { input: `${batch.join('\n')}\n` });
  for (const bridge of [layout.publicBridge, layout.privateBridge]) disableIpv6(bridge);
  await run('ip', ['-batch', '-'], {
    input: [
      `link set dev ${layout.publicBridge} alias ${layout.bridgeAlias}`,
      `link set dev ${layout.privateBridge} alias ${layout.bridgeAlias}`,
      `addr replace ${layout.gatewayIp}/24 dev ${layout.publicBridge}`,
      `link set dev ${layout.publicBridge} up`,
      `link set dev ${layout.privateBridge} up`,
      '',
    ].join('\n'),
  });
}

/** Creates a host's network namespace and its two interfaces with their addresses (no default route). */
export async function createHostNetwork(layout: LabLayout, host: HostLayout): Promise<void> {
  // Leftovers of an interrupted up go first; checked through the file system to spare process starts.
  if (existsSync(netnsPath(host))) await run('ip', ['netns', 'del', host.netns], { allowFailure: true });
  for (const veth of [host.publicVeth, host.privateVeth]) {
    if (existsSync(`/sys/class/net/${veth}`)) await run('ip', ['link', 'del', veth], { allowFailure: true });
  }
  await run('ip', ['-batch', '-'], {
    input: [
      `netns add ${host.netns}`,
      `link add ${host.publicVeth} type veth peer name ${host.publicInterface} address ${host.publicMac} netns ${host.netns}`,
      `link add ${host.privateVeth} type veth peer name ${host.privateInterface} address ${host.privateMac} netns ${host.netns}`,
      `link set dev ${host.publicVeth} master ${layout.publicBridge} up`,
      `link set dev ${host.privateVeth} master ${layout.privateBridge} up`,
      '',
    ].join('\n'),
  });
  disableIpv6(host.publicVeth);
  disableIpv6(host.privateVeth);
  await run('ip', ['-n', host.netns, '-batch', '-'], {
    input: [
      `addr add ${host.publicIp}/24 dev ${host.publicInterface}`,
      `addr add ${host.privateIp}/24 dev ${host.privateInterface}`,
      'link set dev lo up',
      `link set dev ${host.publicInterface} up`,
      `link set dev ${host.privateInterface} up`,
      '',
    ].join('\n'),
  });
}

/** Cable in / cable out: a host with its links down does not even answer ARP, like a machine that is off. */
export async function setHostLinks(host: HostLayout, state: 'up' | 'down'): Promise<void> {
  await run('ip', ['-n', host.netns, '-batch', '-'], {
    input: `link set dev ${host.publicInterface} ${state}\nlink set dev ${host.privateInterface} ${state}\n`,
  });
}

/** Path of a host's network namespace (for systemd-nspawn --network-namespace-path). */
export function netnsPath(host: HostLayout): string {
  return `/run/netns/${host.netns}`;
}

/** Removes every namespace, veth and bridge of the lab (idempotent). */
export async function destroyNetwork(layout: LabLayout): Promise<void> {
  for (const host of layout.hosts) {
    await run('ip', ['netns', 'del', host.netns], { allowFailure: true });
  }
  const present = new Set(await linkNames());
  const batch = [
    ...layout.hosts.flatMap((h) => [h.publicVeth, h.privateVeth]),
    layout.publicBridge,
    layout.privateBridge,
  ]
    .filter((name) => present.has(name))
    .map((name) => `link del dev ${name}`);
  if (batch.length) await run('ip', ['-force', '-batch', '-'], { input: `${batch.join('\n')}\n`, allowFailure: true });
  const left = (await linkNames()).filter((n) => n === layout.publicBridge || n === layout.privateBridge);
  if (left.length) throw new LabError(`lab '${layout.id}': could not delete ${left.join(', ')} (expected them gone); try 'ip link del dev ${left[0]}'`);
}
