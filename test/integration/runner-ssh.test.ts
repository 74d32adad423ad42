/**
 * The SSH transport against real lab hosts: strict host keys (unknown and changed keys are refused before login),
 * the host-keys command, a bastion, sudo for non-root users, the per-connection channel limit and timeouts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, fingerprint, KnownHosts, recordHostKeys, sh, SshTransport, sshConnector, type InventoryHost, type SshConfig } from '../../playbooks/core';
import { main as hostKeysCli } from '../../cli/host-keys';
import { useLab } from '../support/lab';

const lab = useLab({ id: 'runner-ssh', hosts: 2 });
let dir: string;
let realFp: string;
const target = (name: string, user = 'root'): InventoryHost => {
  const h = lab.hosts.find((x) => x.name === name)!;
  return { name, address: h.publicIp, port: 22, user, groups: [], vars: {} };
};
const config = (knownHostsPath: string, extra: Partial<SshConfig> = {}): SshConfig => ({ knownHostsPath, privateKeyPath: lab.privateKeyPath, connectTimeoutMs: 10_000, ...extra });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rb-ssh-it-'));
  const key = KnownHosts.load(lab.knownHostsPath).lookup(lab.hosts[0]!.publicIp)[0]!;
  realFp = fingerprint(key.blob);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function connectError(kh: string): Promise<ConnectionError> {
  const connect = sshConnector(config(kh));
  const e = await connect(target('lab-1')).then((t) => { void t.close(); return null; }, (err: unknown) => err);
  await connect.close();
  expect(e).toBeInstanceOf(ConnectionError);
  return e as ConnectionError;
}

describe('SSH transport on lab hosts', () => {
  it('refuses an unknown host key before login, printing the presented fingerprint', async () => {
    const kh = join(dir, 'empty_known_hosts');
    writeFileSync(kh, '');
    const e = await connectError(kh);
    expect(e.kind).toBe('host-key-unknown');
    expect(e.message).toContain(`presented ${realFp} (ssh-ed25519)`);
    expect(e.message).toContain('Refused before login');
    expect(e.message).toContain('npm run host-keys -- <region> --limit lab-1');
  });

  it('refuses a changed host key, printing the expected and presented fingerprints', async () => {
    const kh = join(dir, 'wrong_known_hosts');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'impostor')]);
    const impostor = readFileSync(join(dir, 'impostor.pub'), 'utf8').split(' ');
    writeFileSync(kh, `${lab.hosts[0]!.publicIp} ${impostor[0]} ${impostor[1]}\n`);
    const e = await connectError(kh);
    expect(e.kind).toBe('host-key-changed');
    expect(e.message).toContain(`expected ${fingerprint(Buffer.from(impostor[1]!, 'base64'))} (ssh-ed25519)`);
    expect(e.message).toContain(`presented ${realFp} (ssh-ed25519)`);
    expect(e.message).toContain('--replace');
  });

  it('records new keys, keeps known ones, refuses a changed one unless replace', async () => {
    const kh = join(dir, 'record_known_hosts');
    writeFileSync(kh, '');
    const hosts = lab.hosts.map((h) => ({ name: h.name, address: h.publicIp, port: 22 }));
    const added = await recordHostKeys(hosts, kh);
    expect(added.map((r) => r.status)).toEqual(['added', 'added']);
    expect(added[0]!.fingerprint).toBe(realFp);
    expect((await recordHostKeys(hosts, kh)).map((r) => r.status)).toEqual(['known', 'known']);
    // the recorded file lets the transport in
    const connect = sshConnector(config(kh));
    const t = await connect(target('lab-2'));
    expect((await t.run('hostname')).stdout.trim()).toBe('lab-2');
    await t.close();
    await connect.close();
    // a changed key is refused (file untouched), then replaced on request
    const impostor = readFileSync(join(dir, 'impostor.pub'), 'utf8').split(' ');
    writeFileSync(kh, `${lab.hosts[0]!.publicIp} ${impostor[0]} ${impostor[1]}\n`);
    const before = readFileSync(kh, 'utf8');
    const refused = await recordHostKeys(hosts.slice(0, 1), kh);
    expect(refused[0]).toMatchObject({ status: 'changed', fingerprint: realFp });
    expect(readFileSync(kh, 'utf8')).toBe(before);
    expect((await recordHostKeys(hosts.slice(0, 1), kh, { replace: true }))[0]?.status).toBe('replaced');
    expect(KnownHosts.load(kh).lookup(lab.hosts[0]!.publicIp).map((k) => fingerprint(k.blob))).toEqual([realFp]);
  });

  it('the host-keys command reports known keys of the lab region and exits 0', async () => {
    const copy = readFileSync(lab.knownHostsPath, 'utf8');
    expect(await hostKeysCli(['lab', '--lab-dir', lab.dir])).toBe(0);
    expect(readFileSync(lab.knownHostsPath, 'utf8')).toBe(copy);
  });

  it('reaches a host through a bastion (ProxyJump over forwardOut)', async () => {
    const connect = sshConnector(config(lab.knownHostsPath, { bastion: { user: 'root', host: lab.hosts[0]!.publicIp, port: 22 } }));
    try {
      const t = await connect(target('lab-2'));
      const r = await t.run('hostname; echo "$SSH_CONNECTION"');
      expect(r.stdout.split('\n')[0]).toBe('lab-2');
      // the connection to lab-2 comes from lab-1's address, not from the runner's
      expect(r.stdout.split('\n')[1]?.split(' ')[0]).toBe(lab.hosts[0]!.publicIp);
      await t.close();
    } finally {
      await connect.close();
    }
  });

  it('runs as root through sudo -n for a non-root user, and fails clearly when sudo wants a password', async () => {
    const pub = readFileSync(`${lab.privateKeyPath}.pub`, 'utf8').trim();
    const setup = [
      'for u in opsok opspw; do id $u >/dev/null 2>&1 || useradd -m -s /bin/bash $u; mkdir -p /home/$u/.ssh;',
      sh`printf '%s\\n' ${pub} > /home/$u/.ssh/authorized_keys; chown -R $u:$u /home/$u/.ssh; chmod 700 /home/$u/.ssh; done;`,
      "echo 'opsok ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/opsok; chmod 440 /etc/sudoers.d/opsok; usermod -aG sudo opspw",
    ].join(' ');
    const r = await lab.ssh('lab-1', setup);
    expect(r.code, r.stderr).toBe(0);
    const connect = sshConnector(config(lab.knownHostsPath));
    try {
      const t = await connect(target('lab-1', 'opsok'));
      expect((await t.run('id -un')).stdout.trim()).toBe('root');
      await t.close();
      const e = await connect(target('lab-1', 'opspw')).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(ConnectionError);
      expect((e as Error).message).toMatch(/user 'opspw' cannot run commands as root: `sudo -n true` failed \(sudo: a password is required\)/);
    } finally {
      await connect.close();
    }
  });

  it('keeps to the channel limit per connection: 30 parallel commands all succeed', async () => {
    const connect = sshConnector(config(lab.knownHostsPath));
    const t = (await connect(target('lab-1'))) as SshTransport;
    let peak = 0;
    const timer = setInterval(() => (peak = Math.max(peak, t.channelsInUse)), 5);
    try {
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => t.run(`sleep 0.3; echo ${i}`)));
      expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
      expect(peak).toBe(10);
    } finally {
      clearInterval(timer);
      await t.close();
      await connect.close();
    }
  });

  it('bounds a command with a timeout and keeps the connection usable', async () => {
    const connect = sshConnector(config(lab.knownHostsPath));
    const t = await connect(target('lab-2'));
    try {
      const started = Date.now();
      const r = await t.run('sleep 30', { timeoutMs: 1000 });
      expect(r.exitCode).toBeNull();
      expect(r.stderr).toContain('timed out after 1000 ms');
      expect(Date.now() - started).toBeLessThan(10_000);
      expect((await t.run('echo still here')).stdout).toBe('still here\n');
    } finally {
      await t.close();
      await connect.close();
    }
  });

  it('a dead address is unreachable within the connect timeout', async () => {
    const connect = sshConnector(config(lab.knownHostsPath, { connectTimeoutMs: 3000 }));
    const started = Date.now();
    const e = await connect({ ...target('lab-1'), name: 'ghost', address: lab.info.gatewayIp.replace(/\.1$/, '.250') }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ConnectionError);
    expect(Date.now() - started).toBeLessThan(15_000);
    await connect.close();
  });
});

