/** The shape of upgrade, reset and site for the shipped regions, and the registry `npm run play` uses. */
import { describe, expect, it } from 'vitest';
import { loadRegion } from '../../regions/load';
import { loadPlaybook, loadRegionPlaybook, PLAYBOOK_NAMES } from '../../playbooks/registry';
import reset, { resetPreflight } from '../../playbooks/reset';
import { main as playMain } from '../../cli/play';
import site from '../../playbooks/site';
import upgrade, { agentBatches } from '../../playbooks/upgrade';
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
  it('servers one at a time with a stop on failure; agents drained, upgraded and uncordoned in batches', async () => {
    const region = await loadRegion('eu-central-1');
    expect(agentBatches(region)).toEqual([['run-1', 'run-2'], ['build-1', 'ops-1']]);
    const pb = upgrade.build(region);
    expect(pb.plays[0]).toMatchObject({ hosts: ['ctrl-1', 'ctrl-2', 'ctrl-3'], serial: 1, maxFailPercent: 0 });
    expect(pb.plays.slice(1).map((p) => p.name)).toEqual(['Drain run-1, run-2', 'Upgrade run-1, run-2', 'Uncordon run-1, run-2', 'Drain build-1, ops-1', 'Upgrade build-1, ops-1', 'Uncordon build-1, ops-1']);
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
    await expect(loadRegionPlaybook('k3ss')).rejects.toThrow(/playbook 'k3ss' does not exist \(expected one of: site, base/);
  });
});
