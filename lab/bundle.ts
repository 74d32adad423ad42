/**
 * The lab's air-gap bundle (`<labDir>/bundle/`), made by `lab up`: the lab region is air-gapped (its hosts have no
 * internet), so `npm run play -- lab site` pushes every file from this bundle, exactly as for a real air-gapped
 * region. Each artifact of the lab's pinned versions is
 * - the REAL one, copied from a bundle made by `npm run bundle` (`npm run lab -- up N --bundle <dir>` or
 *   $LAB_BUNDLE) when that bundle has it and it verifies; else
 * - a STAND-IN, named as such in the manifest (`standIn`), in `lab up`'s output and in every play's output:
 *   k3s: the k3s TEST FIXTURE (test/fixtures/k3s-test-fixture, NOT k3s); runsc: Debian bookworm's `runsc` package
 *   (a real, older gVisor; `apt-get download` on this machine, cached in .lab/bundle-debs); containerd-shim-runsc-v1 and
 *   the air-gap images: fixture files (Debian ships no runsc shim); the cert-manager chart: a fixture chart archive.
 * Only the lab region accepts stand-ins (playbooks/bundle-manifest.ts).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { $ } from 'zx';
import { tgz } from '../bundle/tar';
import { archOf, regionArtifacts, type Arch, type ArtifactSpec } from '../playbooks/artifacts';
import { BUNDLE_FORMAT, loadBundle, MANIFEST_FILE, sha256File, type BundleArtifact, type BundleManifest } from '../playbooks/bundle-manifest';
import { labRoot } from './paths';
import type { Versions } from '../regions/versions';

export const K3S_FIXTURE = fileURLToPath(new URL('../test/fixtures/k3s-test-fixture', import.meta.url));

/** The pins the lab bundle is made for (the lab region's, i.e. the version table's). */
export type LabVersions = Pick<Versions, 'k3s' | 'gvisor' | 'certManager'>;

export interface LabBundleOptions {
  /** The lab folder; the bundle goes to `<labDir>/bundle`. */
  readonly labDir: string;
  readonly versions: LabVersions;
  /** A bundle made by `npm run bundle` whose real artifacts are used where it has them. */
  readonly realBundleDir?: string;
  readonly log?: (line: string) => void;
}

export interface LabBundleLine {
  readonly key: string;
  readonly real: boolean;
  readonly note: string;
}

export interface LabBundle {
  readonly dir: string;
  readonly lines: readonly LabBundleLine[];
}

export function labArch(): Arch {
  return archOf(process.arch === 'x64' ? 'amd64' : process.arch);
}

/** The k3s TEST FIXTURE with its version filled in (what `k3s --version` prints). */
export function k3sFixture(version: string): Buffer {
  return Buffer.from(readFileSync(K3S_FIXTURE, 'utf8').replace('@VERSION@', version));
}

/** A script standing in for a gVisor binary; says it is a fixture when run. */
export function gvisorFixture(name: string, version: string): Buffer {
  return Buffer.from(`#!/bin/sh\n# ${name} TEST FIXTURE ${version} -- NOT gVisor. Made by lab/bundle.ts for the lab bundle.\necho '${name} test fixture ${version} (not gVisor)'\n`);
}

/** A valid Helm chart archive named cert-manager that installs nothing: the lab's chart stand-in. */
export function certManagerChartFixture(version: string): Buffer {
  return tgz([
    { name: 'cert-manager/' },
    {
      name: 'cert-manager/Chart.yaml',
      content: `apiVersion: v2\nname: cert-manager\nversion: ${version}\nappVersion: ${version}\ndescription: TEST FIXTURE standing in for the cert-manager chart in the lab (lab/bundle.ts); installs nothing\n`,
    },
    { name: 'cert-manager/values.yaml', content: 'installCRDs: false\n' },
    { name: 'cert-manager/templates/' },
    { name: 'cert-manager/templates/NOTES.txt', content: 'cert-manager TEST FIXTURE chart: nothing was installed.\n' },
  ]);
}

/** Debian bookworm's runsc binary (a real gVisor, release 20221219), from a cached .deb, or the reason it is not there. */
async function debianRunsc(work: string, log: (l: string) => void): Promise<{ binary: Buffer; pkg: string } | { error: string }> {
  const debs = join(labRoot(), 'bundle-debs');
  mkdirSync(debs, { recursive: true });
  let deb = readdirSync(debs).find((f) => /^runsc_.*\.deb$/.test(f));
  if (!deb) {
    log(`lab bundle: fetching Debian's runsc package (apt-get download runsc, into ${debs})`);
    try {
      await $({ cwd: debs, quiet: true, timeout: '180s' })`apt-get download runsc`;
    } catch (e) {
      return { error: `apt-get download runsc failed: ${String((e as Error).message).trim().split('\n').slice(-2).join(' / ')}` };
    }
    deb = readdirSync(debs).find((f) => /^runsc_.*\.deb$/.test(f));
    if (!deb) return { error: `apt-get download runsc left no runsc_*.deb in ${debs}` };
  }
  const out = join(work, 'runsc-deb');
  try {
    await $({ quiet: true, timeout: '60s' })`dpkg-deb -x ${join(debs, deb)} ${out}`;
  } catch (e) {
    return { error: `dpkg-deb -x ${deb} failed: ${(e as Error).message.trim().split('\n').slice(-1)[0]}` };
  }
  const bin = ['usr/bin/runsc', 'usr/sbin/runsc'].map((p) => join(out, p)).find((p) => existsSync(p));
  if (!bin) return { error: `${deb} has no usr/bin/runsc` };
  return { binary: readFileSync(bin), pkg: deb.replace(/\.deb$/, '').replace(/%3a/gi, ':') };
}

