/**
 * The private network of one host, from the region and the host's interfaces (pure). Decisions:
 *   - hetzner-cloud: the interface is the one holding an address inside network.privateCidr (Hetzner's DHCP puts
 *     it there): found by subnet, not by name. A /32 lease (Hetzner style) gets the on-link route to the network
 *     gateway (first address of privateCidr) and the route to privateCidr through it.
 *   - hetzner-robot (dedicated): a VLAN interface `vlan<id>` on the uplink (the interface holding the public IP),
 *     MTU 1400 (vSwitch), address in network.vswitch.cidr, route to the whole privateCidr (the cloud network) via
 *     the vSwitch gateway.
 *   - contabo: the interface holding an address inside privateCidr, else the only other Ethernet interface without
 *     an IPv4 address (Contabo's private-network NIC comes up unconfigured); host var `privateMac` disambiguates.
 *     Contabo assigns the network (at most a /22, regions/rules.ts) and the addresses; the NIC appears only after
 *     a restart of the VPS, which the error says when it is missing.
 * Persisted as a boot-time oneshot unit running one idempotent script (`ip ... replace`), which works the same
 * under ifupdown, systemd-networkd or neither (lab hosts), and matches interfaces by MAC at boot.
 */
import { contains, mustParseCidr, mustParseIp, cidrHost, formatIp } from '../regions/net';
import type { Region, ResolvedHost } from '../regions/types';
import { ValidationError, type NetworkInterface } from './core';

export interface PrivateNetworkVars {
  readonly region: string;
  readonly host: string;
  readonly provider: string;
  readonly privateIp: string;
  readonly prefix: number;
  readonly privateCidr: string;
  /** Interface carrying the private address (cloud/contabo): its MAC and current name. */
  readonly mac: string;
  readonly device: string;
  /** On-link gateway for a /32 address (hetzner-cloud), '' otherwise. */
  readonly gateway: string;
  readonly uplinkMac: string;
  /**
   * MTU forced on the private interface (0: leave the provider's). Flannel derives its overlay MTU from the interface
   * it rides on (flannel-iface), so every node of a region must agree: Hetzner Cloud networks run at 1450 and a
   * vSwitch at 1400 (or its configured mtu); in a region that mixes both the smaller one wins on the cloud side too,
   * or pods on a cloud node send packets a dedicated node's path cannot carry.
   */
  readonly mtu: number;
  readonly vlan: false | { readonly name: string; readonly id: number; readonly mtu: number; readonly gateway: string };
}

const where = (region: Region, host: ResolvedHost) => `region '${region.name}', host '${host.name}' (${host.provider})`;

function inPrivate(region: Region, address: string): boolean {
  const ip = mustParseIp(address);
  return ip.family === 4 && contains(mustParseCidr(region.network.privateCidr), ip);
}

/** Hetzner Cloud network MTU (the cloud's private interfaces come up with it). */
export const HETZNER_CLOUD_MTU = 1450;

/** The MTU a non-VLAN private interface is set to: the vSwitch MTU on a cloud host of a mixed region, else 0 (keep). */
export function privateMtu(region: Region, host: ResolvedHost): number {
  const vs = region.network.vswitch;
  const mixed = vs && region.hosts.some((h) => h.provider === 'hetzner-robot');
  if (host.provider === 'hetzner-cloud' && mixed && vs.mtu < HETZNER_CLOUD_MTU) return vs.mtu;
  return 0;
}

/** The interface the private network runs on once the network playbook ran: flannel-iface of the k3s config. */
export function privateInterface(v: PrivateNetworkVars): string {
  return v.vlan ? v.vlan.name : v.device;
}

export function privateNetworkVars(region: Region, host: ResolvedHost, interfaces: readonly NetworkInterface[], privateMac?: string): PrivateNetworkVars {
  const privateCidr = region.network.privateCidr;
  const base = { region: region.name, host: host.name, provider: host.provider, privateIp: host.privateIp, privateCidr };
  const withMac = interfaces.filter((i) => i.mac && i.name !== 'lo');
  if (host.provider === 'hetzner-robot') {
    const vs = region.network.vswitch;
    if (!vs) throw new ValidationError(`${where(region, host)}: a dedicated host needs network.vswitch (expected { vlanId, cidr, gateway }; fix: add the vSwitch of the region)`);
    const uplink = withMac.find((i) => i.addresses.some((a) => a.address === host.publicIp));
    if (!uplink?.mac) throw new ValidationError(`${where(region, host)}: no interface holds the public IP ${host.publicIp} (expected the uplink the vSwitch VLAN rides on; found: ${interfaces.map((i) => i.name).join(', ')})`);
    return { ...base, prefix: mustParseCidr(vs.cidr).prefix, mac: uplink.mac, device: `vlan${vs.vlanId}`, gateway: '', uplinkMac: uplink.mac, mtu: vs.mtu, vlan: { name: `vlan${vs.vlanId}`, id: vs.vlanId, mtu: vs.mtu, gateway: vs.gateway } };
  }
  let iface: NetworkInterface | undefined;
  if (privateMac) {
    iface = withMac.find((i) => i.mac === privateMac.toLowerCase());
    if (!iface) throw new ValidationError(`${where(region, host)}: var privateMac '${privateMac}' matches no interface (found: ${withMac.map((i) => `${i.name} ${i.mac}`).join(', ')})`);
  }
  iface ??= withMac.find((i) => i.addresses.some((a) => a.family === 'inet' && inPrivate(region, a.address)));
  if (!iface && host.provider === 'contabo') {
    const bare = withMac.filter((i) => !i.addresses.some((a) => a.family === 'inet') && !/^(vlan|veth|cni|flannel|docker|br-|virbr)/.test(i.name));
    if (bare.length === 1) iface = bare[0];
    else if (bare.length > 1) throw new ValidationError(`${where(region, host)}: several unconfigured interfaces (${bare.map((i) => `${i.name} ${i.mac}`).join(', ')}) could be the private NIC (expected one; fix: set the host var privateMac)`);
  }
  if (!iface?.mac && host.provider === 'contabo') {
    throw new ValidationError(
      `${where(region, host)}: no private network interface (found: ${withMac.map((i) => `${i.name} ${i.mac}`).join(', ') || 'none'}; expected a NIC with ${host.privateIp} or one without an IPv4 address). Contabo adds the private NIC only after the VPS is restarted: add the VPS to the private network in the Contabo panel, restart it there, then run network again (or set the host var privateMac)`,
    );
  }
  if (!iface?.mac) {
    throw new ValidationError(`${where(region, host)}: no interface has an address in ${privateCidr} (expected the private network's interface; fix: attach the server to the network in the provider's console, or set the host var privateMac)`);
  }
  const current = iface.addresses.find((a) => a.family === 'inet' && inPrivate(region, a.address));
  if (current && current.address !== host.privateIp) {
    throw new ValidationError(`${where(region, host)}: interface ${iface.name} has ${current.address}/${current.prefixLength} in ${privateCidr}, but the region says privateIp ${host.privateIp} (fix the region or the provider's assignment)`);
  }
  const prefix = current?.prefixLength ?? mustParseCidr(privateCidr).prefix;
  const gateway = host.provider === 'hetzner-cloud' && prefix === 32 ? formatIp(cidrHost(mustParseCidr(privateCidr), 1)) : '';
  return { ...base, prefix, mac: iface.mac, device: iface.name, gateway, uplinkMac: '', mtu: privateMtu(region, host), vlan: false };
}
