/**
 * gvisor, site, upgrade and reset on lab hosts (k3s and gVisor TEST FIXTURES from a local mirror, see
 * k3s-mirror.ts and test/fixtures/k3s-test-fixture.README.md). Three servers (lab-1..lab-3) and a run-pool
 * agent (lab-4).
 * - gvisor refuses a runsc whose published sha512 does not match, on the host: nothing is installed, and an
 *   installed runsc is never replaced by a mismatching one (the runsc served is Debian's real runsc binary from the
 *   lab bundle when it has one, else the stand-in script; the log says which);
 * - site on fresh hosts: --check first, and every step it does not flag as unpredictable is exactly what the run then
 *   does, the flagged steps being exactly the expected ones (another host's state, waits); then it converges, and a
 *   second run and a check run plan zero changes;
 * - upgrade: a server that does not come back ready stops the rollout before the next server or any agent is
 *   touched; then every node moves to the new version (servers one at a time, the agent drained and
 *   uncordoned) and a re-run changes nothing; the node list is asserted before every loop over it;
 * - reset cleans what k3s leaves on a host (a shim process, mounts, CNI/flannel links, KUBE-/CNI-/FLANNEL
 *   iptables rules; the test creates them), keeps the firewall and foreign iptables rules, and a second reset
 *   changes nothing.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegion } from '../../regions/load';
import type { Region, ResolvedHost } from '../../regions/types';
import { loadBundle } from '../../playbooks/bundle-manifest';
import gvisor from '../../playbooks/gvisor';
import reset from '../../playbooks/reset';
import site from '../../playbooks/site';
import upgrade from '../../playbooks/upgrade';
import { useLab } from '../support/lab';
import { startK3sMirror, type K3sMirror } from './k3s-mirror';
import { checkDifferences, firstTouch, labShell, nodeNames, play, unpredictedSteps, withHostVars } from './playbooks-support';

const lab = useLab({ id: 'pb-site', hosts: 4 });
let mirror: K3sMirror;
const ALL = ['lab-1', 'lab-2', 'lab-3', 'lab-4'];
/** The release the upgrade tests move to: the next minor after the version table's k3s (it has a K3S_RELEASES row). */
const NEXT = 'v1.36.4+k3s1';
/** What the playbooks write on a host (everything else, e.g. logs and the fixture's own state, may change). */
const MANAGED = ['/etc', '/usr/local', '/var/lib/region-bootstrapper', '/var/lib/rancher/k3s/server/manifests', '/var/lib/rancher/k3s/agent/etc'];

/** lab-1..lab-3 servers, lab-4 the run pool; binaries from the mirror; readiness gates bounded at 40 s. */
async function region(overrides: { version?: string; gvisorVersion?: string } = {}): Promise<Region> {
  // The mirror path (hosts download from a local mirror), not the lab's bundle (playbooks-airgap.test.ts).
  const { airgap: _bundle, ...base } = await loadRegion('lab', { labDir: lab.dir });
  const ctrl = base.pools.ctrl![0]!;
  const run = base.pools.run![0]!;
  const hosts: ResolvedHost[] = base.hosts.map((h) =>
    h.name === 'lab-4' ? { ...h, pool: 'run', labels: { ...run.labels }, taints: [...run.taints] } : { ...h, pool: 'ctrl', labels: { ...ctrl.labels }, taints: [...ctrl.taints] },
  );
  const r: Region = {
    ...base,
    versions: { ...base.versions, ...(overrides.version ? { k3s: overrides.version } : {}), ...(overrides.gvisorVersion ? { gvisor: overrides.gvisorVersion } : {}) },
    k3s: { ...base.k3s, mirrorUrl: mirror.url },
    hosts,
    pools: { ctrl: hosts.filter((h) => h.pool === 'ctrl'), run: hosts.filter((h) => h.pool === 'run') },
  };
  expect(r.pools.ctrl!.map((h) => h.name)).toEqual(['lab-1', 'lab-2', 'lab-3']);
  expect(r.pools.run!.map((h) => h.name)).toEqual(['lab-4']);
  return withHostVars(r, { kubeconfigPath: join(lab.dir, 'kubeconfig.yaml'), firewallRollbackSeconds: 30, k3sReadyTimeoutSeconds: 40 });
}