function fileOf(spec: ArtifactSpec): string {
  return `${spec.component}/${spec.version}/${spec.arch}/${spec.asset}`;
}

/**
 * Writes `<labDir>/bundle/` (every file, then bundle.json last) and returns what each artifact is. Idempotent:
 * fixtures are deterministic, so a second `up` writes the same bytes.
 */
export async function prepareLabBundle(options: LabBundleOptions): Promise<LabBundle> {
  const log = options.log ?? (() => undefined);
  const dir = join(options.labDir, 'bundle');
  const arch = labArch();
  const specs = regionArtifacts({ versions: options.versions }, arch);
  const real = options.realBundleDir ? loadBundle(options.realBundleDir, { region: 'lab' }) : null;
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(dir, '.work-'));
  const artifacts: BundleArtifact[] = [];
  const lines: LabBundleLine[] = [];
  try {
    for (const spec of specs) {
      const file = fileOf(spec);
      const dest = join(dir, file);
      mkdirSync(dirname(dest), { recursive: true });
      const fromReal = real?.byKey.get(spec.key);
      if (fromReal && !fromReal.standIn) {
        copyFileSync(fromReal.path, `${dest}.tmp`);
        renameSync(`${dest}.tmp`, dest);
        const { path: _p, pinned: _q, ...entry } = fromReal;
        artifacts.push({ ...entry, file });
        lines.push({ key: spec.key, real: true, note: `real, from ${real!.dir}` });
        continue;
      }
      let content: Buffer | null;
      let source: string;
      let standIn: string;
      switch (true) {
        case spec.component === 'k3s' && spec.target?.path === '/usr/local/bin/k3s':
          content = k3sFixture(spec.version);
          source = `fixture:${relative(join(dirname(K3S_FIXTURE), '..', '..'), K3S_FIXTURE)}`;
          standIn = 'k3s TEST FIXTURE (test/fixtures/k3s-test-fixture), NOT k3s';
          break;
        case spec.component === 'k3s' && spec.asset.startsWith('k3s-airgap-images-'):
          content = Buffer.from(`k3s air-gap images TEST FIXTURE for ${spec.version} (${arch}): NOT an image archive (lab/bundle.ts)\n`);
          source = 'fixture:lab/bundle.ts';
          standIn = 'k3s air-gap images TEST FIXTURE, NOT images';
          break;
        case spec.component === 'gvisor' && spec.asset === 'runsc': {
          const deb = arch === 'amd64' || arch === 'arm64' ? await debianRunsc(work, log) : { error: 'no Debian package for this arch' };
          if ('binary' in deb) {
            content = deb.binary;
            source = `debian:${deb.pkg}`;
            standIn = `Debian's runsc (${deb.pkg}): a real but older gVisor than ${spec.version}`;
          } else {
            content = gvisorFixture('runsc', spec.version);
            source = 'fixture:lab/bundle.ts';
            standIn = `runsc TEST FIXTURE script, NOT gVisor (${deb.error})`;
          }
          break;
        }
        case spec.component === 'gvisor':
          content = gvisorFixture(spec.asset, spec.version);
          source = 'fixture:lab/bundle.ts';
          standIn = `${spec.asset} TEST FIXTURE script, NOT gVisor (Debian ships no runsc shim)`;
          break;
        case spec.component === 'cert-manager' && spec.arch === 'any':
          content = certManagerChartFixture(spec.version);
          source = 'fixture:lab/bundle.ts';
          standIn = 'cert-manager chart TEST FIXTURE (installs nothing)';
          break;
        default:
          // The release checksum file and the cert-manager images: only a real bundle has them (the k3s fixture
          // pulls no images, and the stand-ins are verified by the manifest's own sums).
          content = null;
          source = '';
          standIn = '';
      }
      if (!content) {
        lines.push({ key: spec.key, real: false, note: 'not in the lab bundle (only a real bundle made by npm run bundle has it)' });
        continue;
      }
      writeFileSync(`${dest}.tmp`, content, { mode: spec.target?.mode === '0755' ? 0o755 : 0o644 });
      renameSync(`${dest}.tmp`, dest);
      artifacts.push({
        key: spec.key,
        component: spec.component,
        version: spec.version,
        arch: spec.arch,
        asset: spec.asset,
        file,
        source,
        sha256: sha256File(dest),
        size: content.length,
        standIn,
      });
      lines.push({ key: spec.key, real: false, note: `STAND-IN: ${standIn}` });
    }
    const manifest: BundleManifest = { format: BUNDLE_FORMAT, region: 'lab', generatedBy: 'npm run lab -- up (lab/bundle.ts)', artifacts };
    writeFileSync(join(dir, `${MANIFEST_FILE}.tmp`), `${JSON.stringify(manifest, null, 2)}\n`);
    renameSync(join(dir, `${MANIFEST_FILE}.tmp`), join(dir, MANIFEST_FILE));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  for (const l of lines) log(`lab bundle: ${l.key}: ${l.note}`);
  return { dir, lines };
}
