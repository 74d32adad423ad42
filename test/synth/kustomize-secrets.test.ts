/**
 * The synthesized output builds with `kubectl kustomize` once `npm run secrets` has run, the Secrets
 * carry the generated keys, and no generated value leaks: not into the manifests, not into any file
 * git tracks, not into synth's or secrets' output.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { listRegionNames, REPO_ROOT } from '../../regions/load';
import { listGeneratedFiles } from '../../synth/write/region-dir';
import { requireKubectl } from '../support/kubectl';
import { plantSentinel, untouched } from '../support/sentinel';
import { runCli, type CliResult } from './run-cli';

const exec = promisify(execFile);
const names = await listRegionNames();
let work: string;
const secretsRuns = new Map<string, CliResult>();
/** Generated values per region: `name.key` -> value. */
const generated = new Map<string, Map<string, string>>();

async function envValues(dir: string): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  for (const f of await readdir(dir)) {
    for (const line of (await readFile(join(dir, f), 'utf8')).split('\n')) {
      const m = /^([-._a-zA-Z0-9]+)=(.+)$/.exec(line);
      if (m?.[1] && m[2]) values.set(`${f.replace(/\.env$/, '')}.${m[1]}`, m[2]);
    }
  }
  return values;
}

beforeAll(async () => {
  requireKubectl(); // a machine without kubectl fails here with what to install, not with ENOENT in each test
  work = await mkdtemp(join(tmpdir(), 'synth-kustomize-'));
  const synth = await runCli('synth', ['--out', work]);
  expect(synth.code, synth.stderr).toBe(0);
  for (const name of names) {
    const r = await runCli('secrets', [name, '--dist', work]);
    expect(r.code, r.stderr).toBe(0);
    secretsRuns.set(name, r);
    generated.set(name, await envValues(join(work, name, 'secrets')));
  }
}, 300_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe.each(names)('region %s', (name) => {
  it('builds with kubectl kustomize and the Secrets hold the generated keys', { timeout: 120_000 }, async () => {
    const { stdout } = await exec('kubectl', ['kustomize', join(work, name)], { maxBuffer: 32 * 1024 * 1024 });
    const objects = parseAllDocuments(stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string }; data?: Record<string, string> });
    const secrets = objects.filter((o) => o.kind === 'Secret');
    const values = generated.get(name) ?? new Map<string, string>();
    expect(values.size).toBeGreaterThan(0);
    for (const [ref, value] of values) {
      const [secretName, key] = ref.split('.') as [string, string];
      const secret = secrets.find((s) => s.metadata.name === secretName);
      expect(secret, `Secret ${secretName}`).toBeDefined();
      expect(Buffer.from(secret?.data?.[key] ?? '', 'base64').toString('utf8')).toBe(value);
    }
    // every secretGenerator entry became a Secret with exactly its name (no hash suffix)
    const kustomization = readFileSync(join(work, name, 'kustomization.yaml'), 'utf8');
    const declared = [...kustomization.matchAll(/^ {2}- name: (.+)$/gm)].map((m) => m[1]);
    expect(secrets.map((s) => s.metadata.name).sort()).toEqual([...declared].sort());
  });

  it('each Kustomize component stamps onto a namespace created elsewhere', { timeout: 120_000 }, async () => {
    const components = await readdir(join(work, name, 'components'));
    expect(components.length).toBeGreaterThan(0);
    for (const component of components) {
      const dir = join(work, `stamp-${name}-${component}`);
      await mkdir(dir);
      // The tenant component brings the project's Namespace itself (kustomize's namespace transformer renames it);
      // other components are stamped onto a namespace created elsewhere.
      const own = (await readFile(join(work, name, 'components', component, `${component}.yaml`), 'utf8').catch(() => '')).includes('kind: Namespace');
      if (!own) await writeFile(join(dir, 'namespace.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: tenant-x\n');
      await writeFile(
        join(dir, 'kustomization.yaml'),
        `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: tenant-x\n${own ? '' : 'resources: [namespace.yaml]\n'}components: [../${name}/components/${component}]\n`,
      );
      const { stdout } = await exec('kubectl', ['kustomize', dir]);
      const objects = parseAllDocuments(stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } });
      expect(objects.length).toBeGreaterThan(1);
      for (const o of objects.filter((x) => x.kind !== 'Namespace')) expect(o.metadata.namespace).toBe('tenant-x');
      if (own) {
        const ns = objects.filter((x) => x.kind === 'Namespace');
        expect(ns.map((x) => x.metadata.name)).toEqual(['tenant-x']);
        expect(ns[0]!.metadata.labels?.['platform/tenant']).toBe('true');
        expect(ns[0]!.metadata.annotations?.['scheduler.alpha.kubernetes.io/node-selector']).toBe('node.platform/pool=run');
      }
    }
  });

  it('secrets lists what a person must supply, never a value, and --check fails until they are there', { timeout: 120_000 }, async () => {
    const run = secretsRuns.get(name);
    expect(run?.stdout).toMatch(/ supplied +MISSING: /);
    expect(run?.stdout).toMatch(/ generated +generated now/);
    for (const value of generated.get(name)?.values() ?? []) expect(run?.stdout).not.toContain(value);
    const proof = await plantSentinel(join(work, name));
    const check = await runCli('secrets', [name, '--dist', work, '--check']);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/secret values missing, empty or invalid/);
    expect(await untouched(proof)).toEqual([]); // --check writes nothing, not even the missing env files
    await rm(join(work, name, proof.sentinel));
    const again = await runCli('secrets', [name, '--dist', work]);
    expect(await envValues(join(work, name, 'secrets'))).toEqual(generated.get(name)); // re-run keeps values
    for (const value of generated.get(name)?.values() ?? []) expect(again.stdout + again.stderr).not.toContain(value);
  });
});