/**
 * The steps `site --check` on fresh hosts says it cannot predict (playbooks-support.ts unpredictedSteps), and why:
 * - waits whose condition is not true yet (a service this run starts, the seed's API on another host);
 * - what the seed server writes when k3s first starts there: the CA-pinned tokens the other nodes get, the
 *   kubeconfig, node registration (labels and taints through the API);
 * - plans that read what an earlier change alters without predicting it: the k3s binary download (its size and
 *   stat are not known before) under the service's input hash; facts that may read anything after changes (the
 *   `unless` of masking nftables.service, the secure tokens, the CRDs). (No backupPassphrase here: the token backup
 *   step is skipped.)
 */
const SEED = 'k3s: k3s seed server (cluster-init for a new cluster, else the live member the others join)';
const JOINERS = 'k3s: Further k3s servers (join the seed one at a time, while the cluster is healthy)';
const RUN_POOL = 'k3s: k3s agents: run pool (join with the CA-pinned agent token, run labels and taints)';
const CLUSTER = 'k3s: Cluster: etcd members, node labels and taints, cert-manager, operator kubeconfig (on the seed)';
const SITE_UNPREDICTABLE = [
  "lab-1,lab-2,lab-3,lab-4 | firewall: Firewall | Ensure Debian's nftables.service is masked (its flush ruleset would drop the platform table)",
  `lab-1 | ${SEED} | Ensure k3s runs with the current binary, config and token`,
  `lab-1 | ${SEED} | Wait until the Kubernetes API answers ready`,
  `lab-1 | ${SEED} | Wait until this node is registered`,
  `lab-1 | ${SEED} | Wait until this server is a voting etcd member (node condition EtcdIsVoter)`,
  `lab-1 | ${SEED} | Read the CA-pinned join tokens k3s wrote (kept in memory, redacted)`,
  `lab-2,lab-3 | ${JOINERS} | Wait until the API of the server to join is reachable on the private network`,
  `lab-2,lab-3 | ${JOINERS} | Ensure the CA-pinned server token is in place (0600)`,
  `lab-2,lab-3 | ${JOINERS} | Ensure the agent token the servers define is in place (0600)`,
  `lab-2,lab-3 | ${JOINERS} | Ensure k3s runs with the current binary, config and token`,
  `lab-2,lab-3 | ${JOINERS} | Wait until the Kubernetes API answers ready`,
  `lab-2,lab-3 | ${JOINERS} | Wait until this node is registered`,
  `lab-2,lab-3 | ${JOINERS} | Wait until this server is a voting etcd member (node condition EtcdIsVoter)`,
  `lab-4 | ${RUN_POOL} | Wait until the API of the server to join is reachable on the private network`,
  `lab-4 | ${RUN_POOL} | Ensure the CA-pinned agent token is in place (0600)`,
  `lab-4 | ${RUN_POOL} | Ensure k3s-agent runs with the current binary, config and token`,
  `lab-4 | ${RUN_POOL} | Wait until k3s-agent is active`,
  `lab-1 | ${CLUSTER} | Wait until every host of the region is a node`,
  `lab-1 | ${CLUSTER} | Wait until every server is a voting etcd member (health across members, not the local /readyz)`,
  `lab-1 | ${CLUSTER} | Ensure node labels and taints match the region (through the API)`,
  `lab-1 | ${CLUSTER} | Wait until the cert-manager CRDs exist`,
  `lab-1 | ${CLUSTER} | Wait until the cert-manager webhook admits requests (server-side dry run, as cmctl check api)`,
  `lab-1 | ${CLUSTER} | Fetch the operator kubeconfig (git-ignored, 0600, never printed)`,
];

