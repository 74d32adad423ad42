/** Private networking per provider: which interface, which address, VLAN and routes, and the persisted script. */
import { describe, expect, it } from 'vitest';
import { loadRegion } from '../../regions/load';
import type { NetworkInterface } from '../../playbooks/core';
import { renderNetworkScript } from '../../playbooks/network';
import { privateInterface, privateNetworkVars } from '../../playbooks/private-network';
import { regionHost } from '../../playbooks/region-hosts';
import { missingPrivateNetwork } from '../../playbooks/tasks/private-network-live';

const iface = (name: string, mac: string, ...addrs: [string, number][]): NetworkInterface => ({
  name, mac, up: true, mtu: 1500, addresses: addrs.map(([address, prefixLength]) => ({ family: 'inet' as const, address, prefixLength })),
});

describe('private network', () => {
  it('hetzner-cloud: the interface is found by its subnet, whatever its name; a /32 lease gets the gateway routes', async () => {
    const region = await loadRegion('eu-central-1');
    const v = privateNetworkVars(region, regionHost(region, 'ctrl-1'), [iface('eth0', '96:00:00:00:00:01', ['203.0.113.11', 32]), iface('enp7s0', '86:00:00:00:00:02', ['10.0.0.11', 32])]);
    expect(v).toMatchObject({ device: 'enp7s0', mac: '86:00:00:00:00:02', prefix: 32, gateway: '10.0.0.1', vlan: false });
    const script = renderNetworkScript(v);
    expect(script).toContain('dev=$(by_mac 86:00:00:00:00:02)');
    expect(script).toContain('ip route replace 10.0.0.0/16 via 10.0.0.1 dev "$dev"');
  });

  it('mixed Cloud (1450) + vSwitch (1400) region: the cloud side is lowered to the vSwitch MTU, so flannel agrees on every node', async () => {
    const region = await loadRegion('eu-central-1');
    const cloud = privateNetworkVars(region, regionHost(region, 'ctrl-1'), [iface('enp7s0', '86:00:00:00:00:02', ['10.0.0.11', 32])]);
    expect(cloud.mtu).toBe(1400);
    expect(privateInterface(cloud)).toBe('enp7s0');
    expect(renderNetworkScript(cloud)).toContain('ip link set dev "$dev" mtu 1400 up');
    const robot = privateNetworkVars(region, regionHost(region, 'run-1'), [iface('eno1', 'a8:a1:59:00:00:01', ['203.0.113.21', 26])]);
    expect(privateInterface(robot)).toBe('vlan4000');
    const live = { addr: '3: enp7s0    inet 10.0.0.11/32 scope global enp7s0\n', route: '10.0.0.0/16 via 10.0.0.1 dev enp7s0\n', link: '3: enp7s0: <UP> mtu 1450 qdisc fq state UP\n' };
    expect(missingPrivateNetwork(cloud, live)).toEqual(['MTU 1400 on enp7s0']);
    expect(missingPrivateNetwork(cloud, { ...live, link: live.link.replace('1450', '1400') })).toEqual([]);
    // a cloud-only region keeps the provider's MTU
    const contabo = await loadRegion('us-east-1');
    expect(privateNetworkVars(contabo, regionHost(contabo, 'run-1'), [iface('eth0', '00:50:56:00:00:01', ['192.0.2.21', 24]), iface('eth1', '00:50:56:00:00:02')]).mtu).toBe(0);
  });

  it('hetzner-robot: a VLAN on the uplink with MTU 1400 and a route to the cloud network via the vSwitch gateway', async () => {
    const region = await loadRegion('eu-central-1');
    const v = privateNetworkVars(region, regionHost(region, 'run-1'), [iface('enp0s31f6', 'a8:a1:59:00:00:01', ['203.0.113.21', 26])]);
    expect(v.vlan).toEqual({ name: 'vlan4000', id: 4000, mtu: 1400, gateway: '10.0.1.1' });
    expect(v.prefix).toBe(24);
    const script = renderNetworkScript(v);
    expect(script).toContain('ip link add link "$uplink" name vlan4000 type vlan id 4000');
    expect(script).toContain('ip link set dev vlan4000 mtu 1400 up');
    expect(script).toContain('ip route replace 10.0.0.0/16 via 10.0.1.1 dev vlan4000');
  });

  it('contabo: the only unconfigured NIC is the private one; several need privateMac', async () => {
    const region = await loadRegion('us-east-1');
    const host = regionHost(region, 'run-1');
    const pub = iface('eth0', '00:50:56:00:00:01', ['192.0.2.21', 24]);
    expect(privateNetworkVars(region, host, [pub, iface('eth1', '00:50:56:00:00:02')])).toMatchObject({ device: 'eth1', prefix: 22, gateway: '' });
    // no private NIC yet: Contabo adds it only after a restart of the VPS, and the error says so
    expect(() => privateNetworkVars(region, host, [pub])).toThrow(/no private network interface .*Contabo adds the private NIC only after the VPS is restarted: add the VPS to the private network in the Contabo panel, restart it there, then run network again/);
    expect(() => privateNetworkVars(region, host, [pub, iface('eth1', '00:50:56:00:00:02'), iface('eth2', '00:50:56:00:00:03')])).toThrow(/several unconfigured interfaces .*privateMac/);
    expect(privateNetworkVars(region, host, [pub, iface('eth1', '00:50:56:00:00:02'), iface('eth2', '00:50:56:00:00:03')], '00:50:56:00:00:03').device).toBe('eth2');
  });

  it('fails clearly when the host is not on the network, or holds another address than the region says', async () => {
    const region = await loadRegion('eu-central-1');
    expect(() => privateNetworkVars(region, regionHost(region, 'ctrl-1'), [iface('eth0', '96:00:00:00:00:01', ['203.0.113.11', 32])])).toThrow(/no interface has an address in 10\.0\.0\.0\/16/);
    expect(() => privateNetworkVars(region, regionHost(region, 'ctrl-1'), [iface('eth1', '96:00:00:00:00:01', ['10.0.0.99', 32])])).toThrow(/has 10\.0\.0\.99\/32 .* privateIp 10\.0\.0\.11/);
  });

  it('live check: nothing missing when address, VLAN MTU and route are there', async () => {
    const region = await loadRegion('eu-central-1');
    const v = privateNetworkVars(region, regionHost(region, 'run-1'), [iface('eno1', 'a8:a1:59:00:00:01', ['203.0.113.21', 26])]);
    const live = {
      addr: '5: vlan4000    inet 10.0.1.21/24 brd 10.0.1.255 scope global vlan4000\n',
      route: '10.0.0.0/16 via 10.0.1.1 dev vlan4000\n10.0.1.0/24 dev vlan4000 proto kernel scope link src 10.0.1.21\n',
      link: '5: vlan4000@eno1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1400 qdisc noqueue state UP\n',
    };
    expect(missingPrivateNetwork(v, live)).toEqual([]);
    expect(missingPrivateNetwork(v, { ...live, link: live.link.replace('mtu 1400', 'mtu 1500'), route: '' })).toEqual(['vlan4000 (VLAN 4000, MTU 1400)', 'route 10.0.0.0/16 via 10.0.1.1']);
  });
});
