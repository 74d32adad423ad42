import { describe, expect, it } from 'vitest';
import { loadRegion } from '../../regions/load';
import { inventoryFromRegion } from '../../playbooks/inventory';
import { selectHosts } from '../../playbooks/core';

describe('inventoryFromRegion', () => {
  it('maps hosts, pools as groups, vars and SSH settings of eu-central-1', async () => {
    const region = await loadRegion('eu-central-1');
    const { inventory, ssh } = inventoryFromRegion(region);
    expect(inventory.name).toBe('eu-central-1');
    expect(inventory.hosts.map((h) => h.name)).toEqual(region.hosts.map((h) => h.name));
    const run1 = inventory.hosts.find((h) => h.name === 'run-1')!;
    expect(run1).toMatchObject({ address: '203.0.113.21', port: 22, user: 'deploy', groups: ['run'] });
    expect(run1.vars).toMatchObject({ region: 'eu-central-1', pool: 'run', provider: 'hetzner-robot', privateIp: '10.0.1.21' });
    expect(selectHosts(inventory.hosts, ['run'], 't').map((h) => h.name)).toEqual(['run-1', 'run-2']);
    expect(ssh.knownHostsPath).toBe(region.ssh.knownHostsPath);
    expect(ssh.hostKeysCommand).toBe('npm run host-keys -- eu-central-1');
  });

  it('keeps per-host vars over pool vars and parses a bastion', async () => {
    const region = await loadRegion('eu-central-1');
    const patched = {
      ...region,
      ssh: { ...region.ssh, bastion: 'jump@198.51.100.2:2222' },
      hosts: region.hosts.map((h) => (h.name === 'ctrl-1' ? { ...h, vars: { ...h.vars, role: 'first' } } : h)),
    };
    const { inventory, ssh } = inventoryFromRegion(patched);
    expect(inventory.hosts[0]!.vars.role).toBe('first');
    expect(ssh.bastion).toEqual({ user: 'jump', host: '198.51.100.2', port: 2222 });
  });
});
