import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEnvFile } from '../../../synth/secrets/env-file';
import { planSecretFile } from '../../../synth/secrets/plan-secrets';
import { planSecretFiles, writeSecretFiles } from '../../../synth/secrets/write-secret-files';
import { WEB_SECRET } from '../fixtures';

let n = 0;
const fakeHex = (bytes: number) => `${String(++n).padStart(2, '0')}${'ab'.repeat(bytes - 1)}`;

describe('planSecretFile', () => {
  it('generates missing keys and writes a placeholder with help for supplied ones', () => {
    const plan = planSecretFile(WEB_SECRET, 'eu-central-1', undefined, { check: false, randomHex: () => 'f00d' });
    expect(plan.keys.map((k) => [k.requirement.key, k.status])).toEqual([
      ['token', 'generated'],
      ['upstream-key', 'missing'],
    ]);
    expect(plan.content).toMatch(/^# Secret platform\/web-secrets: token of the web app\n/);
    expect(plan.content).toContain('\ntoken=f00d\n# upstream-key: ask upstream\n# upstream-key=\n');
  });

  it('never replaces an existing value and keeps everything a person wrote', () => {
    const existing = '# my note\ntoken=mine\nextra=kept\n# upstream-key=\n';
    const plan = planSecretFile(WEB_SECRET, 'eu-central-1', existing, { check: false, randomHex: () => 'f00d' });
    expect(plan.content).toBeUndefined(); // nothing to add: token present, placeholder there
    expect(plan.unknownKeys).toEqual(['extra']);
    const supplied = planSecretFile(WEB_SECRET, 'eu-central-1', 'upstream-key=value', { check: false, randomHex: () => 'f00d' });
    expect(supplied.content).toBe('upstream-key=value\ntoken=f00d\n');
    expect(supplied.keys.map((k) => k.status)).toEqual(['generated', 'present']);
  });

  it('reports empty values and, in check mode, plans nothing', () => {
    const plan = planSecretFile(WEB_SECRET, 'eu-central-1', 'token=\n', { check: true });
    expect(plan.keys.map((k) => k.status)).toEqual(['empty', 'missing']);
    expect(plan.content).toBeUndefined();
  });

  it('checks a supplied value against its requirement and reports it invalid, without the value', () => {
    const secret = {
      name: 'rdev-api-database',
      namespace: 'platform',
      description: 'DATABASE_URL',
      keys: [{ key: 'database-url', source: 'supply' as const, check: { kind: 'database-url' as const, database: { host: '10.0.0.50:5432', name: 'rdev', user: 'rdev', sslMode: 'require' as const } } }],
    };
    const good = planSecretFile(secret, 'us-east-1', 'database-url=postgres://rdev:pa%3Ass@10.0.0.50:5432/rdev?sslmode=require\n', { check: true });
    expect(good.keys.map((k) => k.status)).toEqual(['present']);
    const bad = planSecretFile(secret, 'us-east-1', 'database-url=postgres://rdev:hunter2@10.0.0.51:5432/rdev?sslmode=require\n', { check: false });
    expect(bad.keys.map((k) => [k.status, k.problem])).toEqual([
      ['invalid', "connects to 10.0.0.51:5432, but rdev-api's NetworkPolicy allows only 10.0.0.50:5432 (platform.rdevApi.database.host); expected postgres://rdev:<password, percent-encoded>@10.0.0.50:5432/rdev?sslmode=require"],
    ]);
    expect(bad.content).toBeUndefined(); // an invalid value is reported, never rewritten
    expect(JSON.stringify(bad.keys)).not.toContain('hunter2');
  });

  it('parses env files like kustomize: leading space dropped, comments skipped, split at the first =', () => {
    const parsed = parseEnvFile('  a=b=c\n#x=1\n# y=\nbare\n');
    expect([...parsed.entries.values()].map((e) => [e.key, e.value])).toEqual([
      ['a', 'b=c'],
      ['bare', undefined],
    ]);
    expect([...parsed.placeholders]).toEqual(['y']);
  });
});

describe('writeSecretFiles', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it('writes mode 0600 files in a 0700 folder, fixes loose modes and keeps values on re-runs', async () => {
    const root = await mkdtemp(join(tmpdir(), 'synth-secrets-'));
    dirs.push(root);
    const dir = join(root, 'secrets');
    await writeSecretFiles(dir, await planSecretFiles(dir, 'eu-central-1', [WEB_SECRET], { check: false, randomHex: fakeHex }));
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const file = join(dir, 'web-secrets.env');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const first = await readFile(file, 'utf8');
    const token = /^token=(.+)$/m.exec(first)?.[1];
    expect(token).toMatch(/^[0-9a-f]{64}$/);

    await chmod(file, 0o644);
    await writeFile(file, `${first}upstream-key=supplied-by-hand\n`);
    await writeSecretFiles(dir, await planSecretFiles(dir, 'eu-central-1', [WEB_SECRET], { check: false, randomHex: fakeHex }));
    expect(await readFile(file, 'utf8')).toBe(`${first}upstream-key=supplied-by-hand\n`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('uses crypto random values by default (distinct per key and run)', async () => {
    const a = planSecretFile(WEB_SECRET, 'r', undefined, { check: false }).content ?? '';
    const b = planSecretFile(WEB_SECRET, 'r', undefined, { check: false }).content ?? '';
    const value = (t: string) => /^token=([0-9a-f]+)$/m.exec(t)?.[1];
    expect(value(a)).toHaveLength(64);
    expect(value(a)).not.toBe(value(b));
  });
});