describe("rdev-api's supplied Secrets (eu-central-1: private image)", () => {
  const name = 'eu-central-1';
  const url = 'postgres://rdev:s3cr%40t-pw@postgres.databases.svc.cluster.local:5432/rdev?sslmode=disable';
  const dockerconfig = `{"auths":{"ghcr.io":{"auth":"${Buffer.from('robot:ghp_pulltoken123').toString('base64')}"}}}`;
  let dist: string;

  beforeAll(async () => {
    dist = join(work, 'supplied');
    await cp(join(work, name), join(dist, name), { recursive: true });
    const secrets = join(dist, name, 'secrets');
    await writeFile(join(secrets, 'rdev-api-database.env'), `${await readFile(join(secrets, 'rdev-api-database.env'), 'utf8')}database-url=${url}\n`, { mode: 0o600 });
    await writeFile(join(secrets, 'rdev-api-pull.env'), `${await readFile(join(secrets, 'rdev-api-pull.env'), 'utf8')}.dockerconfigjson=${dockerconfig}\n`, { mode: 0o600 });
  }, 60_000);

  it('kubectl kustomize makes rdev-api-pull a kubernetes.io/dockerconfigjson Secret with the key .dockerconfigjson, and DATABASE_URL verbatim', { timeout: 120_000 }, async () => {
    const { stdout } = await exec('kubectl', ['kustomize', join(dist, name)], { maxBuffer: 32 * 1024 * 1024 });
    const objects = parseAllDocuments(stdout).map((d) => d.toJS() as { kind: string; type?: string; metadata: { name: string; namespace?: string }; data?: Record<string, string>; spec?: { template: { spec: { imagePullSecrets?: { name: string }[]; containers: { env: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[] }[] } } } });
    const pull = objects.find((o) => o.kind === 'Secret' && o.metadata.name === 'rdev-api-pull');
    expect(pull?.type).toBe('kubernetes.io/dockerconfigjson');
    expect(pull?.metadata.namespace).toBe('platform');
    expect(Object.keys(pull?.data ?? {})).toEqual(['.dockerconfigjson']);
    expect(Buffer.from(pull?.data?.['.dockerconfigjson'] ?? '', 'base64').toString('utf8')).toBe(dockerconfig);
    const db = objects.find((o) => o.kind === 'Secret' && o.metadata.name === 'rdev-api-database');
    expect(db?.type).toBe('Opaque');
    expect(Buffer.from(db?.data?.['database-url'] ?? '', 'base64').toString('utf8')).toBe(url);
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'rdev-api');
    expect(deployment?.spec?.template.spec.imagePullSecrets).toEqual([{ name: 'rdev-api-pull' }]);
    expect(deployment?.spec?.template.spec.containers[0]?.env.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({ name: 'rdev-api-database', key: 'database-url' });
  });

  it('npm run secrets accepts both values, then refuses a URL that points elsewhere, never printing it', { timeout: 120_000 }, async () => {
    const ok = await runCli('secrets', [name, '--dist', dist, '--check']);
    expect(ok.stdout).toMatch(/ database-url +supplied +present/);
    expect(ok.stdout).toMatch(/ \.dockerconfigjson +supplied +present/);
    expect(ok.stdout).not.toMatch(/INVALID/);
    const file = join(dist, name, 'secrets', 'rdev-api-database.env');
    const bad = 'postgres://rdev:hunter2-pw@10.0.9.9:5432/rdev?sslmode=disable';
    await writeFile(file, (await readFile(file, 'utf8')).replace(url, bad), { mode: 0o600 });
    const refused = await runCli('secrets', [name, '--dist', dist, '--check']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/ database-url +supplied +INVALID: the value connects to 10\.0\.9\.9:5432, but rdev-api's NetworkPolicy allows only postgres\.databases\.svc\.cluster\.local:5432/);
    expect(refused.stdout + refused.stderr).not.toContain('hunter2-pw');
    expect(refused.stdout + refused.stderr).not.toContain('ghp_pulltoken123');
    // a run without --check leaves the refused value as the person wrote it
    await runCli('secrets', [name, '--dist', dist]);
    expect(await readFile(file, 'utf8')).toContain(bad);
  });
});

it('Gitea JWT secrets are generated as base64url of 32 bytes; a hex value put there by hand is INVALID (file, line, key; never the value) and fails secrets and --check', { timeout: 180_000 }, async () => {
  const name = names[0]!;
  const values = generated.get(name) ?? new Map<string, string>();
  for (const key of ['gitea-secrets.jwt-secret', 'gitea-secrets.lfs-jwt-secret']) {
    expect(values.get(key), key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(values.get(key) ?? '', 'base64url')).toHaveLength(32);
  }
  expect(values.get('gitea-secrets.secret-key')).toMatch(/^[0-9a-f]{64}$/);
  const dir = join(work, `invalid-${name}`);
  await mkdir(join(dir, name, 'secrets'), { recursive: true });
  const hex = 'c0ffee'.repeat(10) + 'abcd'; // 64 hex digits, what `openssl rand -hex 32` gives
  const file = join(dir, name, 'secrets', 'gitea-secrets.env');
  await writeFile(file, `# by hand\nsecret-key=${'ab'.repeat(32)}\njwt-secret=${hex}\n`, { mode: 0o600 });
  for (const args of [[name, '--dist', dir], [name, '--dist', dir, '--check']]) {
    const r = await runCli('secrets', args);
    expect(r.code, args.join(' ')).toBe(1);
    expect(r.stdout).toMatch(/ jwt-secret +generated +INVALID: the value is 64 hex digits \(32 bytes as hex\), but its consumer decodes it as base64url, which gives 48 bytes and is refused .*\(.*gitea-secrets\.env:3\); fix: delete that line and run npm run secrets -- /);
    expect(r.stdout).toMatch(/fix: delete that line and run npm run secrets -- /);
    expect(r.stdout).toMatch(/1 secret values are in a form their consumer refuses/);
    expect(r.stdout + r.stderr).not.toContain(hex);
  }
  // the bad value is still there, untouched; the missing keys were added next to it
  const after = await readFile(file, 'utf8');
  expect(after).toContain(`jwt-secret=${hex}\n`);
  expect(after).toMatch(/^lfs-jwt-secret=[A-Za-z0-9_-]{43}$/m);
});

it('no generated secret value appears in the synthesized output, in synth output or in any git-tracked file', { timeout: 180_000 }, async () => {
  const values = [...generated.values()].flatMap((m) => [...m.values()]);
  expect(values.length).toBeGreaterThan(4);
  const resynth = await runCli('synth', ['--out', work]);
  expect(resynth.code).toBe(0);
  const texts: [string, string][] = [['synth stdout/stderr', resynth.stdout + resynth.stderr]];
  for (const name of names) {
    for (const f of await listGeneratedFiles(join(work, name))) texts.push([`${name}/${f}`, await readFile(join(work, name, f), 'utf8')]);
    for (const f of await listGeneratedFiles(join(REPO_ROOT, 'dist', name))) texts.push([`dist/${name}/${f}`, await readFile(join(REPO_ROOT, 'dist', name, f), 'utf8')]);
  }
  const { stdout } = await exec('git', ['ls-files', '-z'], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 });
  for (const f of stdout.split('\0').filter((x) => x !== '')) {
    try {
      texts.push([f, await readFile(join(REPO_ROOT, f), 'utf8')]);
    } catch {
      // deleted in the working tree: nothing to scan
    }
  }
  const leaks = texts.flatMap(([where, text]) => (values.some((v) => text.includes(v)) ? [where] : []));
  expect(leaks).toEqual([]);
});
