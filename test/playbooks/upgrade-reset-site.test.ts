/** The shape of upgrade, reset and site for the shipped regions, and the registry `npm run play` uses. */
import { describe, expect, it } from 'vitest';
import { loadRegion } from '../../regions/load';
import { loadPlaybook, loadRegionPlaybook, PLAYBOOK_NAMES } from '../../playbooks/registry';
import reset, { resetPreflight } from '../../playbooks/reset';
import { main as playMain } from '../../cli/play';
import site from '../../playbooks/site';
import upgrade, { agentBatches, upgradeRefusal } from '../../playbooks/upgrade';
import { drainNodes } from '../../playbooks/tasks/k3s-drain';
import { uncordonNodes } from '../../playbooks/tasks/k3s-uncordon';
import { fakeHost } from './support/fake-host';

const nodesJson = (nodes: Record<string, { version: string; drained?: boolean }>) => JSON.stringify({
  items: Object.entries(nodes).map(([name, n]) => ({
    metadata: { name, labels: {}, annotations: n.drained ? { 'platform.upgrade/drained': n.version } : {} },
    spec: {},
    status: { nodeInfo: { kubeletVersion: n.version } },
  })),
});

describe('upgrade', () => {
  it('preflight first; servers one at a time; agents per pool, never more than maxUnavailable (default 1) and pool size minus one', async () => {
    const region = await loadRegion('eu-central-1');
    expect(agentBatches(region)).toEqual([
      { pool: 'run', batches: [['run-1'], ['run-2']] },
      { pool: 'build', batches: [['build-1']] },
      { pool: 'ops', batches: [['ops-1']] },
    ]);
    const pb = upgrade.build(region);
    expect(pb.plays[0]).toMatchObject({ hosts: 'all', maxFailPercent: 0 });
    expect(pb.plays[0]!.name).toMatch(/^Upgrade preflight: no downgrade, no skipped minor/);
    expect(pb.plays[1]).toMatchObject({ hosts: ['ctrl-1', 'ctrl-2', 'ctrl-3'], serial: 1, maxFailPercent: 0 });
    expect(pb.plays.slice(2).map((p) => p.name)).toEqual([
      'Drain run-1 (run pool)', 'Upgrade run-1 (run pool)', 'Uncordon run-1 (run pool)',
      'Drain run-2 (run pool)', 'Upgrade run-2 (run pool)', 'Uncordon run-2 (run pool)',
      'Drain build-1 (build pool)', 'Upgrade build-1 (build pool)', 'Uncordon build-1 (build pool)',
      'Drain ops-1 (ops pool)', 'Upgrade ops-1 (ops pool)', 'Uncordon ops-1 (ops pool)',
    ]);
    // maxUnavailable is capped at the pool size minus one, so a pool always keeps a node
    const wide = { ...region, hosts: region.hosts.map((h) => (h.pool === 'run' ? { ...h, vars: { ...h.vars, maxUnavailable: 5 } } : h)) };
    const widePools = { ...wide, pools: { ...wide.pools, run: wide.hosts.filter((h) => h.pool === 'run') } };
    expect(agentBatches(widePools)[0]).toEqual({ pool: 'run', batches: [['run-1'], ['run-2']] });
    const bad = { ...region, pools: { ...region.pools, run: region.pools.run!.map((h) => ({ ...h, vars: { ...h.vars, maxUnavailable: 0 } })) } };
    expect(() => agentBatches(bad)).toThrow(/pools\.run\.vars\.maxUnavailable '0' is not a whole number >= 1/);
  });

  it('refuses downgrades and skipped minors; allows patch and one-minor steps', () => {
    expect(upgradeRefusal('v1.31.5+k3s1', 'v1.31.6+k3s1')).toBeNull();
    expect(upgradeRefusal('v1.31.5+k3s1', 'v1.31.5+k3s2')).toBeNull();
    expect(upgradeRefusal('v1.30.9+k3s1', 'v1.31.1+k3s1')).toBeNull();
    expect(upgradeRefusal('v1.31.5+k3s1', 'v1.31.5+k3s1')).toBeNull();
    expect(upgradeRefusal('v1.31.5+k3s1', 'v1.31.4+k3s1')).toMatch(/^v1\.31\.4\+k3s1 is older than the installed v1\.31\.5\+k3s1 \(downgrades are refused/);
    expect(upgradeRefusal('v1.31.5+k3s1', 'v1.30.9+k3s1')).toMatch(/older than the installed/);
    expect(upgradeRefusal('v1.29.5+k3s1', 'v1.31.1+k3s1')).toMatch(/^v1\.31\.1\+k3s1 skips a minor from the installed v1\.29\.5\+k3s1 \(expected at most v1\.30\.x/);
  });

  it('the run pool gets the containerd template of the containerd the target embeds, and loses the other one', async () => {
    const region = await loadRegion('eu-central-1');
    const at = (k3s: string) => upgrade.build({ ...region, versions: { ...region.versions, k3s } });
    const run = at('v1.36.4+k3s1').plays.find((p) => p.name === 'Upgrade run-1 (run pool)')!.steps;
    const paths = run.map((s) => (typeof s.args === 'function' ? undefined : (s.args as { path?: string }).path)).filter(Boolean);
    expect(paths).toEqual(['/var/lib/rancher/k3s/agent/etc/containerd', '/var/lib/rancher/k3s/agent/etc/containerd/config-v3.toml.tmpl', '/var/lib/rancher/k3s/agent/etc/containerd/config.toml.tmpl']);
    expect(run.find((s) => s.task.id === 'file.absent')!.args).toEqual({ path: '/var/lib/rancher/k3s/agent/etc/containerd/config.toml.tmpl' });
    // other pools never touch the containerd template; a release without a row in the table is refused at build
    expect(at('v1.36.4+k3s1').plays.find((p) => p.name === 'Upgrade build-1 (build pool)')!.steps.map((s) => s.task.id)).not.toContain('file.absent');
    expect(() => at('v1.34.1+k3s1')).toThrow(/is not in the k3s release table/);
  });

  it('drains only nodes behind the version, and uncordons only nodes the upgrade drained', async () => {
    const probes = { 'k3s.nodes': nodesJson({ 'run-1': { version: 'v1.28.15+k3s1' }, 'run-2': { version: 'v1.29.1+k3s1' } }) };
    const plan = await drainNodes.plan(fakeHost({ probes }), { nodes: ['run-1', 'run-2'], version: 'v1.29.1+k3s1' });
    expect(plan.kind === 'change' && plan.commands).toEqual([
      '/usr/local/bin/k3s kubectl cordon run-1',
      '/usr/local/bin/k3s kubectl annotate node run-1 platform.upgrade/drained=v1.29.1+k3s1 --overwrite',
      '/usr/local/bin/k3s kubectl drain run-1 --ignore-daemonsets --delete-emptydir-data --timeout=300s',
    ]);
    const after = { 'k3s.nodes': nodesJson({ 'run-1': { version: 'v1.29.1+k3s1', drained: true }, 'run-2': { version: 'v1.29.1+k3s1' } }) };
    const un = await uncordonNodes.plan(fakeHost({ probes: after }), { nodes: ['run-1', 'run-2'], version: 'v1.29.1+k3s1' });
    expect(un.kind === 'change' && un.commands).toEqual(['/usr/local/bin/k3s kubectl uncordon run-1', '/usr/local/bin/k3s kubectl annotate node run-1 platform.upgrade/drained-']);
    await expect(uncordonNodes.plan(fakeHost({ probes }), { nodes: ['run-1'], version: 'v1.29.1+k3s1' })).rejects.toThrow(/run-1 do not run v1\.29\.1\+k3s1/);
  });
});

describe('reset and site', () => {
  it('reset ends with a verification step and never touches the firewall, network or users', async () => {
    const pb = reset.build(await loadRegion('eu-central-1'));
    const ids = pb.plays[0]!.steps.map((s) => s.task.id);
    expect(ids.at(-1)).toBe('k3s.verify-clean');
    const text = JSON.stringify(pb.plays[0]!.steps.map((s) => [s.name, s.args]));
    expect(text).not.toMatch(/platform-firewall|nft |sshd|deploy/);
  });

  it('reset of a whole region needs --confirm <region>; a --limit run does not', async () => {
    const region = await loadRegion('eu-central-1');
    expect(() => resetPreflight(region, { limit: [] })).toThrow(/^reset of region 'eu-central-1' without --limit would uninstall k3s from all 7 hosts \(no --confirm; expected --confirm eu-central-1 to reset the whole region, or --limit <hosts>/);
    expect(() => resetPreflight(region, { limit: [], confirm: 'us-east-1' })).toThrow(/--confirm 'us-east-1'/);
    expect(() => resetPreflight(region, { limit: [], confirm: 'eu-central-1' })).not.toThrow();
    expect(() => resetPreflight(region, { limit: ['run-2'] })).not.toThrow();
    // the CLI runs the preflight before any host is contacted (the shipped regions' hosts do not exist)
    await expect(playMain(['eu-central-1', 'reset'])).rejects.toThrow(/without --limit would uninstall k3s/);
  });

  it('site runs base, network, firewall, gvisor, k3s in that order', async () => {
    const pb = site.build(await loadRegion('eu-central-1'));
    const order = [...new Set(pb.plays.map((p) => p.name.split(':')[0]))];
    expect(order).toEqual(['base', 'network', 'firewall', 'gvisor', 'k3s']);
  });

  it('the registry builds every playbook for every shipped region and names the known ones on a typo', async () => {
    for (const name of ['eu-central-1', 'us-east-1']) {
      const region = await loadRegion(name);
      for (const pb of PLAYBOOK_NAMES) expect((await loadPlaybook(pb, region)).name).toBe(pb);
    }
    await expect(loadRegionPlaybook('k3ss')).rejects.toThrow(/playbook 'k3ss' does not exist \(expected one of: site, first-contact, base/);
  });
});