/**
 * `upgrade --check` (to NEXT, after the failed attempt left lab-1 and lab-2 upgraded): what depends on the upgrade of
 * lab-3 and lab-4 happening in the run (their services and waits, the uncordon of lab-4); the service's input hash
 * under the binary download (its stat is not known before) and the waits read after it.
 */
const UPGRADE_UNPREDICTABLE = [
  `lab-3 | Upgrade k3s servers to ${NEXT} (one at a time, health-gated across members) | Ensure k3s runs the new binary`,
  `lab-3 | Upgrade k3s servers to ${NEXT} (one at a time, health-gated across members) | Wait until the Kubernetes API answers ready`,
  `lab-3 | Upgrade k3s servers to ${NEXT} (one at a time, health-gated across members) | Wait until this node is registered`,
  `lab-3 | Upgrade k3s servers to ${NEXT} (one at a time, health-gated across members) | Wait until this server is a voting etcd member (node condition EtcdIsVoter)`,
  `lab-3 | Upgrade k3s servers to ${NEXT} (one at a time, health-gated across members) | Wait until the node is Ready and reports ${NEXT}`,
  `lab-3 | Upgrade k3s servers to ${NEXT} (one at a time, health-gated across members) | Wait until every server is a voting etcd member (health across members)`,
  "lab-4 | Upgrade lab-4 (run pool) | Ensure k3s-agent runs the new binary",
  "lab-4 | Upgrade lab-4 (run pool) | Wait until k3s-agent is active",
  `lab-1 | Uncordon lab-4 (run pool) | Wait until the node is Ready and reports ${NEXT}`,
  "lab-1 | Uncordon lab-4 (run pool) | Uncordon lab-4",
];

/**
 * `reset --check`: stopping k3s and the cleanup commands do not predict what they remove, so every step after the
 * first of them reads what may have changed (honestly flagged; each matched the run here all the same).
 */
const RESET_UNPREDICTABLE = [
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Stop the containers k3s left running",
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Stop the gVisor sandboxes (runsc, its gofer and sandbox, the runsc shim)",
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Unmount what k3s mounted",
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Delete the CNI and flannel links",
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Remove k3s's iptables rules (other tables and the platform nftables table stay)",
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Ensure /usr/local/bin/k3s is absent",
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Ensure /usr/local/bin/kubectl is absent",
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Ensure /usr/local/bin/crictl is absent",
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Ensure /usr/local/bin/ctr is absent",
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Ensure /usr/local/bin/runsc is absent",
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Ensure /usr/local/bin/containerd-shim-runsc-v1 is absent",
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Ensure /etc/systemd/system/k3s.service is absent",
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Ensure /etc/systemd/system/k3s-agent.service is absent",
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Ensure /var/lib/region-bootstrapper/k3s.inputs-sha256 is absent",
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Ensure /var/lib/region-bootstrapper/k3s-agent.inputs-sha256 is absent",
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Ensure /etc/rancher/k3s is absent",
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Ensure /var/lib/rancher/k3s is absent",
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Ensure /var/lib/kubelet is absent",
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Ensure /run/k3s is absent",
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Ensure /run/flannel is absent",
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Ensure /var/lib/cni is absent",
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Ensure /etc/cni/net.d/10-flannel.conflist is absent",
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Ensure /run/containerd/runsc is absent",
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Ensure /usr/local/.rb-incoming is absent",
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Reload systemd after removing the units",
  "lab-1,lab-2,lab-3,lab-4 | Reset k3s | Verify nothing of k3s is left",
  "lab-1,lab-2,lab-3 | Reset k3s | Stop and disable k3s",
];

