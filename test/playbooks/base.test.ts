/** The base playbook from the shipped regions: packages, modules, sysctls, users and the sshd drop-in. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRegion } from '../../regions/load';
import base, { baseModules, operatorPublicKey, sshdVars } from '../../playbooks/base';
import { sshdDropIn } from '../../playbooks/tasks/sshd-drop-in';
import { fakeHost } from './support/fake-host';

describe('base playbook', () => {
  it('k3s modules and sysctls, time sync, deploy user, sshd drop-in with a reload handler', async () => {
    const region = await loadRegion('eu-central-1');
    const pb = base.build(region);
    const names = pb.plays[0]!.steps.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining([
      'Ensure kernel module br_netfilter is loaded',
      'Ensure kernel module overlay is loaded',
      'Ensure net.ipv4.ip_forward = 1',
      'Ensure net.bridge.bridge-nf-call-iptables = 1',
      'Ensure fs.inotify.max_user_instances = 8192',
      'Ensure systemd-timesyncd is enabled',
      'Ensure sshd allows keys only (validated with sshd -t)',
    ]));
    expect(pb.plays[0]!.handlers?.map((h) => h.name)).toEqual(['Reload sshd']);
    expect(baseModules({ ...region, k3s: { ...region.k3s, flannelBackend: 'vxlan' } })).toContain('vxlan');
  });

  it('sshd keeps the runner\'s way in: root keeps key login only when the runner is root; AllowUsers names the runner', async () => {
    const eu = await loadRegion('eu-central-1');
    const us = await loadRegion('us-east-1');
    const h = fakeHost();
    // both shipped regions log in as deploy after first contact: root login off
    expect(sshdVars(eu, h)).toMatchObject({ permitRootLogin: 'no', allowUsers: 'deploy' });
    expect(sshdVars(us, h)).toMatchObject({ permitRootLogin: 'no', allowUsers: 'deploy' });
    // first contact (as root): root keeps key login until deploy got in
    expect(sshdVars(eu, h, 'root')).toMatchObject({ permitRootLogin: 'prohibit-password', allowUsers: 'root deploy' });
  });

  it('the operator key comes from a var or the key file next to ssh.privateKeyPath, else a clear error', async () => {
    const region = await loadRegion('eu-central-1');
    expect(operatorPublicKey(region, fakeHost({ vars: { operatorPublicKey: 'ssh-ed25519 AAAA ops' } }))).toBe('ssh-ed25519 AAAA ops');
    const dir = mkdtempSync(join(tmpdir(), 'rb-key-'));
    try {
      writeFileSync(join(dir, 'id.pub'), 'ssh-ed25519 BBBB lab\n');
      expect(operatorPublicKey({ ...region, ssh: { ...region.ssh, privateKeyPath: join(dir, 'id') } }, fakeHost())).toBe('ssh-ed25519 BBBB lab');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => operatorPublicKey(region, fakeHost())).toThrow(/no operator public key .*operatorPublicKey/);
  });
});

describe('sshd.drop-in task', () => {
  const path = '/etc/ssh/sshd_config.d/10-platform.conf';
  it('validates with sshd -t and restores the previous drop-in when it is refused', async () => {
    const plan = await sshdDropIn.plan(fakeHost({ probes: { [`file.state:${path}`]: 'absent\n' } }), { path, content: 'PasswordAuthentication no\n' });
    expect(plan.kind).toBe('change');
    const run = plan.kind === 'change' ? plan.commands.map((c) => (typeof c === 'string' ? c : c.run)).join('\n') : '';
    expect(run).toMatch(/if ! sshd -t; then if \[ -f .*rb-previous \]; then mv -f/);
  });
  it('refuses a path outside sshd_config.d', async () => {
    await expect(sshdDropIn.plan(fakeHost(), { path: '/etc/ssh/sshd_config', content: '' })).rejects.toThrow(/is not a drop-in/);
  });
});
