import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEnvFile } from '../../../synth/secrets/env-file';
import { encodingProblem, planSecretFile } from '../../../synth/secrets/plan-secrets';
import type { SecretRequirement } from '../../../constructs/secret-requirement';
import { planSecretFiles, writeSecretFiles } from '../../../synth/secrets/write-secret-files';
import { WEB_SECRET } from '../fixtures';

let n = 0;
const fakeBytes = (bytes: number) => Buffer.from(`${String(++n).padStart(2, '0')}${'ab'.repeat(bytes - 1)}`, 'hex');
const f00d = () => Buffer.from('f00d', 'hex');

describe('planSecretFile', () => {
  it('generates missing keys and writes a placeholder with help for supplied ones', () => {
    const plan = planSecretFile(WEB_SECRET, 'eu-central-1', undefined, { check: false, randomBytes: f00d });
    expect(plan.keys.map((k) => [k.requirement.key, k.status])).toEqual([
      ['token', 'generated'],
      ['upstream-key', 'missing'],
    ]);
    expect(plan.content).toMatch(/^# Secret platform\/web-secrets: token of the web app\n/);
    expect(plan.content).toContain('\ntoken=f00d\n# upstream-key: ask upstream\n# upstream-key=\n');
  });

  it('never replaces an existing value and keeps everything a person wrote', () => {
    const existing = '# my note\ntoken=mine\nextra=kept\n# upstream-key=\n';
    const plan = planSecretFile(WEB_SECRET, 'eu-central-1', existing, { check: false, randomBytes: f00d });
    expect(plan.content).toBeUndefined(); // nothing to add: token present, placeholder there
    expect(plan.unknownKeys).toEqual(['extra']);
    const supplied = planSecretFile(WEB_SECRET, 'eu-central-1', 'upstream-key=value', { check: false, randomBytes: f00d });
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

/** A Gitea-style JWT secret: Go's base64.RawURLEncoding of exactly 32 bytes (modules/generate/generate.go). */
const JWT_SECRET: SecretRequirement = {
  name: 'jwt',
  namespace: 'platform',
  description: 'JWT secrets',
  keys: [
    { key: 'jwt-secret', source: 'generate', bytes: 32, encoding: 'base64url' },
    { key: 'plain', source: 'generate' },
  ],
};

describe('base64url keys (Gitea JWT secrets)', () => {
  const b64 = Buffer.alloc(32, 0xfb).toString('base64url'); // contains - and _ : the URL alphabet
  const hex = 'ab'.repeat(32);

  it('generates 43 base64url characters without padding that decode to 32 bytes; hex keys stay hex', () => {
    const plan = planSecretFile(JWT_SECRET, 'r', undefined, { check: false });
    const value = /^jwt-secret=(.*)$/m.exec(plan.content ?? '')?.[1] ?? '';
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(value, 'base64url')).toHaveLength(32);
    expect(/^plain=(.*)$/m.exec(plan.content ?? '')?.[1]).toMatch(/^[0-9a-f]{64}$/);
    expect(b64).toMatch(/[-_]/);
    expect(encodingProblem(b64, JWT_SECRET.keys[0]!)).toBeUndefined();
  });

  it('reports a hex value (what `openssl rand -hex 32` gives) as invalid, with its line, and never the value', () => {
    const plan = planSecretFile(JWT_SECRET, 'r', `# note\njwt-secret=${hex}\nplain=${hex}\n`, { check: true });
    expect(plan.keys.map((k) => [k.requirement.key, k.status, k.line])).toEqual([
      ['jwt-secret', 'invalid', 2],
      ['plain', 'present', 3],
    ]);
    expect(plan.keys[0]?.problem).toMatch(/^is 64 hex digits \(32 bytes as hex\), but its consumer decodes it as base64url, which gives 48 bytes and is refused/);
    expect(plan.keys[0]?.problem).not.toContain(hex);
    // not in check mode either: an existing value is never replaced
    expect(planSecretFile(JWT_SECRET, 'r', `jwt-secret=${hex}\nplain=x\n`, { check: false }).content).toBeUndefined();
  });

  it('says what is wrong with padded, standard-base64, short and undecodable values', () => {
    const key = JWT_SECRET.keys[0]!;
    const std = Buffer.alloc(32, 0xfb).toString('base64');
    expect(encodingProblem(std, key)).toMatch(/^has base64 padding '='/);
    expect(encodingProblem(std.replace(/=+$/, ''), key)).toMatch(/^has characters outside the base64url alphabet: '\+' or '\/' \(standard base64/);
    expect(encodingProblem(`${b64.slice(0, 20)} ${b64.slice(21)}`, key)).toMatch(/alphabet: whitespace/);
    expect(encodingProblem(Buffer.alloc(16).toString('base64url'), key)).toMatch(/^decodes to 16 bytes \(expected base64url without padding .* of exactly 32 bytes, 43 characters\)/);
    expect(encodingProblem(`${b64}AA`.slice(0, 45), key)).toMatch(/^is not valid base64url \(a length of 4n\+1/);
    for (const v of [std, `${b64.slice(0, 20)} ${b64.slice(21)}`]) expect(encodingProblem(v, key)).not.toContain(v);
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
    await writeSecretFiles(dir, await planSecretFiles(dir, 'eu-central-1', [WEB_SECRET], { check: false, randomBytes: fakeBytes }));
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const file = join(dir, 'web-secrets.env');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const first = await readFile(file, 'utf8');
    const token = /^token=(.+)$/m.exec(first)?.[1];
    expect(token).toMatch(/^[0-9a-f]{64}$/);

    await chmod(file, 0o644);
    await writeFile(file, `${first}upstream-key=supplied-by-hand\n`);
    await writeSecretFiles(dir, await planSecretFiles(dir, 'eu-central-1', [WEB_SECRET], { check: false, randomBytes: fakeBytes }));
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