const sh = (host: string, command: string): Promise<string> => labShell(lab, host, command);
const exists = async (host: string, path: string): Promise<boolean> => (await lab.ssh(host, `test -e ${path}`)).code === 0;

interface LiveNode { metadata: { name: string; annotations?: Record<string, string> }; spec: { unschedulable?: boolean }; status: { nodeInfo: { kubeletVersion: string } } }
async function liveNodes(): Promise<LiveNode[]> {
  const doc = JSON.parse(await sh('lab-1', '/usr/local/bin/k3s kubectl get nodes -o json')) as { items: LiveNode[] };
  return doc.items;
}

/**
 * Debian's runsc (a real gVisor, older than the pinned release) when the lab's bundle has it (lab/bundle.ts fetches
 * it with apt), so the sha512 checks below run on a real runsc binary; otherwise the stand-in script.
 */
let realRunsc: { binary: Buffer; source: string } | null = null;

beforeAll(async () => {
  const bundleDir = (await loadRegion('lab', { labDir: lab.dir })).airgap?.bundleDir;
  const runsc = bundleDir ? [...loadBundle(bundleDir, { region: 'lab' }).byKey.values()].find((a) => a.component === 'gvisor' && a.asset === 'runsc' && a.source.startsWith('debian:')) : undefined;
  realRunsc = runsc ? { binary: readFileSync(runsc.path), source: runsc.source } : null;
  console.log(`playbooks-site: runsc served to the hosts: ${realRunsc ? `${realRunsc.source} (a real gVisor binary)` : 'the runsc TEST FIXTURE script (no Debian runsc in the lab bundle)'}`);
  mirror = await startK3sMirror(lab.info.gatewayIp, realRunsc ? { gvisor: { runsc: realRunsc.binary } } : {});
});
afterAll(async () => {
  await mirror?.close();
});

