/**
 * The deterministic layout of one lab: its subnet index, subnets, host names and addresses, MACs, and the
 * names of everything it creates on the outer machine (bridges, veths, network namespaces, cgroups, nft table).
 * Pure: no I/O.
 */
import type { PoolName } from '../regions/types';
import { LabError } from './errors';
import { checkLabId } from './paths';

/** Most hosts one lab may have (addresses .11 .. .50 of its /24s). */
export const MAX_LAB_HOSTS = 40;

export interface HostLayout {
  readonly name: string;
  /** 1-based position. */
  readonly index: number;
  readonly pool: PoolName;
  readonly publicIp: string;
  readonly privateIp: string;
  readonly publicMac: string;
  readonly privateMac: string;
  /** Interface names inside the host. */
  readonly publicInterface: 'eth0';
  readonly privateInterface: 'eth1';
  /** Outer ends of the veth pairs (on the bridges). */
  readonly publicVeth: string;
  readonly privateVeth: string;
  /** `ip netns` name. */
  readonly netns: string;
  /** Machine name given to systemd-nspawn. */
  readonly machine: string;
}

export interface LabLayout {
  readonly id: string;
  /** 1..254: third octet of both subnets. */
  readonly subnetIndex: number;
  readonly publicCidr: string;
  readonly privateCidr: string;
  readonly gatewayIp: string;
  readonly publicBridge: string;
  readonly privateBridge: string;
  /** `ip link` alias written on both bridges, marking which lab owns them. */
  readonly bridgeAlias: string;
  /** nftables table (family inet) guarding the bridges. */
  readonly nftTable: string;
  readonly hosts: readonly HostLayout[];
}

/** FNV-1a, 32 bit. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The subnet index of a lab id: 1..254, a hash of the id. */
export function subnetIndexOf(id: string): number {
  return 1 + (fnv1a(checkLabId(id)) % 254);
}

/**
 * Pools of hosts lab-1..lab-n: ctrl gets the first host (the first three when n >= 7, an odd server count),
 * the rest go round-robin over run, build, ops.
 */
export function poolsFor(count: number): PoolName[] {
  const ctrl = count >= 7 ? 3 : 1;
  const others: PoolName[] = ['run', 'build', 'ops'];
  return Array.from({ length: count }, (_, i) => (i < ctrl ? 'ctrl' : others[(i - ctrl) % others.length] as PoolName));
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

export function labLayout(id: string, count: number, subnetIndex: number = subnetIndexOf(id)): LabLayout {
  checkLabId(id);
  if (!Number.isInteger(count) || count < 1 || count > MAX_LAB_HOSTS) {
    throw new LabError(`lab '${id}': host count ${String(count)} is not valid (expected an integer 1..${MAX_LAB_HOSTS}); e.g. 'npm run lab -- up 3'`);
  }
  if (!Number.isInteger(subnetIndex) || subnetIndex < 1 || subnetIndex > 254) {
    throw new LabError(`lab '${id}': subnet index ${String(subnetIndex)} is not valid (expected an integer 1..254)`);
  }
  const k = subnetIndex;
  const pools = poolsFor(count);
  const hosts = pools.map((pool, i): HostLayout => {
    const index = i + 1;
    const name = `lab-${index}`;
    return {
      name,
      index,
      pool,
      publicIp: `10.213.${k}.${10 + index}`,
      privateIp: `10.214.${k}.${10 + index}`,
      publicMac: `02:1a:${hex2(k)}:${hex2(index)}:00:01`,
      privateMac: `02:1a:${hex2(k)}:${hex2(index)}:00:02`,
      publicInterface: 'eth0',
      privateInterface: 'eth1',
      publicVeth: `lab${k}h${index}p`,
      privateVeth: `lab${k}h${index}v`,
      netns: `lab-${id}-${name}`,
      machine: `${id}-${name}`,
    };
  });
  return {
    id,
    subnetIndex: k,
    publicCidr: `10.213.${k}.0/24`,
    privateCidr: `10.214.${k}.0/24`,
    gatewayIp: `10.213.${k}.1`,
    publicBridge: `lab${k}pub`,
    privateBridge: `lab${k}prv`,
    bridgeAlias: `lab:${id}`,
    nftTable: `lab_guard_${k}`,
    hosts,
  };
}
