/** Plans of the k3s-related tasks from canned probes: binary download, service restarts, leftovers after reset. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inputsHash, k3sService } from '../../playbooks/tasks/k3s-service';
import { verifyClean } from '../../playbooks/tasks/k3s-clean-check';
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
