/**
 * upgrade on lab hosts (k3s and gVisor TEST FIXTURES from a local mirror): a pool of two run nodes is upgraded one
 * node at a time, never both cordoned at once (watched from outside while the upgrade runs); a downgrade is refused
 * before anything changes; the run pool keeps only the containerd template of the containerd the target embeds; a
 * re-run changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegion } from '../../regions/load';
import type { Region, ResolvedHost } from '../../regions/types';
import gvisor from '../../playbooks/gvisor';
import k3s from '../../playbooks/k3s';
import upgrade from '../../playbooks/upgrade';
import { useLab } from '../support/lab';
import { startK3sMirror, type K3sMirror } from './k3s-mirror';
import { firstTouch, labShell, play, withHostVars } from './playbooks-support';

const lab = useLab({ id: 'pb-upgrade', hosts: 3 });
let mirror: K3sMirror;
const FROM = 'v1.35.8+k3s1';
const TO = 'v1.36.4+k3s1';
const TEMPLATES = '/var/lib/rancher/k3s/agent/etc/containerd';

/** lab-1 the server, lab-2 and lab-3 the run pool. */
async function region(version: string): Promise<Region> {
  // the mirror path (hosts download from a local mirror), not the lab's bundle (it holds one k3s version only)
  const { airgap: _bundle, ...base } = await loadRegion('lab', { labDir: lab.dir });
  const run = { labels: { 'node.platform/pool': 'run' }, taints: [{ key: 'platform/run', value: 'gvisor', effect: 'NoSchedule' as const }] };
  const hosts: ResolvedHost[] = base.hosts.map((h) => (h.name === 'lab-1' ? h : { ...h, pool: 'run', ...run }));
  const r: Region = { ...base, versions: { ...base.versions, k3s: version }, k3s: { ...base.k3s, mirrorUrl: mirror.url }, hosts, pools: { ctrl: hosts.filter((h) => h.pool === 'ctrl'), run: hosts.filter((h) => h.pool === 'run') } };
  return withHostVars(r, { k3sReadyTimeoutSeconds: 60 });
}

const sh = (host: string, command: string): Promise<string> => labShell(lab, host, command);

interface Node { metadata: { name: string }; spec: { unschedulable?: boolean }; status: { nodeInfo: { kubeletVersion: string } } }
async function nodes(): Promise<Node[]> {
  return (JSON.parse(await sh('lab-1', '/usr/local/bin/k3s kubectl get nodes -o json')) as { items: Node[] }).items;
}

beforeAll(async () => {
  mirror = await startK3sMirror(lab.info.gatewayIp);
});
afterAll(async () => {
  await mirror?.close();
});

describe('upgrade on lab hosts', () => {
  it('refuses a downgrade before anything changes', async () => {
    const r = await region(FROM);
    expect((await play(gvisor, r)).failures).toEqual([]);
    expect((await play(k3s, r)).failures).toEqual([]);
    // a stale containerd 1 template (what an older k3s used) must go when the target embeds containerd 2
    await sh('lab-2', `cp ${TEMPLATES}/config-v3.toml.tmpl ${TEMPLATES}/config.toml.tmpl`);
    // (a skipped minor is refused the same way, see test/playbooks/upgrade-reset-site.test.ts: the release table
    // has no k3s two minors ahead to try it here)
    for (const [target, why] of [['v1.35.6+k3s1', /v1\.35\.6\+k3s1 is older than the installed v1\.35\.8\+k3s1 \(downgrades are refused/]] as const) {
      const res = await play(upgrade, await region(target));
      expect(res.ok).toBe(false);
      expect(res.stopped).toMatch(/Upgrade preflight/);
      expect(res.failures.join('\n')).toMatch(why);
      expect(res.changes).toEqual([]);
      for (const h of ['lab-1', 'lab-2', 'lab-3']) expect(firstTouch(res, h)).toBeUndefined();
    }
    for (const n of await nodes()) expect(n.status.nodeInfo.kubeletVersion).toBe(FROM);
  }, 900_000);

  it('upgrades the two run nodes one at a time (never both cordoned), keeps only the containerd 2 template, then changes nothing', async () => {
    const r = await region(TO);
    // watch the cordons from outside while the upgrade runs
    let maxCordoned = 0;
    let samples = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const cordoned = (await nodes().catch(() => [] as Node[])).filter((n) => n.metadata.name !== 'lab-1' && n.spec.unschedulable).length;
        maxCordoned = Math.max(maxCordoned, cordoned);
        samples++;
        await new Promise((done) => setTimeout(done, 300));
      }
    })();
    const res = await play(upgrade, r);
    watching = false;
    await watcher;
    expect(res.failures).toEqual([]);
    expect(samples).toBeGreaterThan(5);
    expect(maxCordoned).toBe(1);
    const plays = res.events.filter((e) => e.type === 'play.start').map((e) => (e as { play: string }).play);
    expect(plays.filter((p) => /^(Drain|Upgrade|Uncordon) lab-/.test(p))).toEqual([
      'Drain lab-2 (run pool)', 'Upgrade lab-2 (run pool)', 'Uncordon lab-2 (run pool)',
      'Drain lab-3 (run pool)', 'Upgrade lab-3 (run pool)', 'Uncordon lab-3 (run pool)',
    ]);
    // lab-3 was drained only after lab-2 was back (Ready at the new version) and uncordoned
    const idx = (host: string | null, task: RegExp) => res.events.findIndex((e) => e.type === 'task.result' && (host === null || e.host === host) && task.test(e.task) && e.status === 'changed');
    expect(idx(null, /^Drain lab-3/)).toBeGreaterThan(idx(null, /^Uncordon lab-2/));
    for (const n of await nodes()) {
      expect(n.status.nodeInfo.kubeletVersion, n.metadata.name).toBe(TO);
      expect(n.spec.unschedulable ?? false, n.metadata.name).toBe(false);
    }
    for (const h of ['lab-2', 'lab-3']) {
      expect(await sh(h, `ls ${TEMPLATES}`)).toBe('config-v3.toml.tmpl\n');
      expect(await sh(h, `cat ${TEMPLATES}/config-v3.toml.tmpl`)).toContain("io.containerd.cri.v1.runtime");
    }
    const again = await play(upgrade, r);
    expect(again.failures).toEqual([]);
    expect(again.changes).toEqual([]);
  }, 900_000);
});
