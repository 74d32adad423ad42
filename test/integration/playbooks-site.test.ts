/**
 * site, upgrade and reset on lab hosts (k3s and gVisor TEST FIXTURES from a local mirror, see k3s-mirror.ts):
 * site converges and a second run and a check run plan zero changes (base, network, firewall, gvisor, k3s);
 * upgrade moves every node to a new version (servers gated, the agent drained and uncordoned) and is idempotent;
 * reset leaves the hosts clean, keeps the firewall, and a second reset changes nothing.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegion } from '../../regions/load';
import type { Region } from '../../regions/types';
import reset from '../../playbooks/reset';
import site from '../../playbooks/site';
import upgrade from '../../playbooks/upgrade';
import { useLab } from '../support/lab';
import { startK3sMirror, type K3sMirror } from './k3s-mirror';
import { play, withHostVars, labShell } from './playbooks-support';

const lab = useLab({ id: 'pb-site', hosts: 3 });
let mirror: K3sMirror;

async function region(version?: string): Promise<Region> {
  const base = await loadRegion('lab', { labDir: lab.dir });
  return withHostVars({ ...base, k3s: { ...base.k3s, mirrorUrl: mirror.url, ...(version ? { version } : {}) } }, { kubeconfigPath: join(lab.dir, 'kubeconfig.yaml'), firewallRollbackSeconds: 30 });
}

const sh = (host: string, command: string): Promise<string> => labShell(lab, host, command);

beforeAll(async () => {
  mirror = await startK3sMirror(lab.info.gatewayIp);
});
afterAll(async () => {
  await mirror?.close();
});

describe('site, upgrade and reset on lab hosts', () => {
  it('site converges; a second run and a check run plan zero changes', async () => {
    const r = await region();
    const first = await play(site, r);
    expect(first.failures).toEqual([]);
    expect(first.ok).toBe(true);
    const second = await play(site, r);
    expect(second.failures).toEqual([]);
    expect(second.changes).toEqual([]);
    const check = await play(site, r, { check: true });
    expect(check.failures).toEqual([]);
    expect(check.changes).toEqual([]);
    // gVisor on the run pool (lab-2), containerd template for k3s < 1.31
    const run = r.pools.run![0]!.name;
    expect(await sh(run, 'ls /usr/local/bin')).toMatch(/containerd-shim-runsc-v1[\s\S]*runsc/);
    expect(await sh(run, 'cat /var/lib/rancher/k3s/agent/etc/containerd/config.toml.tmpl')).toContain('runtime_type = "io.containerd.runsc.v1"');
    // private network persisted
    expect(await sh('lab-1', 'systemctl is-enabled platform-private-network.service')).toBe('enabled\n');
  }, 900_000);

  it('upgrade moves every node to the new version one step at a time, then changes nothing', async () => {
    const next = 'v1.28.16+k3s1';
    const r = await region(next);
    const res = await play(upgrade, r);
    expect(res.failures).toEqual([]);
    const plays = res.events.filter((e) => e.type === 'play.start').map((e) => (e as { play: string }).play);
    expect(plays[0]).toMatch(/Upgrade k3s servers/);
    expect(plays.some((p) => p.startsWith('Drain'))).toBe(true);
    const nodes = JSON.parse(await sh('lab-1', '/usr/local/bin/k3s kubectl get nodes -o json')) as { items: { metadata: { name: string; annotations?: Record<string, string> }; spec: { unschedulable?: boolean }; status: { nodeInfo: { kubeletVersion: string } } }[] };
    for (const n of nodes.items) {
      expect(n.status.nodeInfo.kubeletVersion).toBe(next);
      expect(n.spec.unschedulable ?? false).toBe(false);
      expect(n.metadata.annotations?.['platform.upgrade/drained']).toBeUndefined();
    }
    const again = await play(upgrade, r);
    expect(again.changes).toEqual([]);
  }, 900_000);

  it('reset uninstalls k3s, verifies the hosts are clean, keeps the firewall, and is idempotent', async () => {
    const r = await region('v1.28.16+k3s1');
    const res = await play(reset, r);
    expect(res.failures).toEqual([]);
    for (const h of ['lab-1', 'lab-2', 'lab-3']) {
      expect((await lab.ssh(h, 'test -e /usr/local/bin/k3s || test -e /var/lib/rancher/k3s || test -e /etc/rancher/k3s')).code).not.toBe(0);
      expect(await sh(h, 'nft list tables')).toMatch(/table inet platform/);
    }
    const again = await play(reset, r);
    expect(again.failures).toEqual([]);
    expect(again.changes).toEqual([]);
  }, 600_000);
});
