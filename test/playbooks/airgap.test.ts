/**
 * Playbooks of an air-gapped region: k3s, air-gap images, gVisor and the cert-manager chart come from the bundle
 * (bundle.file steps, chartContent), and a tampered bundle is refused when the playbook is built, before any host
 * is contacted.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadRegion } from '../../regions/load';
import type { Region } from '../../regions/types';
import { commandRun, resolveArgs, ValidationError, type Step } from '../../playbooks/core';
import { fileState } from '../../playbooks/tasks/facts/file-state';
import { releaseChecksum } from '../../playbooks/tasks/facts/release-checksum';
import { verifiedDownload } from '../../playbooks/tasks/verified-download';
import { buildGvisor } from '../../playbooks/gvisor';
import { buildK3s } from '../../playbooks/k3s';
import { renderCertManager } from '../../playbooks/k3s-config';
import { buildSite } from '../../playbooks/site';
import { buildUpgrade } from '../../playbooks/upgrade';
import { certManagerChartFixture } from '../../lab/bundle';
import { fakeHost } from './support/fake-host';
import { writeStandInBundle } from './support/bundle';

/** The k3s playbook's play that installs the seed server (the first server of a new cluster). */
const seedPlay = (pb: { plays: readonly { name: string; steps: readonly Step[] }[] }) => pb.plays.find((p) => p.name.startsWith('k3s seed server'))!;

let dir: string;
let region: Region;
const chart = certManagerChartFixture('v1.16.2');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airgap-'));
  const eu = await loadRegion('eu-central-1');
  // A real region refuses stand-ins, so the plans are checked as the lab (same versions, pools and hosts).
  region = { ...eu, name: 'lab', airgap: { bundleDir: dir } };
  writeStandInBundle(dir, region, 'amd64', (a) => (a.endsWith('.tgz') ? chart : Buffer.from(`stand-in ${a}\n`)));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cert-manager from the bundle', () => {
  it('the HelmChart carries the chart archive in chartContent and names no repository', () => {
    const doc = parse(renderCertManager(region, chart)) as { spec: Record<string, unknown> };
    expect(Buffer.from(doc.spec.chartContent as string, 'base64').equals(chart)).toBe(true);
    expect(doc.spec).not.toHaveProperty('repo');
    expect(doc.spec).not.toHaveProperty('chart');
    expect(doc.spec).toMatchObject({ targetNamespace: 'cert-manager', createNamespace: true, valuesContent: 'crds:\n  enabled: true\n  keep: true' });
  });

  it('without a bundle it names charts.jetstack.io and the pinned version', () => {
    const doc = parse(renderCertManager(region)) as { spec: Record<string, unknown> };
    expect(doc.spec).toMatchObject({ repo: 'https://charts.jetstack.io', chart: 'cert-manager', version: region.versions.certManager });
    expect(doc.spec).not.toHaveProperty('chartContent');
  });

  it('the k3s playbook puts the bundled chart into the server manifests', () => {
    const steps = seedPlay(buildK3s(region)).steps;
    const cm = steps.find((s) => s.name.startsWith('Ensure cert-manager'))!;
    expect(cm.name).toContain('(chart from the bundle)');
    const args = resolveArgs(cm.args, fakeHost()) as { content: string };
    expect((parse(args.content) as { spec: { chartContent: string } }).spec.chartContent).toBe(chart.toString('base64'));
  });
});

