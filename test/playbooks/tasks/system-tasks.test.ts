import { describe, expect, it } from 'vitest';
import { commandRun, type Plan } from '../../../playbooks/core';
import { aptPackages, authorizedKey, directory, fileAbsent, kernelModule, sysctl, systemdService, systemdUnit, user } from '../../../playbooks/tasks';
import { fakeHost } from '../support/fake-host';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cmds = (p: Plan) => (p.kind === 'change' ? p.commands.map(commandRun) : []);
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const present = (content: string) => `file\n644 root root ${content.length}\n${sha(content)}\n`;
const sysctlFile = (k: string, v: string) => `# managed by region-bootstrapper\n${k} = ${v}\n`;
const moduleFile = (n: string) => `# managed by region-bootstrapper\n${n}\n`;

describe('sysctl.set', () => {
  const key = 'net.ipv4.ip_forward';
  it('no change when persisted and live', async () => {
    const host = fakeHost({ probes: { [`file.state:/etc/sysctl.d/60-${key}.conf`]: present(sysctlFile(key, '1')), [`sysctl.value:${key}`]: '1\n' } });
    expect((await sysctl.plan(host, { key, value: 1 })).kind).toBe('ok');
  });
  it('applies a live difference', async () => {
    const host = fakeHost({ probes: { [`file.state:/etc/sysctl.d/60-${key}.conf`]: present(sysctlFile(key, '1')), [`sysctl.value:${key}`]: '0\n' } });
    expect(cmds(await sysctl.plan(host, { key, value: 1 }))).toEqual(['sysctl -q -w net.ipv4.ip_forward=1']);
  });
  it('in a container, persists a kernel-wide key without applying it', async () => {
    const k = 'vm.overcommit_memory';
    const host = fakeHost({ facts: { virtualization: 'container' }, probes: { [`file.state:/etc/sysctl.d/60-${k}.conf`]: 'absent\n', [`sysctl.value:${k}`]: '0\n' } });
    const p = await sysctl.plan(host, { key: k, value: 1 });
    expect(cmds(p)).toHaveLength(1);
    expect(cmds(p)[0]).toContain('/etc/sysctl.d/60-vm.overcommit_memory.conf');
    expect(p.summary).toContain('container: vm.overcommit_memory belongs to the shared kernel, persisted only');
  });
  it('normalises multi-value keys', async () => {
    const k = 'net.ipv4.tcp_rmem';
    const host = fakeHost({ probes: { [`file.state:/etc/sysctl.d/60-${k}.conf`]: present(sysctlFile(k, '4096 87380 6291456')), [`sysctl.value:${k}`]: '4096\t87380\t6291456\n' } });
    expect((await sysctl.plan(host, { key: k, value: '4096  87380 6291456' })).kind).toBe('ok');
  });
  it('an unknown key on a real kernel is an error', async () => {
    const host = fakeHost({ probes: { 'file.state:/etc/sysctl.d/60-net.nope.x.conf': 'absent\n', 'sysctl.value:net.nope.x': { stdout: '', exitCode: 255 } } });
    await expect(sysctl.plan(host, { key: 'net.nope.x', value: 1 })).rejects.toThrow(/key 'net.nope.x' does not exist in this kernel/);
  });
});

describe('kernel.module', () => {
  it('loads a missing module on a VM', async () => {
    const host = fakeHost({ probes: { 'file.state:/etc/modules-load.d/br_netfilter.conf': present(moduleFile('br_netfilter')), 'kernel.module-loaded:br_netfilter': { stdout: '', exitCode: 1 } } });
    expect(cmds(await kernelModule.plan(host, { name: 'br_netfilter' }))).toEqual(['modprobe br_netfilter']);
  });
  it('no change when loaded and persisted', async () => {
    const host = fakeHost({ probes: { 'file.state:/etc/modules-load.d/overlay.conf': present(moduleFile('overlay')), 'kernel.module-loaded:overlay': '' } });
    expect((await kernelModule.plan(host, { name: 'overlay' })).kind).toBe('ok');
  });
  it('never runs modprobe in a container, and says whether the host kernel has it', async () => {
    const host = fakeHost({ facts: { virtualization: 'container' }, probes: { 'file.state:/etc/modules-load.d/overlay.conf': present(moduleFile('overlay')), 'kernel.module-loaded:overlay': { stdout: '', exitCode: 1 } } });
    const p = await kernelModule.plan(host, { name: 'overlay' });
    expect(p).toEqual({ kind: 'ok', summary: 'overlay persisted (container: not loaded here, modules belong to the host kernel; overlay is NOT available)' });
  });
});

