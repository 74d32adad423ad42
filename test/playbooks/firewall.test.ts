/** The firewall rendered from each shipped region, checked by `nft -c`, and the nftables.table task's plans. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRegion } from '../../regions/load';
import type { Region } from '../../regions/types';
import firewall, { renderFirewall } from '../../playbooks/firewall';
import { firewallVars } from '../../playbooks/firewall-rules';
import { nftablesTable, rulesetFile } from '../../playbooks/tasks/nftables-table';
import { fakeHost } from './support/fake-host';

const REGIONS = ['eu-central-1', 'us-east-1'];
const nftUsable = process.getuid?.() === 0 && spawnSync('nft', ['--version']).status === 0 && spawnSync('unshare', ['-n', 'true']).status === 0;

function setElements(text: string, set: string): string[] {
  const m = new RegExp(`set ${set} \\{[^}]*elements = \\{ ([^}]*) \\}`).exec(text);
  return m?.[1]?.split(', ') ?? [];
}

describe.each(REGIONS)('firewall of %s', (name) => {
  it('SSH only from the admin CIDRs, k3s ports only from the private network, SMTP and metadata blocked on every host', async () => {
    const region = await loadRegion(name);
    for (const h of region.hosts) {
      const text = renderFirewall(region, h.name);
      expect(setElements(text, 'admin4')).toEqual(region.network.adminCidrs);
      expect(setElements(text, 'private4')).toEqual([region.network.privateCidr]);
      expect(text).toContain('policy drop');
      expect(text).toMatch(/ct state established,related accept/);
      expect(text).toMatch(/ip saddr @admin4 tcp dport 22 accept/);
      expect(text).toMatch(/chain output \{[^}]*tcp dport \{ 25, 465, 587 \} reject/);
      expect(text).toMatch(/chain forward \{[^}]*ip daddr 169\.254\.169\.254 drop[^}]*tcp dport \{ 25, 465, 587 \} reject/);
      expect(text).toMatch(new RegExp(`ip saddr @private4 udp dport \\{ ${region.k3s.flannelBackend === 'vxlan' ? '8472' : '51820-51821'} \\} accept`));
      expect(text).not.toMatch(/flush ruleset/);
      // etcd only between the servers, on every host's table (agents never open it)
      expect(setElements(text, 'servers4')).toEqual(region.pools.ctrl!.map((c) => `${c.privateIp}/32`));
      if (h.pool === 'ctrl') {
        expect(text).toMatch(/ip saddr @private4 tcp dport 6443 accept/);
        expect(text).toMatch(/ip saddr @servers4 tcp dport 2379-2380 accept/);
        expect(text).not.toMatch(/@private4 tcp dport [^\n]*2379/);
      } else expect(text).not.toMatch(/2379|dport 6443/);
    }
  });

  it('80/443 only from the load balancer and Cloudflare, only on run-pool nodes', async () => {
    const region = await loadRegion(name);
    for (const h of region.hosts) {
      const text = renderFirewall(region, h.name);
      if (h.pool === 'run') {
        expect(setElements(text, 'web4')).toEqual([...region.network.loadBalancerIps.map((ip) => `${ip}/32`), ...region.network.cloudflareCidrs]);
        expect(text).toMatch(/ip saddr @web4 tcp dport \{ 80, 443 \} accept/);
      } else {
        expect(text).not.toMatch(/set web4/);
        expect(text).not.toMatch(/tcp dport \{ 80, 443 \} accept/);
      }
      // prerouting guard (NodePort, ServiceLB and hostPort DNAT): the input sources pass, everything else to the node drops
      const guard = /chain guard \{([\s\S]*?)\n\t\}/.exec(text)![1]!;
      expect(guard).toMatch(/hook prerouting priority dstnat - 10; policy accept;/);
      expect(guard).toMatch(/fib daddr type != local return/);
      expect(guard).toMatch(/ip saddr @private4 return/);
      expect(guard).toMatch(new RegExp(`ip saddr @admin4 tcp dport \\{ ${h.pool === 'ctrl' ? '22, 6443' : '22'} \\} return`));
      expect(guard.trim().split('\n').at(-1)!.trim()).toBe('drop');
      expect(guard.includes('@web4')).toBe(h.pool === 'run');
      expect(guard.includes('@lb4 tcp dport { 2222 } return')).toBe(h.pool === 'ops');
    }
  });

  it('git SSH (platform.gitea.sshPort) only from the load balancer, only on the git-SSH pool (ops)', async () => {
    const region = await loadRegion(name);
    for (const h of region.hosts) {
      const text = renderFirewall(region, h.name);
      if (h.pool === 'ops') {
        expect(setElements(text, 'lb4')).toEqual(region.network.loadBalancerIps.map((ip) => `${ip}/32`));
        expect(text).toMatch(/ip saddr @lb4 tcp dport \{ 2222 \} accept/);
        expect(text).toMatch(/chain guard \{[\s\S]*ip saddr @lb4 tcp dport \{ 2222 \} return/);
      } else {
        expect(text).not.toMatch(/set lb4/);
        expect(text).not.toMatch(/2222 \} accept/);
      }
    }
  });

  it.skipIf(!nftUsable)('every host\'s ruleset passes nft -c (in a throw-away network namespace)', async () => {
    const region = await loadRegion(name);
    const dir = mkdtempSync(join(tmpdir(), 'rb-nft-'));
    try {
      for (const h of region.hosts) {
        const f = join(dir, `${h.name}.nft`);
        writeFileSync(f, rulesetFile('inet', 'platform', renderFirewall(region, h.name)));
        execFileSync('unshare', ['-n', 'nft', '-c', '-f', f], { stdio: 'pipe' });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('firewall rules: bad input', () => {
  it('refuses an empty admin list (it would lock everyone out)', async () => {
    const region = await loadRegion('eu-central-1');
    const bad: Region = { ...region, network: { ...region.network, adminCidrs: [] } };
    expect(() => firewallVars(bad, bad.hosts[0]!)).toThrow(/network\.adminCidrs is empty/);
  });
  it('refuses a malformed CIDR with its path', async () => {
    const region = await loadRegion('eu-central-1');
    const bad: Region = { ...region, network: { ...region.network, cloudflareCidrs: ['173.245.48.0/40'] } };
    expect(() => firewallVars(bad, bad.pools.run![0]!)).toThrow(/cloudflareCidrs entry '173\.245\.48\.0\/40'/);
  });
});

describe('nftables.table task', () => {
  const definition = 'table inet platform {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n}\n';
  const key = 'nft.table-state:inet:platform:/etc/platform-firewall/platform.nft';
  const sha = (s: string) => execFileSync('sha256sum', { input: s }).toString().split(' ')[0]!;

  it('no change when the persisted file matches and the live table is the confirmed one', async () => {
    const host = fakeHost({ probes: { [key]: `persisted ${sha(rulesetFile('inet', 'platform', definition))}\nlive abc\nrecorded abc\n` } });
    const plan = await nftablesTable.plan(host, { table: 'platform', definition });
    expect(plan.kind).toBe('ok');
  });

  it('a drifted live table is replaced, checked with nft -c first, with a rollback armed and a confirmation over a new connection', async () => {
    const host = fakeHost({ probes: { [key]: `persisted ${sha(rulesetFile('inet', 'platform', definition))}\nlive abc\nrecorded def\n` } });
    const plan = await nftablesTable.plan(host, { table: 'platform', definition, rollbackSeconds: 30 });
    expect(plan.kind).toBe('change');
    if (plan.kind !== 'change') return;
    expect(plan.summary).toMatch(/drifted/);
    const shown = plan.commands.map((c) => (typeof c === 'string' ? c : c.display));
    const i = (re: RegExp) => shown.findIndex((c) => re.test(c));
    expect(i(/^nft -c -f/)).toBeGreaterThan(-1);
    expect(i(/^nft -c -f/)).toBeLessThan(i(/arm rollback in 30 s \(timer/));
    expect(i(/arm rollback/)).toBeLessThan(i(/^nft -f/));
    expect(shown.join('\n')).not.toMatch(/flush ruleset/);
    expect(plan.confirm?.timeoutMs).toBe(15_000);
    expect(plan.confirm?.failure).toMatch(/NOT applied/);
    expect(plan.confirm?.commands.map((c) => (typeof c === 'string' ? c : c.run)).join('\n')).toMatch(/mv .*pending-.* .*confirmed-/);
  });

  it('uses a detached setsid timer where systemd does not run', async () => {
    const host = fakeHost({ facts: { systemd: { running: false, version: null, state: '' } }, probes: { [key]: 'persisted -\nlive -\nrecorded -\n' } });
    const plan = await nftablesTable.plan(host, { table: 'platform', definition });
    expect(plan.kind === 'change' && plan.commands.map((c) => (typeof c === 'string' ? c : c.run)).join('\n')).toMatch(/setsid \/bin\/sh -c 'sleep 60;/);
  });

  it('refuses a definition that is not exactly the managed table', async () => {
    const host = fakeHost({ probes: { [key]: 'persisted -\nlive -\nrecorded -\n' } });
    await expect(nftablesTable.plan(host, { table: 'platform', definition: `flush ruleset\n${definition}` })).rejects.toThrow(/only 'table inet platform/);
    await expect(nftablesTable.plan(host, { table: 'platform', definition: definition.replace('platform', 'other') })).rejects.toThrow(/does not define 'table inet platform/);
    await expect(nftablesTable.plan(host, { table: 'platform', definition, rollbackSeconds: 5 })).rejects.toThrow(/rollbackSeconds 5 is out of range/);
  });

  it('the playbook builds one commit-confirmed table step a boot unit and the nftables.service mask for each shipped region', async () => {
    for (const name of REGIONS) {
      const pb = firewall.build(await loadRegion(name));
      expect(pb.plays[0]!.steps.map((s) => s.task.id)).toEqual(['nftables.table', 'systemd.unit', 'systemd.service', 'command.run']);
    }
  });
});
