/**
 * The lab runs `site` offline, as a new user would: `npm run lab -- up 4` wrote an air-gap bundle (the hosts have no
 * internet) and `npm run play -- lab site` pushes every file from it over SSH. The real CLI process: exit 0, the
 * output names the stand-ins, a second run and a check run change nothing; the HelmChart carries the bundled chart; a tampered
 * bundle is refused before any host is contacted.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBundle } from '../../playbooks/bundle-manifest';
import { REPO_ROOT } from '../../regions/load';
import { useLab } from '../support/lab';
import { labShell } from './playbooks-support';

const lab = useLab({ id: 'pb-airgap', hosts: 4 });

function playCli(args: string[], labDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'cli', 'play.ts'), ...args], { cwd: REPO_ROOT, env: { ...process.env, LAB_DIR: labDir }, timeout: 900_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

function recap(stdout: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const m of stdout.matchAll(/^(lab-\d+)\s+ok=(\d+)\s+changed=(\d+)\s+failed=(\d+)\s+unreachable=(\d+)/gm)) {
    out[m[1]!] = { ok: Number(m[2]), changed: Number(m[3]), failed: Number(m[4]), unreachable: Number(m[5]) };
  }
  return out;
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('npm run play -- lab site, offline from the lab bundle', () => {
  it('converges, says which artifacts are stand-ins, and a second run changes nothing', async () => {
    const kubeconfig = `kubeconfigPath=${join(lab.dir, 'kubeconfig.yaml')}`;
    const first = await playCli(['lab', 'site', '--var', kubeconfig], lab.dir);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/bundle .*: 5 artifacts verified; 5 are STAND-INS, not the real artifacts:/);
    expect(first.stdout).toMatch(/STAND-IN k3s\/v1\.[0-9.]+\+k3s1\/amd64\/k3s: k3s TEST FIXTURE \(test\/fixtures\/k3s-test-fixture\), NOT k3s/);
    // runsc is Debian's real (older) gVisor when `apt-get download runsc` worked at lab up, else a labelled fixture.
    const runsc = [...loadBundle(join(lab.dir, 'bundle'), { region: 'lab' }).byKey.values()].find((a) => a.asset === 'runsc')!;
    const debianRunsc = runsc.source.startsWith('debian:');
    expect(runsc.standIn).toMatch(debianRunsc ? /^Debian's runsc \(runsc_0\.0~20221219/ : /^runsc TEST FIXTURE script, NOT gVisor \(/);
    expect(first.stdout).toContain(`STAND-IN ${runsc.key}: ${runsc.standIn}`);
    expect(first.stdout).toMatch(new RegExp(`lab-2 \\| CHANGED \\| Ensure runsc \\S+ is installed from the bundle .* push runsc \\S+ \\(amd64\\) \\[STAND-IN: ${debianRunsc ? "Debian's runsc" : 'runsc TEST FIXTURE'}`));
    expect(Object.keys(recap(first.stdout))).toEqual(['lab-1', 'lab-2', 'lab-3', 'lab-4']);

    const second = await playCli(['lab', 'site', '--var', kubeconfig], lab.dir);
    expect(second.code, second.stderr).toBe(0);
    for (const [host, r] of Object.entries(recap(second.stdout))) expect({ host, changed: r.changed, failed: r.failed }).toEqual({ host, changed: 0, failed: 0 });
    const check = await playCli(['lab', 'site', '--check', '--var', kubeconfig], lab.dir);
    expect(check.code, check.stderr).toBe(0);
    for (const [host, r] of Object.entries(recap(check.stdout))) expect({ host, changed: r.changed, failed: r.failed }).toEqual({ host, changed: 0, failed: 0 });

    // What landed: the bundle's bytes, a real (older) runsc on the run pool, the chart inside the HelmChart.
    const bundle = loadBundle(join(lab.dir, 'bundle'), { region: 'lab' });
    const byAsset = (asset: string) => [...bundle.byKey.values()].find((a) => a.asset === asset)!;
    for (const h of ['lab-1', 'lab-2', 'lab-3', 'lab-4']) {
      expect((await labShell(lab, h, 'sha256sum /usr/local/bin/k3s')).split(' ')[0]).toBe(byAsset('k3s').sha256);
      expect((await labShell(lab, h, 'sha256sum /var/lib/rancher/k3s/agent/images/k3s-airgap-images-amd64.tar.zst')).split(' ')[0]).toBe(byAsset('k3s-airgap-images-amd64.tar.zst').sha256);
    }
    expect(await labShell(lab, 'lab-2', '/usr/local/bin/runsc --version')).toMatch(debianRunsc ? /^runsc version 0\.0~20221219/ : /runsc test fixture/);
    const manifest = await labShell(lab, 'lab-1', 'cat /var/lib/rancher/k3s/server/manifests/cert-manager.yaml');
    const content = /^ {2}chartContent: (\S+)$/m.exec(manifest)?.[1] ?? '';
    const chart = [...bundle.byKey.values()].find((a) => a.component === 'cert-manager' && a.arch === 'any')!;
    expect(sha(Buffer.from(content, 'base64'))).toBe(chart.sha256);
    expect(manifest).not.toMatch(/^ {2}repo:/m);
  }, 1_200_000);

  it('a tampered bundle is refused before any host is contacted, naming the file and both sums', async () => {
    const tampered = join(lab.dir, 'bundle-tampered');
    rmSync(tampered, { recursive: true, force: true });
    cpSync(join(lab.dir, 'bundle'), tampered, { recursive: true });
    try {
      const entry = [...loadBundle(join(lab.dir, 'bundle'), { region: 'lab' }).byKey.values()].find((a) => a.asset === 'k3s')!;
      const k3s = join(tampered, entry.file);
      const before = readFileSync(k3s);
      writeFileSync(k3s, Buffer.concat([before, Buffer.from('\n# tampered\n')]));
      const beforeOnHost = await labShell(lab, 'lab-1', 'sha256sum /usr/local/bin/k3s');
      const res = await playCli(['lab', 'k3s', '--bundle', tampered], lab.dir);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`bundle ${tampered}: ${entry.file}: sha256 is ${sha(readFileSync(k3s))}`);
      expect(res.stderr).toContain(`the manifest says ${sha(before)}`);
      expect(res.stdout).not.toContain('PLAY [');
      expect(await labShell(lab, 'lab-1', 'sha256sum /usr/local/bin/k3s')).toBe(beforeOnHost);
    } finally {
      rmSync(tampered, { recursive: true, force: true });
    }
  }, 300_000);
});
