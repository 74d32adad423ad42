/** Issue 10 pieces without hosts: first contact, etcd snapshots config, the token backup, restore guards, Contabo. */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadRegion } from '../../regions/load';
import type { Region } from '../../regions/types';
import { redact, Secret } from '../../playbooks/core';
import firstContact, { firstContactPreflight } from '../../playbooks/first-contact';
import { etcdS3Env } from '../../playbooks/k3s';
import { renderK3sConfig, renderK3sUnit } from '../../playbooks/k3s-config';
import { k3sInputs } from '../../playbooks/k3s-inputs';
import { regionForRun } from '../../playbooks/region-playbook';
import { regionHost } from '../../playbooks/region-hosts';
import { restorePreflight, snapshotPathOf } from '../../playbooks/restore';
import { decryptToken, encryptToken, readBackup, tokenBackup } from '../../playbooks/tasks/k3s-token-backup';
import { issueLines, rejection, variant } from '../regions/support';
import { fakeHost } from './support/fake-host';

const NET = { privateInterface: 'enp7s0' };

describe('first contact', () => {
  it('connects as the provider login (root) once and hands over to ssh.user; refuses a region with nothing to hand over', async () => {
    const region = await loadRegion('us-east-1');
    expect(region.ssh).toMatchObject({ user: 'deploy', initialUser: 'root' });
    expect(regionForRun(firstContact, region).ssh.user).toBe('root');
    const pb = firstContact.build(region);
    expect(pb.plays[0]!.steps.map((s) => s.task.id)).toEqual(['user.present', 'user.authorized-key', 'sudoers.drop-in', 'sshd.drop-in', 'command.run']);
    const root: Region = { ...region, ssh: { ...region.ssh, user: 'root' } };
    expect(() => firstContactPreflight(root)).toThrow(/^region 'us-east-1': first-contact creates ssh.user and hands over from ssh.initialUser, but both are 'root'/);
    expect((await loadRegion('eu-central-1')).ssh).toMatchObject({ user: 'deploy', initialUser: 'root' });
  });
});

