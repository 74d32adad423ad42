/** The k3s config rendered from the shipped regions, the k3s playbook's shape, and its tasks' plans. */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadRegion } from '../../regions/load';
import { Secret, redact } from '../../playbooks/core';
import k3s from '../../playbooks/k3s';
import { renderCertManager, renderK3sConfig, renderK3sUnit } from '../../playbooks/k3s-config';
import { k3sAsset } from '../../playbooks/k3s-release';
import { regionHost } from '../../playbooks/region-hosts';
import { tokenFile } from '../../playbooks/tasks/k3s-join-tokens';
import { clusterState, K3sCluster, planCluster, readSecureTokens, type ServerState } from '../../playbooks/tasks/k3s-cluster-state';
import { rewriteKubeconfig } from '../../playbooks/tasks/k3s-kubeconfig';
import { nodeMetadataCommands } from '../../playbooks/tasks/k3s-node-metadata';
import { fakeHost } from './support/fake-host';

const NET = { privateInterface: 'enp7s0' };

describe('k3s config.yaml', () => {
  it('first server: cluster-init, token files, CIDRs, backend, node-ip, tls-san, secrets encryption, admission plugins', async () => {
    const region = await loadRegion('eu-central-1');
    const cfg = parse(renderK3sConfig(region, regionHost(region, 'ctrl-1'), NET)) as Record<string, unknown>;
    expect(cfg).toMatchObject({
      'cluster-init': true,
      'token-file': '/etc/rancher/k3s/server-token',
      'agent-token-file': '/etc/rancher/k3s/agent-token',
      'cluster-cidr': '10.42.0.0/16',
      'service-cidr': '10.43.0.0/16',
      'flannel-backend': 'wireguard-native',
      'node-ip': '10.0.0.11',
      'node-name': 'ctrl-1',
      'secrets-encryption': true,
      'kube-apiserver-arg': ['enable-admission-plugins=NodeRestriction,PodNodeSelector,PodTolerationRestriction'],
      'tls-san': ['10.0.0.11', '203.0.113.11'],
      'node-label': ['node.platform/pool=ctrl'],
      'node-taint': ['node-role.kubernetes.io/control-plane:NoSchedule'],
      'flannel-iface': 'enp7s0',
      'kube-proxy-arg': ['nodeport-addresses=10.0.0.0/16'],
    });
    expect(cfg).not.toHaveProperty('server');
    expect(cfg).not.toHaveProperty('disable');
    expect(cfg).not.toHaveProperty('token');
  });

  it('further servers join the first one; agents use the agent token with their pool labels and taints', async () => {
    const region = await loadRegion('eu-central-1');
    const ctrl2 = parse(renderK3sConfig(region, regionHost(region, 'ctrl-2'), NET)) as Record<string, unknown>;
    expect(ctrl2.server).toBe('https://10.0.0.11:6443');
    expect(ctrl2).not.toHaveProperty('cluster-init');
    const run1 = parse(renderK3sConfig(region, regionHost(region, 'run-1'), NET)) as Record<string, unknown>;
    expect(run1).toMatchObject({
      server: 'https://10.0.0.11:6443',
      'token-file': '/etc/rancher/k3s/agent-token',
      'node-ip': '10.0.1.21',
      'node-label': ['node.platform/pool=run'],
      'node-taint': ['platform/run=gvisor:NoSchedule'],
    });
    expect(run1).not.toHaveProperty('agent-token-file');
    expect(run1).not.toHaveProperty('secrets-encryption');
    const ops = parse(renderK3sConfig(region, regionHost(region, 'ops-1'), NET)) as Record<string, unknown>;
    // ops takes git SSH through ServiceLB, which runs only on nodes with the enablelb label (regions/k3s-cluster.ts)
    expect(ops['node-label']).toEqual(['node.platform/pool=ops', 'platform/storage=raid1', 'svccontroller.k3s.cattle.io/enablelb=true']);
    expect(ops).not.toHaveProperty('node-taint');
  });

  it('units carry no token and no flags: everything comes from config.yaml', async () => {
    const region = await loadRegion('us-east-1');
    for (const role of ['server', 'agent'] as const) {
      const unit = renderK3sUnit(region, role, '/usr/local/bin/k3s');
      expect(unit).toMatch(new RegExp(`^ExecStart=/usr/local/bin/k3s ${role}$`, 'm'));
      expect(unit.split('\n').filter((l) => !l.startsWith('#')).join('\n')).not.toMatch(/token/i);
    }
  });

  it('cert-manager HelmChart at the pinned version with CRDs', async () => {
    const region = await loadRegion('eu-central-1');
    const doc = parse(renderCertManager(region)) as { kind: string; spec: { version: string; chart: string; valuesContent: string } };
    expect(doc.kind).toBe('HelmChart');
    expect(doc.spec).toMatchObject({ chart: 'cert-manager', version: region.versions.certManager });
    // cert-manager v1.21 values.yaml: crds.enabled / crds.keep (installCRDs is deprecated)
    expect(parse(doc.spec.valuesContent)).toEqual({ crds: { enabled: true, keep: true } });
    expect(doc.spec.valuesContent).not.toContain('installCRDs');
  });

  it('release URLs: GitHub by default, the mirror in the same layout', async () => {
    const region = await loadRegion('eu-central-1');
    expect(k3sAsset(region, 'x86_64')).toEqual({
      binary: 'k3s',
      binaryUrl: 'https://github.com/k3s-io/k3s/releases/download/v1.35.8%2Bk3s1/k3s',
      checksumsUrl: 'https://github.com/k3s-io/k3s/releases/download/v1.35.8%2Bk3s1/sha256sum-amd64.txt',
    });
    expect(k3sAsset({ ...region, k3s: { ...region.k3s, mirrorUrl: 'http://mirror.internal/k3s/' } }, 'aarch64').binaryUrl).toBe('http://mirror.internal/k3s/v1.35.8%2Bk3s1/k3s-arm64');
    expect(() => k3sAsset(region, 'riscv64')).toThrow(/architecture 'riscv64'/);
  });
});

