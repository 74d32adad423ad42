/**
 * The k3s playbook end to end on lab hosts, up to the binary: the k3s TEST FIXTURE (not k3s, see
 * test/fixtures/k3s-test-fixture.README.md) is served from a local mirror in the release layout. Three servers
 * (lab-1 cluster-init, lab-2 and lab-3 join one at a time, serial 1) and one run-pool agent (lab-4).
 * Checks: a checksum mismatch is refused; the health gate of a server really waits (lab-1 is not ready for a
 * while, and no other host is touched before it is) and a gate that fails stops the rollout before the next
 * server is touched (lab-2 never becomes ready: lab-3 and lab-4 stay untouched); then the flow converges with
 * exactly the four nodes; a second run and a check run plan zero changes; label and taint values changed in the
 * region reach the nodes through the API (which refuses them without --overwrite, as kubectl does); tokens
 * never appear in ps, unit files, config or run output; token files are 0600; the kubeconfig is local, 0600,
 * with the endpoint rewritten. Issue 10: the join target follows the cluster's state (after a reset of the first
 * server it joins the live cluster; a token mismatch stops the run before any server is touched), joiners hold the
 * CA-pinned tokens k3s writes and refuse another CA, and every server must be a voting etcd member.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegion } from '../../regions/load';
import type { Region, ResolvedHost } from '../../regions/types';
import firewall from '../../playbooks/firewall';
import k3s from '../../playbooks/k3s';
import resetPlaybook from '../../playbooks/reset';
import restore from '../../playbooks/restore';
import { decryptToken, readBackup } from '../../playbooks/tasks/k3s-token-backup';
import { useLab } from '../support/lab';
import { startK3sMirror, type K3sMirror } from './k3s-mirror';
import { checkDifferences, firstTouch, firstTouchIndex, labShell, nodeNames, play, unpredictedSteps, withHostVars } from './playbooks-support';

const lab = useLab({ id: 'pb-k3s', hosts: 4 });
let mirror: K3sMirror;
const ALL = ['lab-1', 'lab-2', 'lab-3', 'lab-4'];
const RUN_TAINT = { key: 'platform/run', value: 'gvisor', effect: 'NoSchedule' } as const;

/** lab-1..lab-3 servers, lab-4 a run-pool agent; k3s from the local mirror; readiness gates bounded at 40 s. */
async function region(runHost: Partial<ResolvedHost> = {}): Promise<Region> {
  // The mirror path (hosts download from a local mirror), not the lab's bundle (playbooks-airgap.test.ts).
  const { airgap: _bundle, ...base } = await loadRegion('lab', { labDir: lab.dir });
  const ctrl = base.pools.ctrl![0]!;
  const hosts: ResolvedHost[] = base.hosts.map((h) => {
    if (h.name === 'lab-2' || h.name === 'lab-3') return { ...h, pool: 'ctrl', labels: { ...ctrl.labels }, taints: [...ctrl.taints] };
    if (h.name === 'lab-4') return { ...h, pool: 'run', labels: { 'node.platform/pool': 'run', 'platform/zone': 'lab-a' }, taints: [RUN_TAINT], ...runHost };
    return h;
  });
  const r: Region = {
    ...base,
    k3s: { ...base.k3s, mirrorUrl: mirror.url },
    hosts,
    pools: { ctrl: hosts.filter((h) => h.pool === 'ctrl'), run: hosts.filter((h) => h.pool === 'run') },
  };
  expect(r.pools.ctrl!.map((h) => h.name)).toEqual(['lab-1', 'lab-2', 'lab-3']);
  return withHostVars(r, {
    kubeconfigPath: join(lab.dir, 'kubeconfig.yaml'),
    firewallRollbackSeconds: 30,
    k3sReadyTimeoutSeconds: 40,
    tokenBackupPath: join(lab.dir, 'k3s-server-token.enc'),
    backupPassphrase: 'lab backup passphrase, not a real one',
  });
}

/**
 * The steps `k3s --check` says it cannot predict when lab-1 and lab-2 run k3s and lab-3 (server) and lab-4 (agent)
 * are fresh: waits on what this run starts, node metadata of nodes not registered yet, the service's input hash under
 * the binary download (its stat is not known before), and facts read after those changes (CRDs, server token for
 * the backup, kubeconfig).
 */
