/** Plans of the k3s-related tasks from canned probes: binary download, service restarts, leftovers after reset, check-mode markings. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inputsHash, k3sService } from '../../playbooks/tasks/k3s-service';
import { verifyClean } from '../../playbooks/tasks/k3s-clean-check';
import { tokenFile } from '../../playbooks/tasks/k3s-join-tokens';
import { kubeconfig } from '../../playbooks/tasks/k3s-kubeconfig';
import { nodeMetadata } from '../../playbooks/tasks/k3s-node-metadata';
import { uncordonNodes } from '../../playbooks/tasks/k3s-uncordon';
import { waitFor } from '../../playbooks/tasks/wait-for';
import { sha512Download } from '../../playbooks/tasks/sha512-download';
import { verifiedDownload } from '../../playbooks/tasks/verified-download';
import { fakeHost } from './support/fake-host';

const SUMS = 'https://example.test/v1.28.15%2Bk3s1/sha256sum-amd64.txt';
const sha = 'a'.repeat(64);
const run = (p: Awaited<ReturnType<typeof k3sService.plan>>) => (p.kind === 'change' ? p.commands.map((c) => (typeof c === 'string' ? c : c.run)).join('\n') : '');

describe('download.verified', () => {
  const args = { url: 'https://example.test/v1.28.15%2Bk3s1/k3s', checksumsUrl: SUMS, asset: 'k3s', path: '/usr/local/bin/k3s' };
  it('takes the sha256 of the asset from the release checksum file and verifies before moving into place', async () => {
    const host = fakeHost({ probes: { [`release.checksum:${SUMS}:k3s`]: `${'b'.repeat(64)}  k3s-airgap-images-amd64.tar\n${sha}  k3s\n`, 'file.state:/usr/local/bin/k3s': 'absent\n' } });
    const plan = await verifiedDownload.plan(host, args);
    expect(run(plan)).toMatch(new RegExp(`if \\[ "\\$actual" != ${sha} \\]; then echo "sha256 mismatch`));
    expect(run(plan).indexOf('sha256 mismatch')).toBeLessThan(run(plan).indexOf('mv -f "$tmp" /usr/local/bin/k3s'));
  });
  it('no change when the installed binary has the published checksum', async () => {
    const host = fakeHost({ probes: { [`release.checksum:${SUMS}:k3s`]: `${sha}  k3s\n`, 'file.state:/usr/local/bin/k3s': `file\n755 root root 10\n${sha}\n` } });
    expect((await verifiedDownload.plan(host, args)).kind).toBe('ok');
  });
  it('fails clearly when the checksum file cannot be read or does not list the asset', async () => {
    const host = fakeHost({ probes: { [`release.checksum:${SUMS}:k3s`]: { stdout: '', exitCode: 22 }, 'file.state:/usr/local/bin/k3s': 'absent\n' } });
    await expect(verifiedDownload.plan(host, args)).rejects.toThrow(/no sha256 for 'k3s': could not fetch/);
  });
});

describe('download.sha512', () => {
  const args = { url: 'https://g.test/20241104/x86_64/runsc', checksumUrl: 'https://g.test/20241104/x86_64/runsc.sha512', path: '/usr/local/bin/runsc' };
  const key = `download.sha512:${args.checksumUrl}:${args.path}`;
  it('downloads and verifies with sha512sum when the installed file differs', async () => {
    const plan = await sha512Download.plan(fakeHost({ probes: { [key]: `published ${'c'.repeat(128)}\n` } }), args);
    expect(run(plan)).toMatch(/sha512 mismatch/);
  });
  it('no change when the installed file has the published sha512 and mode', async () => {
    const plan = await sha512Download.plan(fakeHost({ probes: { [key]: `published ${'c'.repeat(128)}\ninstalled ${'c'.repeat(128)}\nmode 755\n` } }), args);
    expect(plan.kind).toBe('ok');
  });
});

describe('k3s.service', () => {
  const args = { unit: 'k3s', inputs: ['/usr/local/bin/k3s', '/etc/rancher/k3s/config.yaml'] };
  const [binSha, confSha] = ['a'.repeat(64), 'b'.repeat(64)];
  // what the host's inputsHashScript prints for these two files
  const hash = createHash('sha256').update(`${binSha}  -\n${confSha}  -\n`).digest('hex');
  const probes = (unit: string, stamp: string | null) => ({
    'systemd.unit-state:k3s.service': unit,
    'file.state:/usr/local/bin/k3s': `file\n755 root root 10\n${binSha}\n`,
    'file.state:/etc/rancher/k3s/config.yaml': `file\n600 root root 10\n${confSha}\n`,
    'file.content:/var/lib/region-bootstrapper/k3s.inputs-sha256': stamp === null ? 'absent\n' : `present\n${Buffer.from(`${stamp}\n`).toString('base64')}\n`,
  });
  const unit = (enabled: string, active: string) => `LoadState=${enabled === 'not-found' ? 'not-found' : 'loaded'}\nUnitFileState=${enabled === 'not-found' ? '' : enabled}\nActiveState=${active}\nNeedDaemonReload=no\n`;
  it('no change while running with the stamped inputs', async () => {
    expect(inputsHash([{ kind: 'file', sha256: binSha }, { kind: 'file', sha256: confSha }])).toBe(hash);
    expect((await k3sService.plan(fakeHost({ probes: probes(unit('enabled', 'active'), hash) }), args)).kind).toBe('ok');
  });
  it('restarts without blocking when an input changed, and stamps the new inputs (predicted for later steps)', async () => {
    const plan = await k3sService.plan(fakeHost({ probes: probes(unit('enabled', 'active'), 'old') }), args);
    expect(plan.kind === 'change' && plan.summary).toMatch(/restart: binary, config or token changed/);
    expect(run(plan)).toMatch(/systemctl restart --no-block k3s && \{ for f in .*sha256sum.* > \/var\/lib\/region-bootstrapper\/k3s\.inputs-sha256/s);
    const predicted = plan.kind === 'change' ? Object.fromEntries((plan.predicts ?? []).flatMap((e) => ('fact' in e ? [[e.fact.key, e.value]] : []))) : {};
    expect(predicted['file.content:/var/lib/region-bootstrapper/k3s.inputs-sha256']).toEqual(Buffer.from(`${hash}\n`));
    expect(predicted['systemd.unit-state:k3s.service']).toEqual({ enabled: 'enabled', active: 'active', needDaemonReload: false });
  });
  it('enables and starts a stopped unit; refuses a missing one', async () => {
    const plan = await k3sService.plan(fakeHost({ probes: probes(unit('disabled', 'inactive'), null) }), args);
    expect(run(plan)).toMatch(/systemctl enable k3s/);
    await expect(k3sService.plan(fakeHost({ probes: probes(unit('not-found', 'inactive'), null) }), args)).rejects.toThrow(/is not installed/);
  });
});

describe('k3s.verify-clean', () => {
  const args = { paths: ['/usr/local/bin/k3s'], units: ['k3s.service'], links: ['cni0'] };
  it('ok when nothing is left; otherwise a re-check that fails with the leftovers', async () => {
    const key = 'k3s.leftovers:/usr/local/bin/k3s';
    expect((await verifyClean.plan(fakeHost({ probes: { [key]: '' } }), args)).kind).toBe('ok');
    const plan = await verifyClean.plan(fakeHost({ probes: { [key]: 'path /usr/local/bin/k3s\nlink cni0\n' } }), args);
    expect(plan.kind === 'change' && plan.summary).toMatch(/path \/usr\/local\/bin\/k3s; link cni0/);
    expect(run(plan)).toMatch(/reset left behind/);
  });
});

/**
 * What a check run cannot know before the cluster exists is marked (unpredictable), so --check says so for that step
 * instead of silently differing from the run; a real run with the same missing input still fails clearly.
 */