describe('etcd snapshots and the server token backup', () => {
  it('every server schedules snapshots with retention; S3 (Hetzner Object Storage) only when the region names it, keys never in config.yaml', async () => {
    const region = await loadRegion('eu-central-1');
    const cfg = parse(renderK3sConfig(region, regionHost(region, 'ctrl-1'), NET)) as Record<string, unknown>;
    expect(cfg).toMatchObject({ 'etcd-snapshot-schedule-cron': '0 */6 * * *', 'etcd-snapshot-retention': 28 });
    expect(cfg).not.toHaveProperty('etcd-s3');
    expect(parse(renderK3sConfig(region, regionHost(region, 'run-1'), NET))).not.toHaveProperty('etcd-snapshot-retention');
    const s3: Region = { ...region, k3s: { ...region.k3s, etcdSnapshots: { scheduleCron: '0 3 * * *', retention: 14, s3: { endpoint: 'fsn1.your-objectstorage.com', bucket: 'threesix-etcd' } } } };
    const withS3 = parse(renderK3sConfig(s3, regionHost(s3, 'ctrl-2'), NET)) as Record<string, unknown>;
    expect(withS3).toMatchObject({ 'etcd-s3': true, 'etcd-s3-endpoint': 'fsn1.your-objectstorage.com', 'etcd-s3-bucket': 'threesix-etcd', 'etcd-s3-folder': 'eu-central-1', 'etcd-snapshot-retention': 14 });
    expect(JSON.stringify(withS3)).not.toMatch(/access-key|secret-key|AWS_/i);
    expect(renderK3sUnit(s3, 'server', '/usr/local/bin/k3s')).toMatch(/^EnvironmentFile=\/etc\/rancher\/k3s\/etcd-s3\.env$/m);
    expect(renderK3sUnit(s3, 'agent', '/usr/local/bin/k3s')).not.toMatch(/EnvironmentFile/);
    expect(k3sInputs(s3, regionHost(s3, 'ctrl-1'))).toContain('/etc/rancher/k3s/etcd-s3.env');
    const env = etcdS3Env(s3, fakeHost({ vars: { etcdS3AccessKey: new Secret('AKIAFIXTURE0001'), etcdS3SecretKey: new Secret('s3cr3tFixtureValue0001') } }));
    expect(env.reveal()).toBe('AWS_ACCESS_KEY_ID=AKIAFIXTURE0001\nAWS_SECRET_ACCESS_KEY=s3cr3tFixtureValue0001\n');
    expect(redact(env.reveal())).not.toContain('s3cr3tFixtureValue0001');
    expect(() => etcdS3Env(s3, fakeHost())).toThrow(/k3s.etcdSnapshots.s3 is set but the var etcdS3AccessKey is not \(expected the S3 key as a secret var/);
  });

  it('the token backup is AES-256-GCM under the passphrase, 0600, and refuses a wrong passphrase', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-tokbak-'));
    try {
      const token = 'K10' + 'a'.repeat(64) + '::server:TheServerTokenPassword0123';
      const file = encryptToken(token, 'a good long passphrase');
      expect(JSON.stringify(file)).not.toContain('TheServerTokenPassword0123');
      expect(decryptToken(file, 'a good long passphrase', 'x')).toBe(token);
      expect(() => decryptToken(file, 'another passphrase!!', 'backup x')).toThrow(/^backup x: does not decrypt with the given backupPassphrase/);
      // the task: written locally 0600 on a real run, left alone when up to date, skipped (loudly) without a passphrase
      const localPath = join(dir, 'secrets', 'k3s-server-token.enc');
      const probes = { 'k3s.server-token:/etc/rancher/k3s/server-token': `${token}\n` };
      const vars = { backupPassphrase: new Secret('a good long passphrase') };
      const first = await tokenBackup.plan(fakeHost({ probes, vars }), { tokenFile: '/etc/rancher/k3s/server-token', localPath, region: 'lab' });
      expect(first.kind).toBe('change');
      expect(statSync(localPath).mode & 0o777).toBe(0o600);
      expect(decryptToken(readBackup(localPath), 'a good long passphrase', localPath)).toBe(token);
      expect((await tokenBackup.plan(fakeHost({ probes, vars }), { tokenFile: '/etc/rancher/k3s/server-token', localPath, region: 'lab' })).kind).toBe('ok');
      const none = await tokenBackup.plan(fakeHost({ probes }), { tokenFile: '/etc/rancher/k3s/server-token', localPath, region: 'lab' });
      expect(none.kind === 'skip' && none.summary).toMatch(/^NO BACKUP of the server token/);
      await expect(tokenBackup.plan(fakeHost({ probes, vars: { backupPassphrase: new Secret('wrong passphrase here') } }), { tokenFile: '/etc/rancher/k3s/server-token', localPath, region: 'lab' })).rejects.toThrow(/does not decrypt/);
      expect(readFileSync(localPath, 'utf8')).not.toContain('TheServerTokenPassword0123');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('restore needs --confirm <region>, no --limit, and a snapshot name', async () => {
    const region = await loadRegion('eu-central-1');
    expect(() => restorePreflight(region, { limit: [] })).toThrow(/^restore of region 'eu-central-1' stops k3s on every server .*expected --confirm eu-central-1/);
    expect(() => restorePreflight(region, { limit: ['ctrl-1'], confirm: 'eu-central-1' })).toThrow(/needs every server in the run/);
    expect(() => restorePreflight(region, { limit: [], confirm: 'eu-central-1' })).not.toThrow();
    expect(snapshotPathOf(fakeHost({ vars: { snapshot: 'etcd-snapshot-ctrl-1-1733000000' } }))).toBe('/var/lib/rancher/k3s/server/db/snapshots/etcd-snapshot-ctrl-1-1733000000');
    expect(() => snapshotPathOf(fakeHost())).toThrow(/no snapshot given/);
    expect(() => snapshotPathOf(fakeHost({ vars: { snapshot: '../../etc/shadow' } }))).toThrow(/is not a snapshot file name/);
  });
});

describe('Contabo private network', () => {
  it('at most a /22 (Contabo assigns it), one provider per private network', () => {
    const wide = rejection(variant((d) => (d.network.privateCidr = '10.0.0.0/16'), 'us-east-1'), 'regions/us-east-1.ts');
    expect(issueLines(wide).join('\n')).toMatch(/network\.privateCidr '10\.0\.0\.0\/16' is larger than a \/22, but Contabo's private network is at most a \/22/);
    const mixed = rejection(variant((d) => (d.pools.build.hosts[0].provider = 'hetzner-cloud'), 'us-east-1'), 'regions/us-east-1.ts');
    expect(issueLines(mixed).join('\n')).toMatch(/pools\.build\.hosts\[0\]\.provider 'hetzner-cloud' shares the private network with Contabo hosts/);
  });
});