const JOINERS = 'Further k3s servers (join the seed one at a time, while the cluster is healthy)';
const RUN_POOL = 'k3s agents: run pool (join with the CA-pinned agent token, run labels and taints)';
const CLUSTER = 'Cluster: etcd members, node labels and taints, cert-manager, operator kubeconfig (on the seed)';
const K3S_UNPREDICTABLE = [
  `lab-3 | ${JOINERS} | Ensure k3s runs with the current binary, config and token`,
  `lab-3 | ${JOINERS} | Wait until the Kubernetes API answers ready`,
  `lab-3 | ${JOINERS} | Wait until this node is registered`,
  `lab-3 | ${JOINERS} | Wait until this server is a voting etcd member (node condition EtcdIsVoter)`,
  `lab-4 | ${RUN_POOL} | Ensure k3s-agent runs with the current binary, config and token`,
  `lab-4 | ${RUN_POOL} | Wait until k3s-agent is active`,
  `lab-1 | ${CLUSTER} | Wait until every host of the region is a node`,
  `lab-1 | ${CLUSTER} | Wait until every server is a voting etcd member (health across members, not the local /readyz)`,
  `lab-1 | ${CLUSTER} | Ensure node labels and taints match the region (through the API)`,
  `lab-1 | ${CLUSTER} | Wait until the cert-manager CRDs exist`,
  `lab-1 | ${CLUSTER} | Wait until the cert-manager webhook admits requests (server-side dry run, as cmctl check api)`,
  `lab-1 | ${CLUSTER} | Keep an encrypted copy of the server token with the region's secrets (the datastore passphrase)`,
  `lab-1 | ${CLUSTER} | Fetch the operator kubeconfig (git-ignored, 0600, never printed)`,
];

const sh = (host: string, command: string): Promise<string> => labShell(lab, host, command);
const exists = async (host: string, path: string): Promise<boolean> => (await lab.ssh(host, `test -e ${path}`)).code === 0;

beforeAll(async () => {
  mirror = await startK3sMirror(lab.info.gatewayIp);
});
afterAll(async () => {
  await mirror?.close();
});