describe('steps that depend on another host or on time say so in check mode', () => {
  const checking = (o: Parameters<typeof fakeHost>[0]) => ({ ...fakeHost(o), check: true });
  const nodes = [{ name: 'lab-1', labels: { 'node.platform/pool': 'ctrl' }, taints: [] }, { name: 'lab-2', labels: { 'node.platform/pool': 'run' }, taints: [{ key: 'platform/run', value: 'gvisor', effect: 'NoSchedule' }] }];

  it('k3s.node-metadata: no API yet: the labels and taints it would set, marked; a real run refuses', async () => {
    const noApi = { probes: { 'k3s.nodes': { stdout: '', exitCode: 1 } } };
    const plan = await nodeMetadata.plan(checking(noApi), { nodes });
    expect(plan).toMatchObject({ kind: 'change', summary: 'labels/taints of lab-1, lab-2 (once registered)', unpredictable: expect.stringMatching(/^the Kubernetes API is not there yet: they register when k3s starts/) });
    expect(run(plan)).toContain('label node lab-2 node.platform/pool=run --overwrite');
    await expect(nodeMetadata.plan(fakeHost(noApi), { nodes })).rejects.toThrow(/'k3s kubectl get nodes' failed/);
    // one node registered, the other not yet: only the missing one is unknown
    const one = { probes: { 'k3s.nodes': JSON.stringify({ items: [{ metadata: { name: 'lab-1', labels: { 'node.platform/pool': 'ctrl' } }, spec: {} }] }) } };
    expect(await nodeMetadata.plan(checking(one), { nodes })).toMatchObject({ summary: 'labels/taints of lab-2 (once registered)', unpredictable: expect.stringMatching(/^nodes lab-2 are not there yet/) });
    await expect(nodeMetadata.plan(fakeHost(one), { nodes })).rejects.toThrow(/nodes lab-2 are not registered/);
  });

  it('k3s.token-file without the seed\'s token, k3s.kubeconfig and wait.for not ready yet: marked; with their input: exact', async () => {
    const absent = { probes: { 'file.state:/etc/rancher/k3s/agent-token': 'absent\n' } };
    const token = await tokenFile.plan(checking(absent), { path: '/etc/rancher/k3s/agent-token', token: () => undefined, from: 'the seed server' });
    expect(token).toMatchObject({ kind: 'change', unpredictable: 'the token comes from the seed server, which writes it when k3s first starts there (later in the run)' });
    const kc = await kubeconfig.plan(checking({ probes: { 'k3s.kubeconfig:/etc/rancher/k3s/k3s.yaml': { stdout: '', exitCode: 1 } } }), { localPath: '/tmp/rb-never-written.yaml', serverUrl: 'https://203.0.113.11:6443', name: 'lab' });
    expect(kc).toMatchObject({ kind: 'change', unpredictable: expect.stringContaining('k3s writes /etc/rancher/k3s/k3s.yaml when it first starts') });
    const wait = { port: 6443, host: '10.0.0.1', timeoutSeconds: 5 };
    const waitKey = (waitFor.probes!(fakeHost(), wait)[0]!).key;
    expect(await waitFor.plan(checking({ probes: { [waitKey]: { stdout: '', exitCode: 1 } } }), wait)).toMatchObject({ kind: 'change', unpredictable: 'port 10.0.0.1:6443 is not ready now; whether the run still has to wait depends on when it gets ready' });
    const ready = await waitFor.plan(checking({ probes: { [waitKey]: '' } }), wait);
    expect(ready).toEqual({ kind: 'ok', summary: 'port 10.0.0.1:6443 ready' });
  });
});