describe('k3s playbook', () => {
  it('reads every server, decides the join target, then the seed, the other servers one at a time, agents per pool, the cluster play', async () => {
    const pb = k3s.build(await loadRegion('eu-central-1'));
    const servers = ['ctrl-1', 'ctrl-2', 'ctrl-3'];
    expect(pb.plays.map((p) => [p.hosts, p.serial ?? null, p.maxFailPercent ?? null])).toEqual([
      [servers, null, 0],
      [servers, null, 0],
      [servers, null, 0],
      [servers, 1, 0],
      [['run-1', 'run-2', 'build-1', 'ops-1'], null, null],
      [['run-1', 'run-2'], null, null],
      [['build-1'], null, null],
      [['ops-1'], null, null],
      [servers, null, null],
    ]);
    expect(pb.plays[0]!.steps.map((s) => s.task.id)).toEqual(['k3s.cluster-state']);
    expect(pb.plays[1]!.steps.map((s) => [s.task.id, s.runOnce])).toEqual([['k3s.cluster-plan', true]]);
    expect(pb.plays[8]!.steps.map((s) => s.task.id)).toEqual(['wait.for', 'wait.for', 'k3s.node-metadata', 'wait.for', 'wait.for', 'k3s.token-backup', 'k3s.kubeconfig']);
  });
});

const state = (name: string, s: Partial<ServerState> = {}): [string, ServerState] => [name, { name, hasData: false, active: 'inactive', apiReady: false, caHash: null, tokenDigest: null, currentJoin: null, ...s }];
const CA = 'a'.repeat(64);
const TOKEN = 'b'.repeat(64);