describe('gvisor, site, upgrade and reset on lab hosts', () => {
  it('gvisor refuses a runsc whose published sha512 does not match: nothing installed, no temp file left', async () => {
    const r = await region();
    mirror.corruptGvisor('runsc');
    try {
      const res = await play(gvisor, r, { limit: ['lab-4'] });
      expect(res.ok).toBe(false);
      expect(res.failures.join('\n')).toMatch(/lab-4: Ensure runsc .*: .*sha512 mismatch for http:\/\/[^ ]+\/runsc: expected [0-9a-f]{128}, got [0-9a-f]{128}/s);
      expect(await exists('lab-4', '/usr/local/bin/runsc')).toBe(false);
      expect(await sh('lab-4', 'ls -A /usr/local/bin')).not.toMatch(/\.rb-dl-/);
    } finally {
      mirror.corruptGvisor(null);
    }
  }, 300_000);

  it('site converges; a second run and a check run plan zero changes', async () => {
    const r = await region();
    // --check on the fresh hosts first: every step it does not flag is exactly what the run then does, and the steps
    // it flags (what no probe can show before the run: the seed's tokens, the API, waits) are exactly these
    const predicted = await play(site, r, { check: true });
    expect(predicted.failures).toEqual([]);
    const first = await play(site, r);
    expect(first.failures).toEqual([]);
    expect(first.ok).toBe(true);
    expect(checkDifferences(predicted, first, { exceptFlagged: true })).toEqual([]);
    expect(unpredictedSteps(predicted).sort(), unpredictedSteps(predicted, { why: true }).join('\n')).toEqual([...SITE_UNPREDICTABLE].sort());
    console.log(`site --check vs run: ${checkDifferences(predicted, first).length} flagged step(s) differed:\n  ${checkDifferences(predicted, first).join('\n  ')}`);
    const second = await play(site, r);
    expect(second.failures).toEqual([]);
    expect(second.changes).toEqual([]);
    // a check run writes nothing on the hosts: no file or directory under what the playbooks manage is newer
    // (mtime or ctime) than a sentinel planted just before it
    for (const h of ALL) await sh(h, 'touch /run/rb-check-sentinel');
    const check = await play(site, r, { check: true });
    expect(check.failures).toEqual([]);
    expect(check.changes).toEqual([]);
    for (const h of ALL) {
      const written = await sh(h, `find ${MANAGED.join(' ')} \\( -newer /run/rb-check-sentinel -o -cnewer /run/rb-check-sentinel \\) -print 2>/dev/null || true`);
      expect(written, `${h}: written by a check run`).toBe('');
    }
    expect(await nodeNames(lab, 'lab-1')).toEqual(ALL);
    // gVisor on the run pool (lab-4), containerd template for k3s < 1.31
    expect(await sh('lab-4', 'ls /usr/local/bin')).toMatch(/containerd-shim-runsc-v1[\s\S]*runsc/);
    if (realRunsc) {
      // the binary that passed the sha512 check is the real one, and it runs
      expect((await sh('lab-4', 'sha512sum /usr/local/bin/runsc')).split(' ')[0]).toBe(createHash('sha512').update(realRunsc.binary).digest('hex'));
      expect(await sh('lab-4', '/usr/local/bin/runsc --version')).toMatch(/^runsc version /);
    }
    // k3s v1.35 embeds containerd 2: the template is config-v3.toml.tmpl (K3S_RELEASES in regions/versions.ts)
    expect(await sh('lab-4', 'cat /var/lib/rancher/k3s/agent/etc/containerd/config-v3.toml.tmpl')).toContain('runtime_type = "io.containerd.runsc.v1"');
    expect(await exists('lab-1', '/usr/local/bin/runsc')).toBe(false);
    // private network persisted
    expect(await sh('lab-1', 'systemctl is-enabled platform-private-network.service')).toBe('enabled\n');
  }, 1_200_000);

  it('a runsc with a mismatching sha512 never replaces the installed one', async () => {
    const before = await sh('lab-4', 'sha512sum /usr/local/bin/runsc');
    const r = await region({ gvisorVersion: '20991231' });
    mirror.corruptGvisor('runsc');
    try {
      const res = await play(gvisor, r, { limit: ['lab-4'] });
      expect(res.ok).toBe(false);
      expect(res.failures.join('\n')).toMatch(/sha512 mismatch for http:\/\/[^ ]+\/20991231\/x86_64\/runsc/);
      expect(await sh('lab-4', 'sha512sum /usr/local/bin/runsc')).toBe(before);
      expect(await sh('lab-4', 'ls -A /usr/local/bin')).not.toMatch(/\.rb-dl-/);
    } finally {
      mirror.corruptGvisor(null);
    }
  }, 300_000);

  it('upgrade: a server that does not come back ready stops the rollout before the next node is touched', async () => {
    const r = await region({ version: NEXT });
    const before = await liveNodes();
    expect(before.map((n) => n.metadata.name).sort()).toEqual(ALL);
    const old = before[0]!.status.nodeInfo.kubeletVersion;
    expect(old).not.toBe(NEXT);
    await sh('lab-2', "printf 'ready=never\\n' > /etc/k3s-test-fixture.conf");
    const res = await play(upgrade, r);
    expect(res.ok).toBe(false);
    expect(res.failures.join('\n')).toMatch(/lab-2: Wait until the Kubernetes API answers ready: .*timed out after 40 s/s);
    expect(res.stopped).toMatch(/Upgrade k3s servers/);
    expect(firstTouch(res, 'lab-3')).toBeUndefined();
    expect(res.events.some((e) => e.type === 'play.start' && /^(Drain|Upgrade lab-4)/.test(e.play))).toBe(false);
    const nodes = await liveNodes();
    expect(nodes.map((n) => n.metadata.name).sort()).toEqual(ALL);
    const byName = new Map(nodes.map((n) => [n.metadata.name, n]));
    expect(byName.get('lab-1')!.status.nodeInfo.kubeletVersion).toBe(NEXT);
    expect(byName.get('lab-3')!.status.nodeInfo.kubeletVersion).toBe(old);
    expect(byName.get('lab-4')!.status.nodeInfo.kubeletVersion).toBe(old);
    expect(byName.get('lab-4')!.spec.unschedulable ?? false).toBe(false);
    expect(await sh('lab-3', '/usr/local/bin/k3s --version')).toContain(old);
    // lab-2 recovers
    await sh('lab-2', 'rm -f /etc/k3s-test-fixture.conf && systemctl restart --no-block k3s');
  }, 900_000);

  it('upgrade then moves every node to the new version one step at a time, and a re-run changes nothing', async () => {
    const r = await region({ version: NEXT });
    // lab-2 was restarted without waiting at the end of the test before: let its API answer first, so what --check
    // can see (and so what it flags) does not depend on how fast it came back
    await sh('lab-2', 'for i in $(seq 25); do /usr/local/bin/k3s kubectl get --raw /readyz >/dev/null 2>&1 && exit 0; sleep 1; done; exit 1');
    const predicted = await play(upgrade, r, { check: true });
    expect(predicted.failures).toEqual([]);
    const res = await play(upgrade, r);
    expect(res.failures).toEqual([]);
    expect(checkDifferences(predicted, res, { exceptFlagged: true })).toEqual([]);
    expect(unpredictedSteps(predicted).sort(), unpredictedSteps(predicted, { why: true }).join('\n')).toEqual([...UPGRADE_UNPREDICTABLE].sort());
    const plays = res.events.filter((e) => e.type === 'play.start').map((e) => (e as { play: string }).play);
    expect(plays[0]).toMatch(/^Upgrade preflight: no downgrade, no skipped minor/);
    expect(plays[1]).toMatch(/Upgrade k3s servers/);
    expect(plays).toContain('Drain lab-4 (run pool)');
    // lab-4 was drained (cordoned, annotated) before its binary changed, and uncordoned after
    const drainIdx = res.events.findIndex((e) => e.type === 'task.result' && e.task.startsWith('Drain lab-4') && e.status === 'changed');
    const agentBinIdx = res.events.findIndex((e) => e.type === 'task.result' && e.host === 'lab-4' && e.task.startsWith('Ensure the k3s') && e.status === 'changed');
    expect(drainIdx).toBeGreaterThan(-1);
    expect(agentBinIdx).toBeGreaterThan(drainIdx);
    const nodes = await liveNodes();
    expect(nodes.map((n) => n.metadata.name).sort()).toEqual(ALL);
    for (const n of nodes) {
      expect(n.status.nodeInfo.kubeletVersion, n.metadata.name).toBe(NEXT);
      expect(n.spec.unschedulable ?? false, n.metadata.name).toBe(false);
      expect(n.metadata.annotations?.['platform.upgrade/drained'], n.metadata.name).toBeUndefined();
    }
    const again = await play(upgrade, r);
    expect(again.failures).toEqual([]);
    expect(again.changes).toEqual([]);
  }, 900_000);

  it('reset cleans processes, mounts, links and iptables rules k3s leaves, keeps the firewall and foreign rules, and is idempotent', async () => {
    const r = await region({ version: NEXT });
    // what a real k3s node leaves behind, made by hand on a server and on the agent
    const leftovers = [
      'mkdir -p /var/lib/rancher/k3s/data/current/bin && cp /bin/sleep /var/lib/rancher/k3s/data/current/bin/containerd-shim-runc-v2',
      'setsid /var/lib/rancher/k3s/data/current/bin/containerd-shim-runc-v2 3600 </dev/null >/dev/null 2>&1 &',
      'mkdir -p /run/k3s/containerd/io.containerd.runtime.v2.task/k8s.io/abc /var/lib/kubelet/pods/p1/volumes/kubernetes.io~empty-dir/data',
      'mount -t tmpfs tmpfs /run/k3s/containerd/io.containerd.runtime.v2.task/k8s.io/abc',
      'mount -t tmpfs tmpfs /var/lib/kubelet/pods/p1/volumes/kubernetes.io~empty-dir/data',
      'ip link add cni0 type bridge && ip link add flannel.1 type bridge',
      'iptables -N KUBE-SERVICES && iptables -A INPUT -j KUBE-SERVICES && iptables -N FLANNEL-FWD && iptables -A FLANNEL-FWD -s 10.42.0.0/16 -j ACCEPT',
      'iptables -t nat -N CNI-HOSTPORT-DNAT && iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT',
      'iptables -N FOREIGN-KEEP && iptables -A FOREIGN-KEEP -p tcp --dport 9999 -j ACCEPT',
    ].join('\n');
    for (const h of ['lab-1', 'lab-4']) {
      await sh(h, leftovers);
      // ([/] keeps pgrep from matching the shell that runs it)
      expect(await sh(h, "pgrep -f '[/]var/lib/rancher/k3s/data/current/bin/containerd-shim' | wc -l")).toBe('1\n');
      expect(await sh(h, "awk '$2 ~ \"^(/run/k3s|/var/lib/kubelet)\"' /proc/self/mounts | wc -l")).toBe('2\n');
    }
    // a whole-region reset must name the region (--confirm): refused before any host is contacted
    await expect(play(reset, r)).rejects.toThrow(/reset of region 'lab' without --limit would uninstall k3s from all 4 hosts \(no --confirm; expected --confirm lab/);
    expect(await sh('lab-1', 'systemctl is-active k3s')).toBe('active\n');
    const predicted = await play(reset, r, { confirm: 'lab', check: true });
    expect(predicted.failures).toEqual([]);
    const res = await play(reset, r, { confirm: 'lab' });
    expect(res.failures).toEqual([]);
    expect(checkDifferences(predicted, res, { exceptFlagged: true })).toEqual([]);
    expect(unpredictedSteps(predicted).sort(), unpredictedSteps(predicted, { why: true }).join('\n')).toEqual([...RESET_UNPREDICTABLE].sort());
    for (const h of ['lab-1', 'lab-4']) {
      const changed = res.events.filter((e) => e.type === 'task.result' && e.host === h && e.status === 'changed').map((e) => (e as { task: string }).task);
      expect(changed).toEqual(expect.arrayContaining([
        'Stop the containers k3s left running',
        'Unmount what k3s mounted',
        'Delete the CNI and flannel links',
        "Remove k3s's iptables rules (other tables and the platform nftables table stay)",
      ]));
      expect(await sh(h, "pgrep -f '[/]var/lib/rancher/k3s/' | wc -l")).toBe('0\n');
      expect(await sh(h, "awk '$2 ~ \"^(/run/k3s|/var/lib/kubelet|/var/lib/rancher)\"' /proc/self/mounts | wc -l")).toBe('0\n');
      expect((await lab.ssh(h, 'ip link show cni0')).code).not.toBe(0);
      expect((await lab.ssh(h, 'ip link show flannel.1')).code).not.toBe(0);
      const rules = await sh(h, 'iptables-save');
      expect(rules).not.toMatch(/KUBE-|CNI-|FLANNEL/);
      expect(rules).toContain('-A FOREIGN-KEEP -p tcp -m tcp --dport 9999 -j ACCEPT');
    }
    for (const h of ALL) {
      expect((await lab.ssh(h, 'test -e /usr/local/bin/k3s || test -e /var/lib/rancher/k3s || test -e /etc/rancher/k3s')).code).not.toBe(0);
      expect(await sh(h, 'nft list tables')).toMatch(/table inet platform/);
    }
    const again = await play(reset, r, { confirm: 'lab' });
    expect(again.failures).toEqual([]);
    expect(again.changes).toEqual([]);
  }, 600_000);
});
