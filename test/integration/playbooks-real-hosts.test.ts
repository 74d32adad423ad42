/**
 * What would hurt a real region, on lab hosts (issue 10): DNATed ports (a NodePort, the way kube-proxy sets it up:
 * DNAT to a pod behind a veth) are unreachable from the public side and still work on the private network; etcd
 * ports only between servers; Debian's nftables.service cannot flush the platform table; a sudoers drop-in that
 * visudo refuses is never installed; authorized_keys is never written through a symlink; a fresh host is reached
 * as root once (first-contact) and as the deploy user from then on.
 */
import { describe, expect, it } from 'vitest';
import { loadRegion } from '../../regions/load';
import type { Region, ResolvedHost } from '../../regions/types';
import base from '../../playbooks/base';
import { definePlaybook, step } from '../../playbooks/core';
import firewall from '../../playbooks/firewall';
import firstContact from '../../playbooks/first-contact';
import { defineRegionPlaybook } from '../../playbooks/region-playbook';
import { sudoersDropIn } from '../../playbooks/tasks';
import { useLab } from '../support/lab';
import { checkDifferences, labShell, play, unpredictedSteps, withHostVars } from './playbooks-support';

const lab = useLab({ id: 'pb-real', hosts: 3 });
const sh = (host: string, command: string): Promise<string> => labShell(lab, host, command);

/** lab-1 and lab-3 servers (etcd peers), lab-2 a run-pool agent. */
async function labRegion(): Promise<Region> {
  const r = await loadRegion('lab', { labDir: lab.dir });
  const ctrl = r.pools.ctrl![0]!;
  const hosts: ResolvedHost[] = r.hosts.map((h) => (h.name === 'lab-3' ? { ...h, pool: 'ctrl', labels: { ...ctrl.labels }, taints: [...ctrl.taints] } : h));
  const pools = { ctrl: hosts.filter((h) => h.pool === 'ctrl'), run: hosts.filter((h) => h.pool === 'run') };
  return withHostVars({ ...r, hosts: [...pools.ctrl, ...pools.run], pools }, { firewallRollbackSeconds: 20 });
}

const ip = (name: string) => lab.hosts.find((h) => h.name === name)!;

/** HTTP status of a GET from `from` (000: no answer within 3 s). */
async function httpFrom(from: string, url: string): Promise<string> {
  const r = await lab.ssh(from, `curl -sS -m 3 -o /dev/null -w '%{http_code}' ${url}`, 20);
  return r.stdout.trim() || '000';
}

/**
 * The steps `first-contact --check` on a fresh host says it cannot predict: the hand-over check reads what the sshd
 * step before it changes (the user, its key and sudo exist only once the run made them).
 */
const FIRST_CONTACT_UNPREDICTABLE: string[] = ['lab-3 | First contact as root: hand over to deploy | Check the hand-over: deploy has the key and may sudo -n'];

describe('firewall on lab hosts: DNATed ports and etcd', () => {
  it('a NodePort (DNAT to a pod) is unreachable from the public side, reachable on the private network', async () => {
    const region = await labRegion();
    const fw = await play(firewall, region);
    expect(fw.failures).toEqual([]);
    // kube-proxy's shape of a NodePort: DNAT in nat prerouting to a pod behind a veth, forwarded by the node
    await sh('lab-1', [
      'ip netns add pod',
      'ip link add vpod type veth peer name eth0 netns pod',
      'ip addr add 10.42.0.1/24 dev vpod && ip link set vpod up',
      'ip -n pod addr add 10.42.0.5/24 dev eth0 && ip -n pod link set eth0 up && ip -n pod link set lo up && ip -n pod route add default via 10.42.0.1',
      'sysctl -qw net.ipv4.ip_forward=1',
      'systemd-run --quiet --unit pod-web ip netns exec pod python3 -m http.server 8080 --bind 10.42.0.5',
      'iptables -t nat -A PREROUTING -p tcp --dport 30080 -j DNAT --to-destination 10.42.0.5:8080',
      'for i in $(seq 50); do ip netns exec pod python3 -c "import socket; socket.create_connection((\'10.42.0.5\', 8080), 1)" 2>/dev/null && exit 0; sleep 0.1; done; exit 1',
    ].join(' && '));
    const pub = `http://${ip('lab-1').publicIp}:30080/`;
    const priv = `http://${ip('lab-1').privateIp}:30080/`;
    expect(await httpFrom('lab-2', priv)).toBe('200');
    expect(await httpFrom('lab-2', pub)).toBe('000');
    // the guard is what closes it: without the chain the DNATed port is open to the public side (input never sees it)
    await sh('lab-1', 'nft delete chain inet platform guard');
    expect(await httpFrom('lab-2', pub)).toBe('200');
    const again = await play(firewall, region, { limit: ['lab-1'] });
    expect(again.failures).toEqual([]);
    expect(again.changed).toBeGreaterThan(0);
    expect(await httpFrom('lab-2', pub)).toBe('000');
    // SSH from the admin address still works through the guard
    expect((await lab.ssh('lab-1', 'true')).code).toBe(0);
  }, 300_000);

  it('etcd ports answer other servers only, never an agent', async () => {
    await sh('lab-1', 'systemd-run --quiet --unit fake-etcd python3 -m http.server 2379 --bind 0.0.0.0 && for i in $(seq 50); do python3 -c "import socket; socket.create_connection((\'127.0.0.1\', 2379), 1)" 2>/dev/null && exit 0; sleep 0.1; done; exit 1');
    const url = `http://${ip('lab-1').privateIp}:2379/`;
    expect(await httpFrom('lab-3', url)).toBe('200');
    expect(await httpFrom('lab-2', url)).toBe('000');
  }, 120_000);

  it("Debian's nftables.service is masked: starting it cannot flush the platform table", async () => {
    expect((await lab.ssh('lab-1', 'systemctl is-enabled nftables.service')).stdout.trim()).toBe('masked');
    expect((await lab.ssh('lab-1', 'systemctl start nftables.service')).code).not.toBe(0);
    expect(await sh('lab-1', 'nft list tables')).toMatch(/table inet platform/);
    expect((await play(firewall, await labRegion())).changes).toEqual([]);
  }, 120_000);
});