describe('k3s playbook on lab hosts (fixture binary from a local mirror)', () => {
  it('refuses a binary whose checksum does not match the release checksum file', async () => {
    mirror.corrupt(true);
    try {
      // (no --limit: the join target needs every server's state; the seed lab-1 fails first and stops the run)
      const res = await play(k3s, await region());
      expect(res.ok).toBe(false);
      expect(res.failures.join('\n')).toMatch(/sha256 mismatch/);
      expect(res.stopped).toMatch(/k3s seed server/);
      expect(await exists('lab-1', '/usr/local/bin/k3s')).toBe(false);
    } finally {
      mirror.corrupt(false);
    }
  }, 300_000);

  it('waits for a slow first server, and a server that never gets ready stops the rollout before the next one is touched', async () => {
    const r = await region();
    expect((await play(firewall, r)).failures).toEqual([]);
    // fixture knobs (test/fixtures/k3s-test-fixture.README.md): lab-1's API is not ready for 20 s after start,
    // lab-2's never
    await sh('lab-1', "printf 'ready-after-seconds=20\\n' > /etc/k3s-test-fixture.conf");
    await sh('lab-2', "printf 'ready=never\\n' > /etc/k3s-test-fixture.conf");
    const res = await play(k3s, r);
    expect(res.ok).toBe(false);
    // the gate on lab-1 waited: nothing on another host started before lab-1's API was ready
    const readyAt = Number(await sh('lab-1', 'cat /var/lib/rancher/k3s/fixture/ready-at')) * 1000;
    const lab2Start = firstTouch(res, 'lab-2');
    expect(lab2Start, 'lab-2 was touched').toBeDefined();
    expect(lab2Start!).toBeGreaterThanOrEqual(readyAt);
    const gate1 = res.events.find((e) => e.type === 'task.result' && e.host === 'lab-1' && e.task === 'Wait until the Kubernetes API answers ready');
    expect(gate1 && gate1.type === 'task.result' && gate1.status).toBe('changed'); // it had to wait
    // lab-2's gate failed after its bound, the play stopped, and lab-3 (next server) and lab-4 (agent) were not touched
    expect(res.failures.join('\n')).toMatch(/lab-2: Wait until the Kubernetes API answers ready: .*timed out after 40 s/s);
    expect(res.stopped).toMatch(/Further k3s servers/);
    expect(firstTouch(res, 'lab-3')).toBeUndefined();
    expect(firstTouch(res, 'lab-4')).toBeUndefined();
    for (const h of ['lab-3', 'lab-4']) {
      expect(await exists(h, '/etc/rancher/k3s')).toBe(false);
      expect(await exists(h, '/usr/local/bin/k3s')).toBe(false);
    }
    expect(await nodeNames(lab, 'lab-1')).toEqual(['lab-1']);
    // back to normal for the next tests: no knobs, lab-2 restarted
    await sh('lab-1', 'rm -f /etc/k3s-test-fixture.conf');
    await sh('lab-2', 'rm -f /etc/k3s-test-fixture.conf && systemctl restart --no-block k3s');
  }, 900_000);

  it('bootstraps three servers one at a time and an agent, then a second run and a check run change nothing', async () => {
    const r = await region();
    // cert-manager's webhook serves 20 s from now on the seed (fixture knob; its CRDs exist at once): the play must
    // wait for the webhook, not only for the CRDs, or the first `kubectl apply -k` fails on its Issuers. The fixture
    // counts from the later of the HelmChart manifest's mtime and the server's ready time (a manifest written by
    // this play only moves it later).
    const webhookAt = Date.now() + 20_000;
    const since = Number(await sh('lab-1', 'm=$(stat -c %Y /var/lib/rancher/k3s/server/manifests/cert-manager.yaml 2>/dev/null || echo 0); r=$(cut -d. -f1 /var/lib/rancher/k3s/fixture/ready-at 2>/dev/null || echo 0); [ "$m" -gt "$r" ] && echo "$m" || echo "$r"')) * 1000;
    await sh('lab-1', `printf 'cert-manager-webhook-after-seconds=%d\\n' ${since === 0 ? 20 : Math.ceil((webhookAt - since) / 1000)} > /etc/k3s-test-fixture.conf`);
    // --check first, on this half-built cluster (lab-1 runs, lab-2 was restarted, lab-3 and lab-4 are fresh): every
    // step it does not flag is exactly what the run does; it flags exactly what depends on lab-3/lab-4 starting k3s
    const predicted = await play(k3s, r, { check: true });
    expect(predicted.failures).toEqual([]);
    const first = await play(k3s, r);
    await sh('lab-1', 'rm -f /etc/k3s-test-fixture.conf');
    expect(checkDifferences(predicted, first, { exceptFlagged: true })).toEqual([]);
    expect(unpredictedSteps(predicted).sort(), unpredictedSteps(predicted, { why: true }).join('\n')).toEqual([...K3S_UNPREDICTABLE].sort());
    expect(first.failures).toEqual([]);
    expect(first.ok).toBe(true);
    const webhookStep = first.events.findIndex((e) => e.type === 'task.result' && e.host === 'lab-1' && (e as { task: string }).task.startsWith('Wait until the cert-manager webhook admits requests'));
    expect(webhookStep, 'the webhook wait ran on the seed').toBeGreaterThan(-1);
    expect((first.events[webhookStep] as { status: string }).status).toBe('changed'); // it had to wait
    expect(first.eventTimes[webhookStep]!).toBeGreaterThanOrEqual(webhookAt - 1000);
    expect(mirror.requests.some((u) => u.endsWith('/k3s'))).toBe(true);
    // every server's state is read and the join target decided first; then the seed, then the others one at a time
    const starts = first.events.filter((e) => e.type === 'play.start').map((e) => (e as { play: string }).play);
    expect(starts.slice(0, 4).map((p) => p.split(' (')[0])).toEqual(['k3s cluster state', 'k3s join target', 'k3s seed server', 'Further k3s servers']);
    expect(JSON.stringify(first.events)).toContain('lab-1 is a live member; lab-3 join it');
    const gate2 = first.events.findIndex((e) => e.type === 'task.result' && e.host === 'lab-2' && e.task === 'Wait until this node is registered');
    const lab3First = firstTouchIndex(first, 'lab-3'); // (the read-only state probe every server answers first is no touch)
    expect(gate2).toBeGreaterThan(-1);
    expect(lab3First).toBeGreaterThan(gate2);

    const second = await play(k3s, r);
    expect(second.failures).toEqual([]);
    expect(second.changes).toEqual([]);
    const check = await play(k3s, r, { check: true });
    expect(check.changes).toEqual([]);
    // a check limited to an agent (the first server's tokens are not read) also plans nothing
    const limited = await play(k3s, r, { check: true, limit: ['lab-4'] });
    expect(limited.failures).toEqual([]);
    expect(limited.changes).toEqual([]);

    const nodes = JSON.parse(await sh('lab-1', '/usr/local/bin/k3s kubectl get nodes -o json')) as { items: { metadata: { name: string; labels: Record<string, string> }; spec: { taints?: { key: string }[] } }[] };
    expect(nodes.items.map((n) => n.metadata.name).sort()).toEqual(ALL);
    expect(await nodeNames(lab, 'lab-3')).toEqual(ALL); // every server answers for the whole cluster
    const run = nodes.items.find((n) => n.metadata.name === 'lab-4')!;
    expect(run.metadata.labels['node.platform/pool']).toBe('run');
    expect(run.spec.taints?.map((t) => t.key)).toContain('platform/run');

    // config.yaml from the region
    const cfg = await sh('lab-1', 'cat /etc/rancher/k3s/config.yaml');
    expect(cfg).toMatch(/^cluster-init: true$/m);
    expect(cfg).toMatch(/^secrets-encryption: true$/m);
    expect(cfg).toContain('enable-admission-plugins=NodeRestriction,PodNodeSelector');
    // flannel rides the private interface (eth1 in the lab), NodePorts only on the private network
    expect(cfg).toMatch(/^flannel-iface: "eth1"$/m);
    expect(cfg).toContain(`- "nodeport-addresses=${r.network.privateCidr}"`);
    expect(await sh('lab-4', 'cat /etc/rancher/k3s/config.yaml')).toMatch(/^flannel-iface: "eth1"$/m);
    for (const h of ['lab-2', 'lab-3']) expect(await sh(h, 'cat /etc/rancher/k3s/config.yaml')).toMatch(/^server: "?https:\/\/[0-9.]+:6443"?$/m);
    expect(await sh('lab-4', 'cat /etc/rancher/k3s/config.yaml')).toMatch(/^token-file: "\/etc\/rancher\/k3s\/agent-token"$/m);
    expect(await sh('lab-1', 'ls /var/lib/rancher/k3s/server/manifests')).toMatch(/cert-manager\.yaml/);

    // tokens: 0600 files only; never in ps, unit files, config or any run output
    const serverToken = (await sh('lab-1', 'cat /etc/rancher/k3s/server-token')).trim();
    const agentToken = (await sh('lab-1', 'cat /etc/rancher/k3s/agent-token')).trim();
    expect(serverToken.length).toBeGreaterThanOrEqual(32);
    for (const h of ALL) {
      for (const f of h === 'lab-4' ? ['agent-token'] : ['server-token', 'agent-token']) {
        expect(await sh(h, `stat -c %a /etc/rancher/k3s/${f}`)).toBe('600\n');
      }
      const visible = await sh(h, 'ps -eo args; cat /etc/systemd/system/k3s*.service /etc/rancher/k3s/config.yaml; systemctl show -p ExecStart k3s k3s-agent 2>/dev/null; cat /proc/*/cmdline 2>/dev/null | tr "\\0" " "');
      expect(visible).not.toContain(serverToken);
      expect(visible).not.toContain(agentToken);
    }
    // joiners hold the CA-pinned tokens k3s wrote on the seed: K10<sha256 of the cluster CA>::<user>:<password>
    const caHash = (await sh('lab-1', 'sha256sum /var/lib/rancher/k3s/fixture/cacerts')).split(' ')[0]!;
    const secureAgent = await sh('lab-1', 'cat /var/lib/rancher/k3s/server/agent-token');
    expect(secureAgent).toBe(`K10${caHash}::node:${agentToken}\n`);
    expect(await sh('lab-4', 'cat /etc/rancher/k3s/agent-token')).toBe(secureAgent);
    for (const h of ['lab-2', 'lab-3']) {
      expect(await sh(h, 'cat /etc/rancher/k3s/server-token')).toBe(`K10${caHash}::server:${serverToken}\n`);
      expect(await sh(h, 'cat /etc/rancher/k3s/agent-token')).toBe(`${agentToken}\n`);
    }
    // a joiner refuses a server whose CA is not the pinned one
    const refused = await lab.ssh('lab-4', `cp -p /etc/rancher/k3s/agent-token /root/agent-token.keep && printf 'K10%s::node:x%s\\n' ${'0'.repeat(64)} "$(cut -d: -f4 /root/agent-token.keep)" > /etc/rancher/k3s/agent-token; timeout 20 /usr/local/bin/k3s agent; rc=$?; mv -f /root/agent-token.keep /etc/rancher/k3s/agent-token; exit $rc`, 60);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/token CA hash does not match the Cluster CA certificate hash/);
    // every server is a voting etcd member (the cluster play waited for it)
    for (const h of ['lab-1', 'lab-2', 'lab-3']) expect(await sh('lab-1', `/usr/local/bin/k3s kubectl get node ${h} -o 'jsonpath={.status.conditions[?(@.type=="EtcdIsVoter")].status}'`)).toBe('True');
    const output = JSON.stringify([first.events, second.events, check.events]);
    expect(output).not.toContain(serverToken);
    expect(output).not.toContain(agentToken);

    // the operator kubeconfig: local, 0600, endpoint rewritten, key never printed
    const kc = join(lab.dir, 'kubeconfig.yaml');
    expect(statSync(kc).mode & 0o777).toBe(0o600);
    const kubeconfigText = readFileSync(kc, 'utf8');
    expect(kubeconfigText).toContain(`server: https://${r.pools.ctrl![0]!.publicIp}:6443`);
    const key = /client-key-data: (\S+)/.exec(kubeconfigText)![1]!;
    expect(output).not.toContain(key);

    // the encrypted server token backup (the datastore passphrase): local, 0600, decrypts to the token
    const backup = join(lab.dir, 'k3s-server-token.enc');
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    expect(readFileSync(backup, 'utf8')).not.toContain(serverToken);
    expect(decryptToken(readBackup(backup), 'lab backup passphrase, not a real one', backup)).toBe(serverToken);
  }, 900_000);

  it('a token mismatch between servers stops the run before any server is touched', async () => {
    const r = await region();
    const keep = await sh('lab-2', 'cat /etc/rancher/k3s/server-token');
    await sh('lab-2', "printf 'K10%s::server:SomeOtherClustersToken0123456789\\n' \"$(sha256sum /var/lib/rancher/k3s/fixture/cacerts | cut -d' ' -f1)\" > /etc/rancher/k3s/server-token");
    try {
      const before = await sh('lab-2', 'systemctl show -p ActiveEnterTimestamp k3s');
      const res = await play(k3s, r);
      expect(res.ok).toBe(false);
      expect(res.stopped).toMatch(/k3s join target/);
      expect(res.failures.join('\n')).toMatch(/the servers' join tokens differ \(lab-1 token [0-9a-f]{12}…, lab-2 token [0-9a-f]{12}….*Nothing was changed/);
      expect(res.changes).toEqual([]);
      for (const h of ALL) expect(firstTouch(res, h)).toBeUndefined();
      expect(await sh('lab-2', 'systemctl show -p ActiveEnterTimestamp k3s')).toBe(before);
    } finally {
      await sh('lab-2', `printf '%s' '${keep.replace(/'/g, '')}' > /etc/rancher/k3s/server-token`);
    }
    expect((await play(k3s, r)).changes).toEqual([]);
  }, 600_000);

  it('after a reset of the first server, k3s joins it to the live cluster instead of starting a second one', async () => {
    const r = await region();
    const caBefore = await sh('lab-2', 'sha256sum /var/lib/rancher/k3s/fixture/cacerts');
    const lab2Start = await sh('lab-2', 'systemctl show -p ActiveEnterTimestamp k3s');
    const reset = await play(resetPlaybook, r, { limit: ['lab-1'] });
    expect(reset.failures).toEqual([]);
    expect(reset.changes.join('\n')).toMatch(/lab-1: Remove this server from the cluster .*k3s kubectl delete node lab-1/);
    expect(await exists('lab-1', '/var/lib/rancher/k3s')).toBe(false);
    expect(await nodeNames(lab, 'lab-2')).toEqual(['lab-2', 'lab-3', 'lab-4']); // the cluster lives on without lab-1
    const again = await play(k3s, r);
    expect(again.failures).toEqual([]);
    expect(JSON.stringify(again.events)).toContain('lab-2 is a live member; lab-1 join it');
    // one cluster: lab-1 joined lab-2 with the CA-pinned token and holds the same CA; every server sees every node
    const cfg = await sh('lab-1', 'cat /etc/rancher/k3s/config.yaml');
    expect(cfg).not.toMatch(/cluster-init/);
    expect(cfg).toMatch(new RegExp(`^server: "https://${r.pools.ctrl![1]!.privateIp}:6443"$`, 'm'));
    expect(await sh('lab-1', 'sha256sum /var/lib/rancher/k3s/fixture/cacerts')).toBe(caBefore);
    for (const h of ['lab-1', 'lab-2', 'lab-3']) expect(await nodeNames(lab, h)).toEqual(ALL);
    // the live members were not restarted, and a second run changes nothing
    expect(await sh('lab-2', 'systemctl show -p ActiveEnterTimestamp k3s')).toBe(lab2Start);
    expect((await play(k3s, r)).changes).toEqual([]);
  }, 900_000);

  it('restores the cluster from an etcd snapshot: the data goes back, every server rejoins and votes', async () => {
    const r0 = await region();
    await sh('lab-1', '/usr/local/bin/k3s etcd-snapshot save --name before-change');
    const snap = (await sh('lab-1', 'ls /var/lib/rancher/k3s/server/db/snapshots')).split('\n').find((f) => f.startsWith('before-change-lab-1-'))!;
    expect(snap).toBeDefined();
    await sh('lab-1', '/usr/local/bin/k3s kubectl label node lab-4 restore-test=after');
    // guarded: the region must be named, the snapshot must exist (checked before anything stops)
    await expect(play(restore, r0)).rejects.toThrow(/expected --confirm lab/);
    const missing = await play(restore, withHostVars(r0, { snapshot: 'no-such-snapshot' }), { confirm: 'lab' });
    expect(missing.ok).toBe(false);
    expect(missing.stopped).toMatch(/Restore preflight/);
    expect(missing.changes).toEqual([]);
    expect(await sh('lab-2', 'systemctl is-active k3s')).toBe('active\n');

    const res = await play(restore, withHostVars(r0, { snapshot: snap }), { confirm: 'lab' });
    expect(res.failures).toEqual([]);
    expect(res.changes.join('\n')).toMatch(/lab-1: Reset the cluster to the snapshot/);
    for (const h of ['lab-1', 'lab-2', 'lab-3']) {
      expect(await nodeNames(lab, h)).toEqual(ALL);
      expect(await sh('lab-1', `/usr/local/bin/k3s kubectl get node ${h} -o 'jsonpath={.status.conditions[?(@.type=="EtcdIsVoter")].status}'`)).toBe('True');
    }
    const node = JSON.parse(await sh('lab-3', '/usr/local/bin/k3s kubectl get node lab-4 -o json')) as { metadata: { labels: Record<string, string> } };
    expect(node.metadata.labels['restore-test']).toBeUndefined(); // the change after the snapshot is gone
    // the restored cluster is what the k3s playbook expects: nothing to change
    expect((await play(k3s, r0)).changes).toEqual([]);
  }, 900_000);

  it('reconciles changed label and taint values through the API (flags only apply at registration; kubectl needs --overwrite)', async () => {
    const changed = await region({ labels: { 'node.platform/pool': 'run', 'platform/zone': 'lab-b' }, taints: [{ ...RUN_TAINT, value: 'runsc' }] });
    expect(await nodeNames(lab, 'lab-1')).toEqual(ALL);
    const res = await play(k3s, changed);
    expect(res.failures).toEqual([]);
    expect(res.changes.join('\n')).toMatch(/labels\/taints of lab-4/);
    const node = JSON.parse(await sh('lab-1', '/usr/local/bin/k3s kubectl get node lab-4 -o json')) as { metadata: { labels: Record<string, string> }; spec: { taints: { key: string; value?: string; effect: string }[] } };
    expect(node.metadata.labels['platform/zone']).toBe('lab-b');
    expect(node.spec.taints.filter((t) => t.key === 'platform/run')).toEqual([{ key: 'platform/run', value: 'runsc', effect: 'NoSchedule' }]);
    expect((await play(k3s, changed)).changes).toEqual([]);
  }, 600_000);
});