describe('k3s join target (first-server choice follows the cluster state)', () => {
  it('a new cluster: the first server runs cluster-init, the others join it', async () => {
    const region = await loadRegion('eu-central-1');
    const plan = planCluster(region, new Map([state('ctrl-1'), state('ctrl-2'), state('ctrl-3')]));
    expect(plan).toMatchObject({ seed: 'ctrl-1', init: true, seedUrl: 'https://10.0.0.11:6443' });
    expect(plan.joins.get('ctrl-1')).toEqual({ init: true });
    expect(plan.joins.get('ctrl-3')).toEqual({ init: false, serverUrl: 'https://10.0.0.11:6443' });
  });

  it('after ctrl-1 was reset: ctrl-1 joins the live member ctrl-2; live members keep their lines (no restart)', async () => {
    const region = await loadRegion('eu-central-1');
    const member = { hasData: true, active: 'active', apiReady: true, caHash: CA, tokenDigest: TOKEN, currentJoin: { init: false as const, serverUrl: 'https://10.0.0.11:6443' } };
    const plan = planCluster(region, new Map([state('ctrl-1'), state('ctrl-2', member), state('ctrl-3', member)]));
    expect(plan).toMatchObject({ seed: 'ctrl-2', init: false, seedUrl: 'https://10.0.0.12:6443' });
    expect(plan.summary).toBe('ctrl-2 is a live member; ctrl-1 join it');
    expect(plan.joins.get('ctrl-1')).toEqual({ init: false, serverUrl: 'https://10.0.0.12:6443' });
    expect(plan.joins.get('ctrl-2')).toEqual(member.currentJoin);
    // nobody answers (e.g. after a power cut): the first server with data starts from it
    const down = { ...member, active: 'failed', apiReady: false };
    expect(planCluster(region, new Map([state('ctrl-1'), state('ctrl-2', down), state('ctrl-3', down)])).seed).toBe('ctrl-2');
  });

  it('two clusters or a token mismatch stop the run before any server is touched', async () => {
    const region = await loadRegion('eu-central-1');
    const a = { hasData: true, active: 'active', apiReady: true, caHash: CA, tokenDigest: TOKEN };
    expect(() => planCluster(region, new Map([state('ctrl-1', { ...a, caHash: 'c'.repeat(64) }), state('ctrl-2', a), state('ctrl-3', a)]))).toThrow(
      /^k3s: the servers hold different clusters \(ctrl-1 CA cccccccccccc…, ctrl-2 CA aaaaaaaaaaaa…, ctrl-3 CA aaaaaaaaaaaa…; expected one cluster CA\)\. Nothing was changed/,
    );
    expect(() => planCluster(region, new Map([state('ctrl-1', a), state('ctrl-2', { ...a, tokenDigest: 'd'.repeat(64) }), state('ctrl-3', a)]))).toThrow(/the servers' join tokens differ .*Nothing was changed/);
    expect(() => planCluster(region, new Map([state('ctrl-1'), state('ctrl-2')]))).toThrow(/state of servers ctrl-3 is unknown/);
  });

  it('the state probe parses what a server reports; secure tokens are read as secrets and must be K10<hash>::', async () => {
    const out = `data yes\nactive active\nready yes\nca ${CA}\njoin server: "https://10.0.0.11:6443"\ntoken ${TOKEN}\n`;
    const host = { ...fakeHost({ probes: { 'k3s.cluster-state': out } }), name: 'ctrl-2' };
    const cluster = new K3sCluster();
    await clusterState.plan(host, { store: cluster });
    expect(cluster.states.get('ctrl-2')).toEqual({ name: 'ctrl-2', hasData: true, active: 'active', apiReady: true, caHash: CA, tokenDigest: TOKEN, currentJoin: { init: false, serverUrl: 'https://10.0.0.11:6443' } });
    const server = `K10${CA}::server:S3rverTokenAbcdefghijklmnop`;
    const agent = `K10${CA}::node:AgentTokenZyxwvutsrqponm`;
    const tokens = fakeHost({ probes: { 'k3s.secure-tokens': `token ${server}\ntoken ${agent}\ntoken RawAgentToken0123456789\n` } });
    expect((await readSecureTokens.plan(tokens, { store: cluster })).kind).toBe('ok');
    expect(cluster.secureServer?.reveal()).toBe(server);
    expect(cluster.secureAgent?.reveal()).toBe(agent);
    expect(redact(`x ${server} y ${agent} z RawAgentToken0123456789`)).toBe('x *** y *** z ***');
    const raw = fakeHost({ probes: { 'k3s.secure-tokens': `token RawServerToken0123456789\ntoken ${agent}\ntoken RawAgentToken0123456789\n` } });
    await expect(readSecureTokens.plan(raw, { store: new K3sCluster() })).rejects.toThrow(/server token k3s wrote is not in the secure K10<ca-hash>/);
  });
});

describe('k3s tasks', () => {
  it('a token file is written 0600 with hidden content, and fails clearly when the token is unknown', async () => {
    const host = fakeHost({ probes: { 'file.state:/etc/rancher/k3s/agent-token': 'absent\n' } });
    const token = new Secret('AgentTokenForTheFileTest0123456789');
    const plan = await tokenFile.plan(host, { path: '/etc/rancher/k3s/agent-token', token: () => token, from: 'ctrl-1' });
    expect(plan.kind).toBe('change');
    if (plan.kind !== 'change') return;
    expect(plan.commands.map((c) => (typeof c === 'string' ? c : c.display)).join('\n')).toMatch(/root:root 600/);
    expect(JSON.stringify(plan.commands.map((c) => (typeof c === 'string' ? c : c.display)))).not.toContain(token.reveal());
    const unknown = await tokenFile.plan(host, { path: '/etc/rancher/k3s/agent-token', token: () => undefined, from: 'ctrl-1' });
    expect(unknown.kind === 'change' && typeof unknown.commands[0] !== 'string' && unknown.commands[0]!.run).toMatch(/join token of ctrl-1 is unknown/);
    // a --limit run without the first server keeps a token file that is already in place
    const present = fakeHost({ probes: { 'file.state:/etc/rancher/k3s/agent-token': `file\n600 root root 49\n${'d'.repeat(64)}\n` } });
    expect((await tokenFile.plan(present, { path: '/etc/rancher/k3s/agent-token', token: () => undefined, from: 'ctrl-1' })).kind).toBe('ok');
  });

  it('node metadata: only differing labels and missing taints are changed, with --overwrite', () => {
    const want = { name: 'run-1', labels: { 'node.platform/pool': 'run', zone: 'a' }, taints: [{ key: 'platform/run', value: 'gvisor', effect: 'NoSchedule' }] };
    expect(nodeMetadataCommands(want, { labels: { 'node.platform/pool': 'run', zone: 'a' }, taints: [{ key: 'platform/run', value: 'gvisor', effect: 'NoSchedule' }] })).toEqual([]);
    const cmds = nodeMetadataCommands(want, { labels: { 'node.platform/pool': 'run', zone: 'b', other: 'kept' }, taints: [] });
    expect(cmds).toEqual([
      '/usr/local/bin/k3s kubectl label node run-1 zone=a --overwrite',
      '/usr/local/bin/k3s kubectl taint node run-1 platform/run=gvisor:NoSchedule --overwrite',
    ]);
  });

  it('kubeconfig: endpoint and names rewritten for the operator', () => {
    const text = 'clusters:\n- cluster:\n    server: https://127.0.0.1:6443\n  name: default\ncontexts:\n- context:\n    cluster: default\n    user: default\n  name: default\ncurrent-context: default\n';
    const out = rewriteKubeconfig(text, 'https://203.0.113.11:6443', 'eu-central-1');
    expect(out).toContain('server: https://203.0.113.11:6443');
    expect(out).not.toMatch(/\bdefault\b/);
    expect(out).toContain('current-context: eu-central-1');
  });
});