describe('base on lab hosts: sudoers and authorized_keys', () => {
  it('a sudoers drop-in visudo refuses is never moved into place (sudo keeps working)', async () => {
    const broken = defineRegionPlaybook({
      name: 'broken-sudoers',
      description: 'test: a sudoers drop-in with a syntax error',
      build: () => definePlaybook({ name: 'broken-sudoers', description: 'test', plays: [{ name: 'sudoers', hosts: ['lab-2'], steps: [step('broken drop-in', sudoersDropIn, { path: '/etc/sudoers.d/95-broken', content: 'deploy ALL=(ALL NOPASSWD: ALL\n' })] }] }),
    });
    const r = await play(broken, await labRegion());
    expect(r.ok).toBe(false);
    expect(r.failures.join('\n')).toMatch(/visudo -cf refused the new \/etc\/sudoers\.d\/95-broken; it was not installed/);
    expect(await sh('lab-2', 'ls -A /etc/sudoers.d')).not.toMatch(/95-broken/);
    expect((await lab.ssh('lab-2', 'sudo -n true')).code).toBe(0);
  }, 120_000);

  it('base refuses to write authorized_keys through a symlink and leaves its target untouched', async () => {
    const region = await labRegion();
    expect((await play(base, region, { limit: ['lab-2'] })).failures).toEqual([]);
    await sh('lab-2', "printf 'precious\\n' > /root/target && rm -f /home/deploy/.ssh/authorized_keys && ln -s /root/target /home/deploy/.ssh/authorized_keys");
    const r = await play(base, region, { limit: ['lab-2'] });
    expect(r.ok).toBe(false);
    expect(r.failures.join('\n')).toMatch(/authorized_keys is a symlink; refusing to write through it/);
    expect(await sh('lab-2', 'cat /root/target')).toBe('precious\n');
    expect(await sh('lab-2', 'cat /etc/sudoers.d/90-deploy')).toMatch(/^deploy ALL=\(ALL:ALL\) NOPASSWD: ALL$/m);
  }, 300_000);
});

describe('first contact on a fresh host (Hetzner/Contabo: root with the provider key), then every run as deploy', () => {
  it('a deploy-user region cannot reach a fresh host; first-contact as root hands over; base as deploy locks root out', async () => {
    const base0 = await labRegion();
    const deployRegion: Region = { ...base0, ssh: { ...base0.ssh, user: 'deploy', initialUser: 'root' } };
    // before first contact: the deploy user does not exist, so a normal run cannot get in
    expect((await lab.ssh('lab-3', 'getent passwd deploy')).code).not.toBe(0);
    const before = await play(base, deployRegion, { limit: ['lab-3'] });
    expect(before.ok).toBe(false);
    expect(before.recap['lab-3']?.unreachable).toBe(1);
    // first-contact connects as root (ssh.initialUser) and hands over
    await expect(play(firstContact, base0, { limit: ['lab-3'] })).rejects.toThrow(/both are 'root'/);
    // --check first (as root, on the fresh host): every step it does not flag is exactly what the run then does
    const fcCheck = await play(firstContact, deployRegion, { limit: ['lab-3'], check: true });
    expect(fcCheck.failures).toEqual([]);
    const fc = await play(firstContact, deployRegion, { limit: ['lab-3'] });
    expect(fc.failures).toEqual([]);
    expect(checkDifferences(fcCheck, fc, { exceptFlagged: true })).toEqual([]);
    expect(unpredictedSteps(fcCheck), unpredictedSteps(fcCheck, { why: true }).join('\n')).toEqual(FIRST_CONTACT_UNPREDICTABLE);
    expect(fc.changes.join('\n')).toMatch(/lab-3: Ensure the user deploy exists/);
    const sshd = await sh('lab-3', 'sshd -T | grep -E "^(permitrootlogin|allowusers) "');
    expect(sshd).toMatch(/^permitrootlogin without-password$/m); // root keeps key login until deploy got in
    expect(sshd).toMatch(/^allowusers .*deploy/m);
    expect((await play(firstContact, deployRegion, { limit: ['lab-3'] })).changes).toEqual([]);
    // every later run as deploy (through sudo -n): base converges and turns root login off
    const asDeploy = await play(base, deployRegion, { limit: ['lab-3'] });
    expect(asDeploy.failures).toEqual([]);
    expect((await lab.ssh('lab-3', 'true')).code).not.toBe(0); // root is refused now
    const again = await play(base, deployRegion, { limit: ['lab-3'] });
    expect(again.failures).toEqual([]);
    expect(again.changes).toEqual([]);
  }, 600_000);
});
