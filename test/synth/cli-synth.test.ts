/**
 * cli/synth.ts as a user runs it: nothing written when a region is invalid, --check, stale files
 * removed, secrets/ untouched, --help.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../regions/load';
import { plantSentinel, untouched } from '../support/sentinel';
import { runCli } from './run-cli';

let work: string;
let out: string;

/** sha256 over every path, mode and content under dir. */
async function hashTree(dir: string): Promise<string> {
  const h = createHash('sha256');
  async function walk(rel: string): Promise<void> {
    const entries = (await readdir(join(dir, rel), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const p = join(rel, e.name);
      const s = await stat(join(dir, p));
      h.update(`${p}\0${s.mode}\0`);
      if (e.isDirectory()) await walk(p);
      else h.update(await readFile(join(dir, p)));
    }
  }
  await walk('');
  return h.digest('hex');
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'synth-cli-'));
  out = join(work, 'dist');
  const r = await runCli('synth', ['--out', out]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}, 180_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('npm run synth', () => {
  it('prints a per-region summary with objects by kind', { timeout: 180_000 }, async () => {
    const r = await runCli('synth', ['--out', out, 'us-east-1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^us-east-1: unchanged in .*us-east-1, \d+ objects in \d+ files \(.*Deployment \d+.*\)$/m);
  });

  it('--check passes on fresh output and lists stale, missing and extra files otherwise', { timeout: 180_000 }, async () => {
    expect((await runCli('synth', ['--out', out, '--check'])).code).toBe(0);
    const copy = join(work, 'check');
    await cp(out, copy, { recursive: true });
    const files = (await readdir(join(copy, 'eu-central-1'))).filter((f) => /^[0-9]{2}-/.test(f));
    await writeFile(join(copy, 'eu-central-1', files[0]!), '# edited by hand\n');
    await rm(join(copy, 'eu-central-1', 'kustomization.yaml'));
    await writeFile(join(copy, 'us-east-1', '99-old.yaml'), 'kind: Old\n');
    await mkdir(join(copy, 'gone-region'));
    await writeFile(join(copy, 'gone-region', 'kustomization.yaml'), 'x: 1\n');
    const proof = await plantSentinel(copy);
    const r = await runCli('synth', ['--out', copy, '--check']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`stale:   ${join(copy, 'eu-central-1', files[0]!)}`);
    expect(r.stderr).toContain(`missing: ${join(copy, 'eu-central-1', 'kustomization.yaml')}`);
    expect(r.stderr).toContain(`extra:   ${join(copy, 'us-east-1', '99-old.yaml')}`);
    expect(r.stderr).toContain(`extra:   ${join(copy, 'gone-region', 'kustomization.yaml')} (no region 'gone-region')`);
    expect(r.stderr).toMatch(/is stale: run npm run synth and commit dist\/\n$/);
    expect(await untouched(proof)).toEqual([]); // --check writes nothing: no file, directory, mtime or inode changed
  });

  it('replaces stale generated files but never touches secrets/', { timeout: 180_000 }, async () => {
    const copy = join(work, 'write');
    await cp(out, copy, { recursive: true });
    const secrets = join(copy, 'eu-central-1', 'secrets');
    await mkdir(secrets, { mode: 0o700 });
    await writeFile(join(secrets, 'cloudflare.env'), 'api-token=hand-written-value\n', { mode: 0o600 });
    const secretStat = await stat(join(secrets, 'cloudflare.env'));
    await writeFile(join(copy, 'eu-central-1', '99-old.yaml'), 'kind: Old\n');
    await writeFile(join(copy, 'eu-central-1', 'kustomization.yaml'), '# stale\n');
    await mkdir(join(copy, 'gone-region', 'secrets'), { recursive: true });
    await writeFile(join(copy, 'gone-region', 'kustomization.yaml'), 'x: 1\n');
    await writeFile(join(copy, 'gone-region', 'secrets', 'a.env'), 'a=1\n');

    const r = await runCli('synth', ['--out', copy]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('gone-region: no such region, removed its generated files; kept');
    expect(existsSync(join(copy, 'eu-central-1', '99-old.yaml'))).toBe(false);
    expect(await hashTree(join(copy, 'eu-central-1'))).not.toBe('');
    expect((await runCli('synth', ['--out', copy, '--check'])).code).toBe(0);
    const after = await stat(join(secrets, 'cloudflare.env'));
    expect(await readFile(join(secrets, 'cloudflare.env'), 'utf8')).toBe('api-token=hand-written-value\n');
    expect([after.ino, after.mode, after.mtimeMs]).toEqual([secretStat.ino, secretStat.mode, secretStat.mtimeMs]);
    expect(await readdir(join(copy, 'gone-region'))).toEqual(['secrets']);
    expect(await readFile(join(copy, 'gone-region', 'secrets', 'a.env'), 'utf8')).toBe('a=1\n');
    expect((await readdir(copy)).filter((n) => n.startsWith('.'))).toEqual([]); // no temp dirs left
    expect(r.stdout).not.toContain('hand-written-value');
  });

  it('an invalid region exits non-zero naming region, path and value, and writes nothing (sentinel: no entry created, removed, replaced or touched)', { timeout: 180_000 }, async () => {
    const regionsDir = join(work, 'regions');
    await cp(join(REPO_ROOT, 'regions'), regionsDir, { recursive: true }); // region files import their neighbours
    const source = await readFile(join(REPO_ROOT, 'regions', 'eu-central-1.ts'), 'utf8');
    const broken = source.replace("privateIp: '10.0.1.22'", "privateIp: '10.0.1'");
    expect(broken).not.toBe(source);
    await writeFile(join(regionsDir, 'eu-central-1.ts'), broken);
    const proof = await plantSentinel(out);
    const r = await runCli('synth', ['--out', out, '--regions-dir', regionsDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/region 'eu-central-1'.*pools\.run\.hosts\[1\]\.privateIp '10\.0\.1'/);
    expect(r.stderr).toMatch(/nothing was written/);
    expect(r.stdout).toBe('');
    // proven, not only said: no entry of the output (not even us-east-1, which is valid) was written, replaced or touched
    expect(await untouched(proof)).toEqual([]);
  });

  it('--help explains the command; a bad option is a usage error', { timeout: 180_000 }, async () => {
    const help = await runCli('synth', ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run synth \[-- <region>\.\.\.\] \[--out <dir>\] \[--regions-dir <dir>\] \[--check\]/);
    const bad = await runCli('synth', ['--nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Unknown option '--nope'/);
  });
});
