/**
 * The lab for real: two systemd-nspawn hosts booting systemd, reached with the system ssh client under strict
 * host-key checking. Needs root (CI runs it as root after .ci/run installed the packages).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDown, labSsh, labStatus, labUp, startHost, stopHost, type LabInfo } from '../../lab';
import { labLayout } from '../../lab/addressing';
import { hostPids } from '../../lab/cgroup';
import { assertSubnetsFree } from '../../lab/network';
import { tcpOpen } from '../../lab/ready';
import { loadRegion } from '../../regions/load';
import type { RegionDefinition } from '../../regions/types';
import { labTraces, type LabTraces } from './system-snapshot';

const ID = 'lab-it';
const OTHER_ID = 'lab-it2';
let lab: LabInfo;
let tracesBefore: LabTraces;

const emptyTraces: LabTraces = { processes: [], mounts: [], namespaces: [], links: [], cgroups: [], nftTables: [] };

function host(name: string) {
  const h = lab.hosts.find((x) => x.name === name);
  if (!h) throw new Error(`no ${name}`);
  return h;
}

beforeAll(async () => {
  await labDown(ID); // a previous run killed half-way must not get in the way
  await labDown(OTHER_ID);
  tracesBefore = labTraces(ID);
  lab = await labUp({ id: ID, hosts: 2 });
}, 900_000); // a fresh machine builds the rootfs first



afterAll(async () => {
  await labDown(OTHER_ID);
  await labDown(ID);
}, 120_000);

describe('lab of two hosts', () => {
  it('starts from a clean machine and writes the lab region, keys and known_hosts', () => {
    expect(tracesBefore).toEqual(emptyTraces);
    const region = JSON.parse(readFileSync(lab.regionPath, 'utf8')) as RegionDefinition;
    expect(region.name).toBe('lab');
    expect(region.pools.ctrl.hosts.map((h) => [h.name, h.publicIp, h.privateIp])).toEqual([['lab-1', host('lab-1').publicIp, host('lab-1').privateIp]]);
    expect(region.pools.run?.hosts.map((h) => h.name)).toEqual(['lab-2']);
    expect(region.network.privateCidr).toBe(lab.privateCidr);
    expect(isAbsolute(region.ssh?.privateKeyPath ?? '')).toBe(true);
    expect(region.ssh?.knownHostsPath).toBe(lab.knownHostsPath);
    const known = readFileSync(lab.knownHostsPath, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(known.map((l) => l.split(' ')[0])).toEqual([host('lab-1').publicIp, host('lab-2').publicIp]);
    const keys = known.map((l) => l.split(' ').slice(1).join(' '));
    expect(keys[0]).toMatch(/^ssh-ed25519 AAAA/);
    expect(keys[0]).not.toBe(keys[1]); // each host its own key
  });

  it('writes a region that regions/load.ts accepts', async () => {
    const region = await loadRegion('lab', { labDir: lab.dir });
    expect(region.hosts.map((h) => [h.name, h.pool, h.sshHost])).toEqual([
      ['lab-1', 'ctrl', host('lab-1').publicIp],
      ['lab-2', 'run', host('lab-2').publicIp],
    ]);
    expect(region.ssh.knownHostsPath).toBe(lab.knownHostsPath);
  });

  it('answers ssh with strict host-key checking and runs systemd', async () => {
    for (const h of lab.hosts) {
      const r = await labSsh(ID, h.publicIp, 'hostname; systemctl is-system-running; systemd-detect-virt; id -u');
      expect(r.stderr).toBe('');
      const [hostname, state, virt, uid] = r.stdout.trim().split('\n');
      expect(hostname).toBe(h.name);
      expect(['running', 'degraded']).toContain(state);
      expect(virt).toBe('systemd-nspawn');
      expect(uid).toBe('0');
    }
  });

  it('refuses a host whose key does not match known_hosts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-kh-'));
    try {
      const wrong = readFileSync(lab.knownHostsPath, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith(`${host('lab-2').publicIp} `))
        .map((l) => l.replace(host('lab-2').publicIp, host('lab-1').publicIp));
      writeFileSync(join(dir, 'known_hosts'), `${wrong.join('\n')}\n`);
      const out = execFileSync('sh', ['-c', `ssh -i ${lab.privateKeyPath} -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${join(dir, 'known_hosts')} -o ConnectTimeout=5 root@${host('lab-1').publicIp} true 2>&1; echo "rc=$?"`], { encoding: 'utf8', timeout: 20_000 });
      expect(out).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
      expect(out.trim().endsWith('rc=255')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets root in by the lab key only: another key is refused and no password method is offered', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-key-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'stranger')]);
      const out = execFileSync('sh', ['-c', `ssh -i ${join(dir, 'stranger')} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${lab.knownHostsPath} -o ConnectTimeout=5 root@${host('lab-1').publicIp} true 2>&1; echo "rc=$?"`], { encoding: 'utf8', timeout: 20_000 });
      expect(out).toContain('Permission denied (publickey).');
      expect(out.trim().endsWith('rc=255')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives each host a public and a private interface with the expected addresses and no default route', async () => {
    for (const h of lab.hosts) {
      const r = await labSsh(ID, h.publicIp, 'ip -j -4 addr show; echo; ip -4 route show default');
      const [addrJson = '', defaultRoute = ''] = r.stdout.split('\n\n');
      const addrs = (JSON.parse(addrJson) as { ifname: string; address?: string; addr_info: { local: string; prefixlen: number }[] }[])
        .filter((a) => a.ifname !== 'lo')
        .map((a) => [a.ifname, a.addr_info.map((i) => `${i.local}/${i.prefixlen}`).join(',')]);
      expect(addrs).toEqual([
        [h.publicInterface, `${h.publicIp}/24`],
        [h.privateInterface, `${h.privateIp}/24`],
      ]);
      expect(defaultRoute.trim()).toBe('');
    }
    // hosts reach each other over the private network; the outer machine is not on it (and does not route it out)
    const r = await labSsh(ID, host('lab-1').publicIp, `timeout 5 bash -c '</dev/tcp/${host('lab-2').privateIp}/22' && echo open`);
    expect(r.stdout.trim()).toBe('open');
    expect(await tcpOpen(host('lab-2').privateIp, 22, 1500)).toBe(false);
  });

  it('lets a host change its own nftables and net sysctls, each host in its own cgroup', async () => {
    const r = await labSsh(ID, host('lab-1').publicIp, 'nft add table inet labprobe && nft list tables && nft delete table inet labprobe && sysctl -w net.ipv4.ip_forward=1 && sysctl -w net.ipv4.ip_forward=0');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('table inet labprobe');
    expect(r.stdout).toContain('net.ipv4.ip_forward = 1');
    const pids = lab.hosts.map((h) => hostPids(ID, h.name));
    expect(pids[0]?.length).toBeGreaterThan(2);
    expect(pids[1]?.length).toBeGreaterThan(2);
    expect(pids[0]?.filter((p) => pids[1]?.includes(p))).toEqual([]);
  });

  it('keeps MACs fixed per host', async () => {
    const r = await labSsh(ID, host('lab-2').publicIp, 'cat /sys/class/net/eth0/address /sys/class/net/eth1/address');
    const layout = labLayout(ID, 2);
    expect(r.stdout.trim().split('\n')).toEqual([layout.hosts[1]?.publicMac, layout.hosts[1]?.privateMac]);
  });

  it('makes a stopped host unreachable, and boots it again with its disk intact', async () => {
    const h = host('lab-2');
    expect((await labSsh(ID, h.publicIp, 'echo kept > /root/marker && sync')).code).toBe(0);
    await stopHost(ID, 'lab-2');
    const down = await labSsh(ID, h.publicIp, 'true', { connectTimeoutSeconds: 2, timeoutSeconds: 10 });
    expect(down.code).toBe(255);
    expect(await tcpOpen(h.publicIp, 22, 1500)).toBe(false);
    const status = await labStatus(ID);
    expect(status.hosts.map((x) => [x.name, x.running, x.sshReady])).toEqual([
      ['lab-1', true, true],
      ['lab-2', false, false],
    ]);
    await startHost(ID, 'lab-2');
    const back = await labSsh(ID, h.publicIp, 'cat /root/marker; systemctl is-system-running');
    expect(back.stdout.trim().split('\n')[0]).toBe('kept');
    expect(['running', 'degraded']).toContain(back.stdout.trim().split('\n')[1]);
  }, 90_000);

  it('boots a host again when it reboots itself', async () => {
    const h = host('lab-1');
    const started = async (): Promise<string> => (await labSsh(ID, h.publicIp, 'ps -o lstart= -p 1')).stdout.trim();
    const before = await started();
    expect(before).not.toBe('');
    await new Promise((r) => setTimeout(r, 1100)); // lstart has 1 s resolution
    await labSsh(ID, h.publicIp, 'systemctl reboot');
    const deadline = Date.now() + 60_000;
    let state = '';
    let after = before;
    while (Date.now() < deadline) {
      const r = await labSsh(ID, h.publicIp, 'systemctl is-system-running; ps -o lstart= -p 1', { connectTimeoutSeconds: 2, timeoutSeconds: 10 });
      [state = '', after = before] = r.stdout.trim().split('\n');
      if (after !== before && ['running', 'degraded'].includes(state)) break;
      await new Promise((r2) => setTimeout(r2, 500));
    }
    expect(after).not.toBe(before);
    expect(['running', 'degraded']).toContain(state);
  }, 90_000);

  it('runs a second lab id next to the first on its own subnets, and brings it down alone', async () => {
    const other = await labUp({ id: OTHER_ID, hosts: 1 });
    expect(other.publicCidr).not.toBe(lab.publicCidr);
    expect(other.privateCidr).not.toBe(lab.privateCidr);
    const h = other.hosts[0];
    if (!h) throw new Error('no host in the second lab');
    const r = await labSsh(OTHER_ID, h.publicIp, 'hostname');
    expect(r.stdout.trim()).toBe('lab-1');
    // the labs do not reach each other
    const cross = await labSsh(ID, host('lab-1').publicIp, `timeout 3 bash -c '</dev/tcp/${h.publicIp}/22' && echo open || echo closed`);
    expect(cross.stdout.trim()).toBe('closed');
    // Even with a route, the guard drops what a lab host sends to outer addresses other than its gateway:
    // a closed port on the own gateway is refused at once (exit 1), the other lab's gateway just never answers (124).
    const probe = (ip: string): string =>
      `timeout 3 bash -c '</dev/tcp/${ip}/9' 2>/dev/null; echo $?`;
    const guarded = await labSsh(
      ID,
      host('lab-1').publicIp,
      `ip route add ${other.gatewayIp}/32 via ${lab.gatewayIp} && ${probe(lab.gatewayIp)} && ${probe(other.gatewayIp)}; ip route del ${other.gatewayIp}/32`,
    );
    expect(guarded.stdout.trim().split('\n')).toEqual(['1', '124']);
    await labDown(OTHER_ID);
    expect(labTraces(OTHER_ID)).toEqual(emptyTraces);
    expect((await labSsh(ID, host('lab-1').publicIp, 'true')).code).toBe(0);
  }, 120_000);

  it('refuses subnets that something else already routes', async () => {
    const layout = labLayout('lab-it-taken', 1);
    execFileSync('ip', ['link', 'add', 'labtestdummy0', 'type', 'bridge']);
    try {
      execFileSync('ip', ['addr', 'add', `${layout.privateCidr.replace('.0/24', '.77')}/24`, 'dev', 'labtestdummy0']);
      execFileSync('ip', ['link', 'set', 'labtestdummy0', 'up']);
      await expect(assertSubnetsFree(layout)).rejects.toThrow(`lab 'lab-it-taken': subnet ${layout.privateCidr} is already routed on this machine`);
      await expect(labUp({ id: 'lab-it-taken', hosts: 1 })).rejects.toThrow(/is already routed on this machine .*use another --id/);
    } finally {
      execFileSync('ip', ['link', 'del', 'labtestdummy0']);
      await labDown('lab-it-taken');
    }
  });

  it('leaves no process, mount, namespace, link, cgroup or nft table after down', async () => {
    const up = labTraces(ID);
    expect(up.processes.length).toBeGreaterThan(0);
    expect(up.mounts).toHaveLength(4); // two overlays, two netns
    expect(up.namespaces).toHaveLength(2);
    expect(up.links).toHaveLength(6);
    expect(up.cgroups.length).toBeGreaterThan(0);
    expect(up.nftTables).toHaveLength(1);
    await labDown(ID);
    expect(labTraces(ID)).toEqual(emptyTraces);
    expect((await labStatus(ID)).up).toBe(false);
  }, 60_000);
});