describe('delivery steps from the bundle', () => {
  it('k3s binary and air-gap images on every node, gVisor on the run pool, all bundle.file with the host arch', () => {
    const k3sSteps = buildK3s(region).plays.flatMap((p) => p.steps);
    const pushes = k3sSteps.filter((s) => s.task.id === 'bundle.file').map((s) => resolveArgs(s.args, fakeHost()) as { path: string; label: string; localPath: string });
    expect(new Set(pushes.map((p) => p.path))).toEqual(new Set(['/usr/local/bin/k3s', '/var/lib/rancher/k3s/agent/images/k3s-airgap-images-amd64.tar.zst']));
    expect(pushes.every((p) => p.localPath.startsWith(dir))).toBe(true);
    expect(pushes[0]!.label).toBe('k3s v1.35.8+k3s1 (amd64) [STAND-IN: k3s test stand-in]');
    expect(k3sSteps.some((s) => s.task.id === 'download.verified')).toBe(false);
    const gv = buildGvisor(region).plays[0]!.steps.filter((s) => s.task.id === 'bundle.file');
    expect(gv.map((s) => (resolveArgs(s.args, fakeHost()) as { path: string }).path)).toEqual(['/usr/local/bin/runsc', '/usr/local/bin/containerd-shim-runsc-v1']);
    expect(buildUpgrade(region).plays.flatMap((p) => p.steps).some((s) => s.task.id === 'download.verified')).toBe(false);
  });

  it('a host of an architecture the bundle lacks gets an error naming the fix', () => {
    const step = seedPlay(buildK3s(region)).steps.find((s) => s.task.id === 'bundle.file')!;
    expect(() => resolveArgs(step.args, fakeHost({ facts: { arch: 'aarch64' } }))).toThrow(/no k3s binary k3s\/v1\.35\.8\+k3s1\/arm64\/k3s-arm64 for host 'ctrl-1' \(aarch64\).*--arch arm64/);
  });

  it('a tampered bundle file is refused when site is built, before any host is contacted', () => {
    const other = mkdtempSync(join(tmpdir(), 'airgap-tampered-'));
    try {
      writeStandInBundle(other, region);
      const file = join(other, 'gvisor', region.versions.gvisor, 'amd64', 'runsc');
      writeFileSync(file, `${readFileSync(file, 'utf8')}# tampered\n`);
      const tampered = { ...region, airgap: { bundleDir: other } };
      expect(() => buildSite(tampered)).toThrow(ValidationError);
      expect(() => buildSite(tampered)).toThrow(/gvisor\/20260817\.0\/amd64\/runsc: sha256 is [0-9a-f]{64} \(\d+ bytes\), the manifest says [0-9a-f]{64} \(\d+ bytes\)/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('a real region refuses a bundle of stand-ins', () => {
    expect(() => buildK3s({ ...region, name: 'eu-central-1' })).toThrow(/is a stand-in \(\S+ test stand-in\), not the real /);
  });
});

describe('hosts that download: the repository pin binds the release checksum', () => {
  const sums = 'https://m/v1/sha256sum-amd64.txt';
  const args = { url: 'https://m/v1/k3s', checksumsUrl: sums, asset: 'k3s', path: '/usr/local/bin/k3s', pinnedSha256: 'a'.repeat(64) };
  const probes = (checksums: { stdout: string; exitCode: number }) => ({ [releaseChecksum(sums, 'k3s').key]: checksums, [fileState('/usr/local/bin/k3s').key]: 'absent\n' });

  it('a checksum file that disagrees with the pin is refused, naming both sums', async () => {
    const host = fakeHost({ probes: probes({ stdout: `${'b'.repeat(64)}  k3s\n`, exitCode: 0 }) });
    await expect(verifiedDownload.plan(host, args)).rejects.toThrow(`says ${'b'.repeat(64)} for 'k3s', the repository pins ${'a'.repeat(64)}`);
  });

  it('with the pin the download is verified against it, even when the checksum file is unreachable', async () => {
    const host = fakeHost({ probes: probes({ stdout: '', exitCode: 22 }) });
    const plan = await verifiedDownload.plan(host, args);
    expect(plan.kind).toBe('change');
    if (plan.kind === 'change') expect(commandRun(plan.commands[0]!)).toContain(`if [ "$actual" != ${'a'.repeat(64)} ]`);
  });

  it('the k3s playbook passes the pin for real regions and not for the lab', () => {
    const pinned = { ...region, name: 'eu-central-1', airgap: undefined, versions: { ...region.versions, k3s: 'v1.35.8+k3s1' } } as Region;
    const stepOf = (r: Region) => seedPlay(buildK3s(r)).steps.find((s) => s.task.id === 'download.verified')!;
    expect((resolveArgs(stepOf(pinned).args, fakeHost()) as { pinnedSha256?: string }).pinnedSha256).toBe('12f81c9bb5b71e098a4f7a2d187e350902a9339a6c3d5e56c20a03f7a417e07f');
    expect((resolveArgs(stepOf({ ...pinned, name: 'lab' }).args, fakeHost()) as { pinnedSha256?: string }).pinnedSha256).toBeUndefined();
  });
});
