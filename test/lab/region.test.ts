import { describe, expect, it } from 'vitest';
import euCentral1 from '../../regions/eu-central-1';
import { labLayout } from '../../lab/addressing';
import { labRegion } from '../../lab/region';
import { cidrsOverlap } from '../../lab/ipv4';

const paths = { privateKeyPath: '/x/.lab/t/id_ed25519', knownHostsPath: '/x/.lab/t/known_hosts' };

describe('lab region', () => {
  it('describes every host with its bridge addresses, in its pool, omitting empty pools', () => {
    const layout = labLayout('t', 2, 9);
    const region = labRegion(layout, paths);
    expect(region.name).toBe('lab');
    expect(region.pools.ctrl.hosts).toEqual([
      { name: 'lab-1', provider: 'hetzner-cloud', publicIp: '10.213.9.11', privateIp: '10.214.9.11' },
    ]);
    expect(region.pools.run?.hosts.map((h) => h.name)).toEqual(['lab-2']);
    expect(Object.keys(region.pools).sort()).toEqual(['ctrl', 'run']);
    expect(region.network.privateCidr).toBe('10.214.9.0/24');
    expect(region.ssh).toEqual({ user: 'root', port: 22, ...paths });
  });

  it('keeps an odd server count and spreads 20 hosts over all pools', () => {
    const region = labRegion(labLayout('t', 20, 9), paths);
    expect(region.pools.ctrl.hosts).toHaveLength(3);
    expect(region.pools.run?.hosts).toHaveLength(6);
    expect(region.pools.build?.hosts).toHaveLength(6);
    expect(region.pools.ops?.hosts).toHaveLength(5);
  });

  it('copies the pinned versions and pool taints of eu-central-1 and keeps its CIDRs clear of the lab subnets', () => {
    const layout = labLayout('t', 4, 9);
    const region = labRegion(layout, paths);
    expect(region.k3s).toEqual(euCentral1.k3s);
    expect(region.versions).toEqual(euCentral1.versions);
    expect(region.pools.run?.taints).toEqual(euCentral1.pools.run?.taints);
    for (const cidr of [region.network.clusterCidr, region.network.serviceCidr]) {
      expect(cidrsOverlap(cidr, layout.publicCidr)).toBe(false);
      expect(cidrsOverlap(cidr, layout.privateCidr)).toBe(false);
      expect(cidrsOverlap(cidr, region.network.privateCidr)).toBe(false);
    }
    expect(region.platform.domain).toBe('lab.test');
  });
});
