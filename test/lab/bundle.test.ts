/**
 * The lab's bundle (lab/bundle.ts, no hosts booted): real artifacts from a bundle made by `npm run bundle` where it
 * has them, labelled stand-ins for the rest; the result is a bundle the lab region accepts and a real region refuses.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { certManagerChartFixture, k3sFixture, labArch, prepareLabBundle } from '../../lab/bundle';
import { regionArtifacts } from '../../playbooks/artifacts';
import { BUNDLE_FORMAT, loadBundle, MANIFEST_FILE } from '../../playbooks/bundle-manifest';
import { resolveVersions } from '../../regions/versions';
import euCentral1 from '../../regions/eu-central-1';

let dir: string;
const versions = resolveVersions(euCentral1.versions);
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** A "real" bundle (no standIn) holding only the assets named. */
function realBundle(assets: readonly string[]): string {
  const root = join(dir, 'real');
  const artifacts = regionArtifacts({ versions }, labArch())
    .filter((s) => assets.includes(s.asset))
    .map((s) => {
      const file = `${s.component}/${s.version}/${s.arch}/${s.asset}`;
      const body = Buffer.from(`real ${s.asset}`);
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), body);
      return { key: s.key, component: s.component, version: s.version, arch: s.arch, asset: s.asset, file, source: s.url, sha256: sha(body), size: body.length };
    });
  writeFileSync(join(root, MANIFEST_FILE), JSON.stringify({ format: BUNDLE_FORMAT, region: 'eu-central-1', generatedBy: 'test', artifacts }));
  return root;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-bundle-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('prepareLabBundle', () => {
  it('takes real artifacts from a bundle and labels the stand-ins for the rest', async () => {
    // (not the cert-manager chart: its real sha256 is pinned in regions/artifact-checksums.json, which this
    // made-up "real" file would rightly fail)
    const real = realBundle(['runsc', 'containerd-shim-runsc-v1']);
    const logs: string[] = [];
    const res = await prepareLabBundle({ labDir: join(dir, 'lab'), versions, realBundleDir: real, log: (l) => logs.push(l) });
    const b = loadBundle(res.dir, { region: 'lab' });
    const byAsset = new Map([...b.byKey.values()].map((a) => [a.asset, a]));
    expect(byAsset.get('runsc')!.standIn).toBeUndefined();
    expect(readFileSync(byAsset.get('runsc')!.path, 'utf8')).toBe('real runsc');
    expect(byAsset.get('k3s')!.standIn).toBe('k3s TEST FIXTURE (test/fixtures/k3s-test-fixture), NOT k3s');
    expect(readFileSync(byAsset.get('k3s')!.path).equals(k3sFixture(versions.k3s))).toBe(true);
    expect(readFileSync(byAsset.get('k3s')!.path, 'utf8')).toContain(`VERSION = "${versions.k3s}"`);
    expect(logs).toContain(`lab bundle: gvisor/${versions.gvisor}/${labArch()}/runsc: real, from ${real}`);
    expect(logs.some((l) => l.includes('/k3s: STAND-IN: k3s TEST FIXTURE'))).toBe(true);
    // a real region refuses the mix
    expect(() => loadBundle(res.dir, { region: 'eu-central-1' })).toThrow(/is a stand-in/);
  });

  it('is idempotent: a second run writes the same bytes', async () => {
    const real = realBundle(['runsc']);
    const first = await prepareLabBundle({ labDir: join(dir, 'lab'), versions, realBundleDir: real });
    const m1 = readFileSync(join(first.dir, MANIFEST_FILE), 'utf8');
    const second = await prepareLabBundle({ labDir: join(dir, 'lab'), versions, realBundleDir: real });
    expect(readFileSync(join(second.dir, MANIFEST_FILE), 'utf8')).toBe(m1);
  });

  it('the chart stand-in is a Helm chart archive named cert-manager at the pinned version', () => {
    const tgz = certManagerChartFixture('v1.21.1');
    expect(tgz.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))).toBe(true);
    expect(sha(tgz)).toBe(sha(certManagerChartFixture('v1.21.1')));
  });
});
