/**
 * `npm run synth` against region files that k3s, Kubernetes, the firewall or TLS would refuse or silently
 * break (one class of issue 12 per test): exit 1, the message names region, path, value and fix, and the
 * output folder is untouched. "Untouched" is proven with a sentinel, not only a content hash: a planted
 * file, and every file's inode, mode, size, mtime (all set to a fixed past time first) and content.
 * Then the legal-but-dangerous opt-in: shown in the summary, recorded in dist/, flagged by `npm run diff`.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, lstat, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../regions/load';
import { variant, type Mutable } from '../regions/support';
import { runDiff } from '../review/run-cli';

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function synth(args: readonly string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'cli', 'synth.ts'), ...args],
      { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024, timeout: 120_000, env: { ...process.env, NO_COLOR: '1', ...env } },
      (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Every path under dir with what would show any write: type, inode, mode, size, mtime and a content hash. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function walk(at: string): Promise<void> {
    for (const e of (await readdir(at, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(at, e.name);
      const s = await lstat(p);
      const hash = e.isFile() ? createHash('sha256').update(await readFile(p)).digest('hex') : '-';
      out.set(relative(dir, p), `${e.isDirectory() ? 'd' : 'f'} ino=${s.ino} mode=${s.mode} size=${s.size} mtime=${s.mtimeMs} ${hash}`);
      if (e.isDirectory()) await walk(p);
    }
  }
  await walk(dir);
  return out;
}

const PAST = new Date('2001-02-03T04:05:06Z');

async function backdate(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await backdate(p);
    await utimes(p, PAST, PAST);
  }
  await utimes(dir, PAST, PAST);
}

let work: string;
let out: string;
let before: Map<string, string>;
let regionCount = 0;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'synth-rules-'));
  out = join(work, 'dist');
  await cp(join(REPO_ROOT, 'dist'), out, { recursive: true });
  await writeFile(join(out, 'eu-central-1', 'SENTINEL.planted'), 'planted by the test; synth must neither remove nor rewrite it\n');
  await writeFile(join(out, 'SENTINEL.planted'), 'planted at the top of the output folder\n');
  await backdate(out);
  before = await snapshot(out);
  expect(before.get('eu-central-1/SENTINEL.planted')).toContain(`mtime=${PAST.getTime()}`);
}, 60_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** A copy of regions/ (region files import their neighbours) with eu-central-1.ts replaced by `source`. */
async function regionsWith(files: Record<string, string>): Promise<string> {
  const dir = join(work, `regions-${++regionCount}`);
  await cp(join(REPO_ROOT, 'regions'), dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n'); // as in the repository: region files are ES modules
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

function regionSource(definition: unknown, prelude = ''): string {
  return `import { defineRegion } from './types';\n${prelude}\nexport default defineRegion(${JSON.stringify(definition, null, 2)});\n`;
}

/** Runs synth over a regions dir whose eu-central-1 has `change`; asserts exit 1 and nothing written. */
async function refused(files: Record<string, string>, env: Record<string, string> = {}): Promise<Result> {
  const dir = await regionsWith(files);
  const r = await synth(['--out', out, '--regions-dir', dir], env);
  expect(r.code, r.stderr).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/nothing was written to /);
  const after = await snapshot(out);
  expect([...after.keys()]).toEqual([...before.keys()]);
  for (const [path, fingerprint] of before) expect(after.get(path), path).toBe(fingerprint);
  return r;
}

async function refusedChange(change: (d: Mutable) => void): Promise<Result> {
  return refused({ 'eu-central-1.ts': regionSource(variant(change)) });
}

function expectIssue(stderr: string, line: string, fix: string): void {
  const lines = stderr.split('\n');
  const at = lines.findIndex((l) => l.startsWith(line));
  expect(at, `no line starts with:\n${line}\n--- stderr:\n${stderr}`).toBeGreaterThanOrEqual(0);
  expect(lines[at + 1]).toMatch(/^ {2}fix: /);
  expect(lines[at + 1]).toContain(fix);
}

const R = "region 'eu-central-1': ";

describe('npm run synth refuses, writes nothing and says where', { timeout: 180_000 }, () => {
  it('an address no host can have', async () => {
    const r = await refusedChange((d) => (d.pools.run.hosts[0].publicIp = '127.0.0.1'));
    expectIssue(r.stderr, `${R}pools.run.hosts[0].publicIp '127.0.0.1' is a loopback address`, "write the host's real address");
  });

  it('a source range that opens the web to the world', async () => {
    const r = await refusedChange((d) => (d.network.cloudflareCidrs = ['0.0.0.0/0']));
    expectIssue(r.stderr, `${R}network.cloudflareCidrs[0] '0.0.0.0/0' allows 80/443 on the run pool from the whole internet`, 'webFromTheWholeInternet');
  });

  it('a range k3s refuses', async () => {
    const r = await refusedChange((d) => (d.network.serviceCidr = '10.43.0.0/29'));
    expectIssue(r.stderr, `${R}network.serviceCidr '10.43.0.0/29' has 8 addresses, too few for the cluster DNS address`, 'cannot configure default cluster-dns address');
  });

  it('an SSH port k3s uses', async () => {
    const r = await refusedChange((d) => (d.ssh.port = 6443));
    expectIssue(r.stderr, `${R}ssh.port 6443 is the port of the k3s supervisor and Kubernetes API server (TCP 6443)`, 'pick another sshd port');
  });

  it('a host the wildcard certificate does not cover', async () => {
    const r = await refusedChange((d) => (d.platform.gitea.host = 'git.other.example'));
    expectIssue(r.stderr, `${R}platform.gitea.host 'git.other.example' is not under platform.domain threesix.example`, 'browsers and git refuse it');
  });

  it('a soft run-pool taint', async () => {
    const r = await refusedChange((d) => (d.pools.run.taints[0].effect = 'PreferNoSchedule'));
    expectIssue(r.stderr, `${R}pools.run.taints[0].effect 'PreferNoSchedule' is a soft taint`, "effect: 'NoSchedule'");
  });

  it('a platform with no pool to run on', async () => {
    const r = await refusedChange((d) => delete d.pools.ops);
    expectIssue(r.stderr, `${R}pools ["ctrl","run","build"] leave the platform workloads no pool to run on`, 'add pools.ops');
  });

  it('a storage size without a unit', async () => {
    const r = await refusedChange((d) => (d.platform.zot.storageSize = '50'));
    expectIssue(r.stderr, `${R}platform.zot.storageSize '50' has no unit, so Kubernetes reads it as bytes`, 'write 50Gi');
  });

  it("a ClusterIP as rdev-api's database (no NetworkPolicy can allow it)", async () => {
    const r = await refusedChange((d) => {
      delete d.platform.rdevApi.database.podLabels;
      d.platform.rdevApi.database.host = '10.43.12.7:5432';
    });
    expectIssue(r.stderr, `${R}platform.rdevApi.database.host '10.43.12.7:5432' is inside network.serviceCidr 10.43.0.0/16: a ClusterIP`, 'set podLabels to its selector');
  });

  it('a moving image tag', async () => {
    const r = await refusedChange((d) => (d.versions = { rdevApi: 'ghcr.io/orchard9/rdev-api:develop' }));
    expectIssue(r.stderr, `${R}versions.rdevApi 'ghcr.io/orchard9/rdev-api:develop' is pinned to 'develop', a tag that is not a version and can move`, 'pin the digest');
  });

  it('NaN, shown as NaN', async () => {
    const source = regionSource(variant(() => {})).replace('"port": 22', '"port": NaN');
    expect(source).toContain('"port": NaN');
    const r = await refused({ 'eu-central-1.ts': source });
    expect(r.stderr).toMatch(/^region 'eu-central-1': ssh\.port NaN /m);
  });

  it('a region file that never finishes loading, within the timeout', async () => {
    const started = Date.now();
    const r = await refused({ 'eu-central-1.ts': regionSource(variant(() => {}), 'await new Promise(() => {});\n') }, { REGION_IMPORT_TIMEOUT_SECONDS: '2' });
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(r.stderr).toMatch(/^region 'eu-central-1': '.*\/eu-central-1\.ts' did not finish loading within 2 s \(expected a module that evaluates at once/m);
    expect(r.stderr).toContain('fix: remove top-level awaits');
  });

  it('a region file whose name is not a region name', async () => {
    const r = await refused({ 'EU_West.ts': regionSource(variant((d) => (d.name = 'eu-west'))) });
    expect(r.stderr).toMatch(/^region 'EU_West': '.*EU_West\.ts' is a region file whose name is not a DNS label, so it is not a valid region name/m);
  });

  it("a region file named like the reserved 'lab'", async () => {
    const r = await refused({ 'lab.ts': regionSource(variant((d) => (d.name = 'lab'))) });
    expect(r.stderr).toMatch(/^region 'lab': '.*lab\.ts' is named like the reserved region 'lab'/m);
    expect(r.stderr).not.toContain('npm run lab -- up');
  });
});

describe('a dangerous value with its opt-in', { timeout: 240_000 }, () => {
  const reason = 'origin served directly while the CDN contract is renewed, until 2027-01-31';
  let optedOut: string;
  let synthOut: Result;

  beforeAll(async () => {
    const dir = await regionsWith({
      'eu-central-1.ts': regionSource(
        variant((d) => {
          d.network.cloudflareCidrs = ['0.0.0.0/0'];
          d.dangerousOptIns = { webFromTheWholeInternet: reason };
        }),
      ),
    });
    optedOut = join(work, 'opted');
    synthOut = await synth(['--out', optedOut, '--regions-dir', dir, 'eu-central-1']);
  });

  it('synthesizes and prints the opt-in in the summary', () => {
    expect(synthOut.code, synthOut.stderr).toBe(0);
    expect(synthOut.stdout).toContain(`  DANGEROUS OPT-IN webFromTheWholeInternet: ${reason}`);
  });

  it('records the opt-in in dist/ as the ConfigMap region-opt-ins', async () => {
    const namespaces = await readFile(join(optedOut, 'eu-central-1', '10-namespaces.yaml'), 'utf8');
    expect(namespaces).toContain('name: region-opt-ins');
    expect(namespaces).toContain(`webFromTheWholeInternet: ${reason}`);
    expect(namespaces).toContain('app.kubernetes.io/component: region-opt-ins');
  });

  it('is flagged by npm run diff as a security change', async () => {
    const r = await runDiff(['--base-dir', join(REPO_ROOT, 'dist'), '--head-dir', optedOut, '--region', 'eu-central-1', '--format', 'markdown']);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/ConfigMap platform\/region-opt-ins\S* \[opt-in\]/);
    const json = await runDiff(['--base-dir', join(REPO_ROOT, 'dist'), '--head-dir', optedOut, '--region', 'eu-central-1', '--format', 'json']);
    const region = JSON.parse(json.stdout).regions[0];
    const record = region.objects.find((o: { ref: { name: string } }) => o.ref.name === 'region-opt-ins');
    expect(record.status).toBe('added');
    expect(record.security).toEqual(['opt-in']);
    expect(region.counts.security).toBeGreaterThanOrEqual(1);
  });
});