describe('apt.packages', () => {
  const probe = 'dpkg.installed:curl,nftables';
  it('installs only what is missing', async () => {
    const host = fakeHost({ probes: { [probe]: 'nftables\tii \n' } });
    expect(cmds(await aptPackages.plan(host, { names: ['nftables', 'curl'] }))).toEqual(['DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends curl']);
  });
  it('no change when all are installed (rc = removed but config left counts as missing)', async () => {
    expect((await aptPackages.plan(fakeHost({ probes: { [probe]: 'curl\tii \nnftables\tii \n' } }), { names: ['nftables', 'curl'] })).kind).toBe('ok');
    expect((await aptPackages.plan(fakeHost({ probes: { [probe]: 'curl\trc \nnftables\tii \n' } }), { names: ['nftables', 'curl'] })).kind).toBe('change');
  });
  it('rejects a bad package name', async () => {
    await expect(aptPackages.plan(fakeHost(), { names: ['curl; rm -rf /'] })).rejects.toThrow(/is not a Debian package name/);
  });
});

describe('systemd.unit and systemd.service', () => {
  it('a changed unit file is written and daemon-reloaded in the same apply', async () => {
    const host = fakeHost({ probes: { 'file.state:/etc/systemd/system/x.service': 'absent\n', 'systemd.unit-state:x.service': 'LoadState=not-found\nUnitFileState=\nActiveState=inactive\nNeedDaemonReload=no\n' } });
    const plan = await systemdUnit.plan(host, { name: 'x.service', content: '[Service]\nExecStart=/bin/true\n\n[Install]\nWantedBy=multi-user.target\n' });
    expect(cmds(plan).at(-1)).toBe('systemctl daemon-reload');
    // predicted for the steps after it: the file as written, and a loaded, disabled, inactive unit
    const predicted = plan.kind === 'change' ? Object.fromEntries((plan.predicts ?? []).flatMap((e) => ('fact' in e ? [[e.fact.key, e.value]] : []))) : {};
    expect(predicted['systemd.unit-state:x.service']).toEqual({ enabled: 'disabled', active: 'inactive', needDaemonReload: false });
    expect(predicted['file.state:/etc/systemd/system/x.service']).toMatchObject({ kind: 'file', mode: '644', owner: 'root', group: 'root' });
  });
  it('enables and starts, with a pending daemon-reload first', async () => {
    const host = fakeHost({ probes: { 'systemd.unit-state:x.service': 'LoadState=loaded\nUnitFileState=disabled\nActiveState=inactive\nNeedDaemonReload=yes\n' } });
    expect(cmds(await systemdService.plan(host, { name: 'x.service', enabled: true, state: 'started' }))).toEqual(['systemctl daemon-reload', 'systemctl enable x.service', 'systemctl start x.service']);
  });
  it('no change when enabled and active; restart always changes', async () => {
    const host = fakeHost({ probes: { 'systemd.unit-state:x.service': 'LoadState=loaded\nUnitFileState=enabled\nActiveState=active\nNeedDaemonReload=no\n' } });
    expect((await systemdService.plan(host, { name: 'x.service', enabled: true, state: 'started' })).kind).toBe('ok');
    expect(cmds(await systemdService.plan(host, { name: 'x.service', restart: true }))).toEqual(['systemctl restart x.service']);
  });
  it('in check mode a unit an earlier step would install is a planned change, not an error', async () => {
    const host = { ...fakeHost({ probes: { 'systemd.unit-state:new.service': 'LoadState=not-found\nUnitFileState=\nActiveState=inactive\nNeedDaemonReload=no\n' } }), check: true };
    const p = await systemdService.plan(host, { name: 'new.service', enabled: true, state: 'started' });
    expect(cmds(p)).toEqual(['systemctl enable new.service', 'systemctl start new.service']);
    expect(p.summary).toContain('not installed yet (check mode');
  });
  it('a missing unit is a clear error', async () => {
    const host = fakeHost({ probes: { 'systemd.unit-state:nope.service': 'LoadState=not-found\nUnitFileState=\nActiveState=inactive\nNeedDaemonReload=no\n' } });
    await expect(systemdService.plan(host, { name: 'nope.service', state: 'started' })).rejects.toThrow(/unit 'nope.service' does not exist/);
  });
});