describe('k3s.uncordon in check mode', () => {
  const node = (version: string, drained = false) => ({ metadata: { name: 'lab-4', annotations: drained ? { 'platform.upgrade/drained': 'v2' } : {} }, spec: {}, status: { nodeInfo: { kubeletVersion: version } } });
  const probes = (version: string, drained = false) => ({ probes: { 'k3s.nodes': JSON.stringify({ items: [node(version, drained)] }) } });
  it('a node not upgraded yet: a check run says it cannot predict; a real run refuses; an upgraded, drained node is uncordoned', async () => {
    const args = { nodes: ['lab-4'], version: 'v2' };
    const check = await uncordonNodes.plan({ ...fakeHost(probes('v1')), check: true }, args);
    expect(check).toMatchObject({ kind: 'change', summary: 'uncordon lab-4 once they run v2', unpredictable: 'lab-4 is upgraded and drained earlier in the run; their version and drain mark are known only then' });
    await expect(uncordonNodes.plan(fakeHost(probes('v1')), args)).rejects.toThrow(/lab-4 do not run v2/);
    const done = await uncordonNodes.plan(fakeHost(probes('v2', true)), args);
    expect(run(done)).toContain('uncordon lab-4');
    expect(done.kind === 'change' && done.unpredictable).toBeFalsy();
    expect(await uncordonNodes.plan(fakeHost(probes('v2')), args)).toEqual({ kind: 'ok', summary: 'lab-4 schedulable' });
  });
});