describe('user.present and user.authorized-key', () => {
  it('creates a missing user', async () => {
    const host = fakeHost({ probes: { 'user.info:deploy': { stdout: '', exitCode: 2 } } });
    expect(cmds(await user.plan(host, { name: 'deploy', groups: ['sudo'] }))).toEqual(['useradd --shell /bin/bash --home-dir /home/deploy --create-home --groups sudo deploy']);
  });
  it('adds missing groups only; no change otherwise', async () => {
    const host = fakeHost({ probes: { 'user.info:deploy': 'deploy:x:1000:1000::/home/deploy:/bin/bash\ndeploy sudo\n' } });
    expect((await user.plan(host, { name: 'deploy', groups: ['sudo'] })).kind).toBe('ok');
    expect(cmds(await user.plan(host, { name: 'deploy', groups: ['sudo', 'adm'] }))).toEqual(['usermod --append --groups adm deploy']);
  });
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBsE2dTqkXbHsGCMmwfTNG2kxEGZiD9MfByQ8BFmYb4I ops@laptop';
  /** Runs the planned commands for real against a home directory in a temp dir (as the current user). */
  async function addKeyIn(home: string): Promise<{ code: number; stderr: string }> {
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    const host = fakeHost({ probes: { 'user.info:deploy': `deploy:x:${uid}:${gid}::${home}:/bin/bash\ndeploy\n`, [`user.authorized-key:deploy:${key}`]: { stdout: '', exitCode: 1 } } });
    const r = spawnSync('sh', ['-c', cmds(await authorizedKey.plan(host, { user: 'deploy', key })).join(' && ')], { encoding: 'utf8' });
    return { code: r.status ?? -1, stderr: r.stderr };
  }
  it('adds a missing key, keeping the others (a file without a final newline too), 0600, replaced by rename', async () => {
    const home = mkdtempSync(join(tmpdir(), 'rb-ak-'));
    try {
      mkdirSync(join(home, '.ssh'));
      writeFileSync(join(home, '.ssh/authorized_keys'), 'ssh-ed25519 AAAAother other@host');
      const before = statSync(join(home, '.ssh/authorized_keys')).ino;
      expect((await addKeyIn(home)).code).toBe(0);
      expect(readFileSync(join(home, '.ssh/authorized_keys'), 'utf8')).toBe(`ssh-ed25519 AAAAother other@host\n${key}\n`);
      expect(statSync(join(home, '.ssh/authorized_keys')).mode & 0o777).toBe(0o600);
      expect(statSync(join(home, '.ssh/authorized_keys')).ino).not.toBe(before);
      expect(readdirSync(join(home, '.ssh'))).toEqual(['authorized_keys']);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
  it('never writes through a symlinked authorized_keys or ~/.ssh (the target stays untouched)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'rb-ak-'));
    try {
      writeFileSync(join(home, 'target'), 'precious\n');
      mkdirSync(join(home, '.ssh'));
      symlinkSync(join(home, 'target'), join(home, '.ssh/authorized_keys'));
      const r = await addKeyIn(home);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/authorized_keys is a symlink; refusing to write through it/);
      expect(readFileSync(join(home, 'target'), 'utf8')).toBe('precious\n');
      rmSync(join(home, '.ssh'), { recursive: true });
      mkdirSync(join(home, 'elsewhere'));
      symlinkSync(join(home, 'elsewhere'), join(home, '.ssh'));
      const d = await addKeyIn(home);
      expect(d.stderr).toMatch(/\.ssh is a symlink; refusing/);
      expect(readdirSync(join(home, 'elsewhere'))).toEqual([]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
  it('rejects something that is not one key line', async () => {
    await expect(authorizedKey.plan(fakeHost(), { user: 'deploy', key: 'not a key' })).rejects.toThrow(/is not one public key line/);
  });
});

describe('file.directory and file.absent', () => {
  it('creates, fixes and leaves alone', async () => {
    expect(cmds(await directory.plan(fakeHost({ probes: { 'file.state:/srv/x': 'absent\n' } }), { path: '/srv/x' }))).toEqual(['mkdir -p /srv/x', 'chown root:root /srv/x', 'chmod 755 /srv/x']);
    expect((await directory.plan(fakeHost({ probes: { 'file.state:/srv/x': 'directory\n755 root root 4096\n' } }), { path: '/srv/x' })).kind).toBe('ok');
  });
  it('removes files, refuses directories unless recursive', async () => {
    expect(cmds(await fileAbsent.plan(fakeHost({ probes: { 'file.state:/etc/old': present('x') } }), { path: '/etc/old' }))).toEqual(['rm -f -- /etc/old']);
    await expect(fileAbsent.plan(fakeHost({ probes: { 'file.state:/etc/d': 'directory\n755 root root 1\n' } }), { path: '/etc/d' })).rejects.toThrow(/recursive: true/);
    expect((await fileAbsent.plan(fakeHost({ probes: { 'file.state:/etc/old': 'absent\n' } }), { path: '/etc/old' })).kind).toBe('ok');
  });
});
