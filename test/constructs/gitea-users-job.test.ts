/**
 * The Gitea users Job: its spec (name from a hash of the spec, bounded, placed and locked down like the server,
 * passwords only from the Secret) and its script, run for real with bash and curl against a fake `gitea` binary and
 * a fake Gitea HTTP server that behave like the pinned release where the script depends on them:
 * `gitea admin user list` prints a space-padded tabwriter table (cmd/admin_user_list.go), `gitea admin user create`
 * fails with "user already exists" for a taken name (cmd/admin_user_create.go, CreateUser), reserved names are refused,
 * `/api/healthz` is 503 until the server is up, the org API wants basic auth with the user's password.
 */
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gitea, type GiteaProps } from '../../constructs/gitea';
import { passwordKey } from '../../constructs/gitea-users-job';
import { find, GITEA_PROPS, synth, type K8sObject } from './fixture';

const users = [
  { username: 'platform-admin', email: 'ops@threesix.example', admin: true },
  { username: 'rdev-api', email: 'rdev-api@threesix.example', organizations: ['threesix'] },
];
const props: GiteaProps = {
  ...GITEA_PROPS,
  placement: { nodeSelector: { 'node.platform/pool': 'ops' }, tolerateTaints: [{ key: 'pool', value: 'ops', effect: 'NoSchedule' }] },
  users,
};

function build(p: GiteaProps = props): { objects: K8sObject[]; gitea: Gitea; job: K8sObject } {
  let gitea: Gitea | undefined;
  const objects = synth((chart) => {
    gitea = new Gitea(chart, 'gitea', p);
  });
  const jobs = objects.filter((o) => o.kind === 'Job');
  return { objects, gitea: gitea as Gitea, job: jobs[0] };
}

describe('GiteaUsersJob spec', () => {
  const { objects, gitea, job } = build();
  const pod = job.spec.template.spec;
  const container = pod.containers[0];

  it('is named after a hash of its spec: the same spec the same name, any change (a Gitea bump, a user) a new Job', () => {
    expect(job.metadata.name).toMatch(/^gitea-users-[0-9a-f]{10}$/);
    expect(build().job.metadata.name).toBe(job.metadata.name);
    const bumped = build({ ...props, version: '1.26.5', image: 'docker.gitea.com/gitea:1.26.5-rootless' }).job;
    expect(bumped.metadata.name).not.toBe(job.metadata.name);
    const more = build({ ...props, users: [...users, { username: 'ci-bot', email: 'ci@threesix.example' }] }).job;
    expect(more.metadata.name).not.toBe(job.metadata.name);
    expect(gitea.usersJob?.jobName).toBe(job.metadata.name);
  });

  it('is bounded and cleans up: backoffLimit, activeDeadlineSeconds past the wait, ttlSecondsAfterFinished, restartPolicy Never', () => {
    expect(job.spec).toMatchObject({ backoffLimit: 4, ttlSecondsAfterFinished: 86400, activeDeadlineSeconds: 1800 + 600 + 900 });
    expect(pod.restartPolicy).toBe('Never');
    expect(container.env).toContainEqual({ name: 'WAIT_SECONDS', value: '2400' });
  });

  it('runs the server image with the server entrypoint (args only), as uid 1000, read-only root, no token, placed on the ops pool', () => {
    expect(container.image).toBe(props.image);
    expect(container.command).toBeUndefined();
    expect(container.args.slice(0, 2)).toEqual(['/bin/bash', '-c']);
    expect(pod.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, runAsNonRoot: true });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.nodeSelector).toEqual({ 'node.platform/pool': 'ops' });
    expect(pod.tolerations).toEqual([{ key: 'pool', operator: 'Equal', value: 'ops', effect: 'NoSchedule' }]);
    expect(pod.volumes).toContainEqual({ name: 'config', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } });
    expect(pod.initContainers[0].command.join(' ')).toContain('cp /etc/gitea-template/app.ini /etc/gitea/app.ini');
  });

  it('gets passwords only as env from Secret gitea-users (declared, generated) and the database password like the server', () => {
    expect(container.env).toContainEqual({ name: 'GITEA_USER_0_PASSWORD', valueFrom: { secretKeyRef: { name: 'gitea-users', key: 'platform-admin-password' } } });
    expect(container.env).toContainEqual({ name: 'GITEA_USER_1_PASSWORD', valueFrom: { secretKeyRef: { name: 'gitea-users', key: 'rdev-api-password' } } });
    expect(container.env).toContainEqual({ name: 'GITEA__database__PASSWD', valueFrom: { secretKeyRef: { name: 'gitea-database', key: 'password' } } });
    const secret = gitea.secrets.find((s) => s.name === 'gitea-users');
    expect(secret?.keys.map((k) => [k.key, k.source])).toEqual([
      [passwordKey('platform-admin'), 'generate'],
      [passwordKey('rdev-api'), 'generate'],
    ]);
    const script: string = container.args[2];
    expect(script).toContain("ensure_user 'platform-admin' 'ops@threesix.example' true GITEA_USER_0_PASSWORD");
    expect(script).toContain("ensure_user 'rdev-api' 'rdev-api@threesix.example' false GITEA_USER_1_PASSWORD");
    expect(script).toContain("ensure_org 'threesix' 'rdev-api' GITEA_USER_1_PASSWORD");
    expect(script).not.toMatch(/set -x/);
  });

  it('postgres: an emptyDir work path and no pod affinity; sqlite: the server claim data-gitea-0 on the server node', () => {
    expect(pod.volumes).toContainEqual({ name: 'data', emptyDir: { sizeLimit: '64Mi' } });
    expect(pod.affinity).toBeUndefined();
    const sqlite = build({ ...props, database: { type: 'sqlite3' } }).job.spec.template.spec;
    expect(sqlite.volumes).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: 'data-gitea-0' } });
    expect(sqlite.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
      { labelSelector: { matchLabels: find(objects, 'StatefulSet', 'gitea').spec.selector.matchLabels }, topologyKey: 'kubernetes.io/hostname' },
    ]);
  });

  it('pod labels do not select the Gitea Service (the Job pod never receives Gitea traffic)', () => {
    const svc = find(objects, 'Service', 'gitea-http');
    const labels = job.spec.template.metadata.labels as Record<string, string>;
    expect(Object.entries(svc.spec.selector).every(([k, v]) => labels[k] === v)).toBe(false);
  });

  it('without users there is no Job and no gitea-users Secret', () => {
    const { objects: none, gitea: g } = build({ ...props, users: [] });
    expect(none.filter((o) => o.kind === 'Job')).toEqual([]);
    expect(g.secrets.map((s) => s.name)).not.toContain('gitea-users');
  });

  it('fails on a reserved, invalid or duplicate user and a bad e-mail', () => {
    const one = (u: { username: string; email: string }) => () => build({ ...props, users: [u] });
    expect(one({ username: 'admin', email: 'a@b.example' })).toThrow(/^GiteaUsersJob 'Users': users\[0\]\.username 'admin' is reserved by Gitea/);
    expect(one({ username: 'me.keys', email: 'a@b.example' })).toThrow(/is reserved by Gitea/);
    expect(one({ username: '-x', email: 'a@b.example' })).toThrow(/users\[0\]\.username '-x' is not a valid Gitea user name/);
    expect(one({ username: 'ok', email: "a'b" })).toThrow(/users\[0\]\.email .* is not an e-mail address/);
    expect(() => build({ ...props, users: [users[0]!, { ...users[1]!, username: 'Platform-Admin' }] })).toThrow(/users\[1\]\.username 'Platform-Admin' appears twice/);
  });
});

// ------------------------------------------------------------------------------------------- the script, for real

/** A `gitea` binary as strict as the real one where the script depends on it. State: one line per user. */
const FAKE_GITEA = String.raw`#!/bin/bash
set -u
state="$FAKE_STATE"
[ "$1" = --config ] && [ -f "$2" ] || { echo "fake gitea: expected --config <existing app.ini> first, got: $*" >&2; exit 2; }
shift 2
echo "2026/01/01 00:00:00 cmd/admin.go:1:runX() [I] log line on stderr, as Gitea's CLI logger writes" >&2
case "$1 $2 $3" in
  "admin user list")
    printf 'ID   Username       Email                     IsActive IsAdmin 2FA\n'
    n=0; while read -r name email admin pw; do n=$((n+1)); printf '%-4s %-14s %-25s %-8s %-7s %s\n' "$n" "$name" "$email" true "$admin" false; done < "$state"
    exit 0 ;;
  "admin user create")
    shift 3; name= email= pw= admin=false mcp=unset
    while [ $# -gt 0 ]; do case "$1" in
      --username) name=$2; shift 2 ;; --email) email=$2; shift 2 ;; --password) pw=$2; shift 2 ;;
      --admin) admin=true; shift ;; --must-change-password=false) mcp=false; shift ;;
      *) echo "fake gitea: unknown flag $1" >&2; exit 2 ;; esac; done
    [ -n "$name" ] && [ -n "$email" ] && [ -n "$pw" ] || { echo 'Command error: must set username, email, password' >&2; exit 1; }
    [ "$mcp" = false ] || { echo "fake gitea: the script must pass --must-change-password=false" >&2; exit 2; }
    case "$name" in admin|api|user|org) echo "Command error: CreateUser: name is reserved [name: $name]" >&2; exit 1 ;; esac
    if cut -d' ' -f1 "$state" | grep -qixF -- "$name"; then echo "Command error: CreateUser: user already exists [name: $name]" >&2; exit 1; fi
    echo "$name $email $admin $pw" >> "$state"
    echo "New user '$name' has been successfully created!"
    exit 0 ;;
esac
echo "fake gitea: unexpected command: $*" >&2; exit 2
`;

interface FakeServer {
  readonly url: string;
  healthyAfter: number;
  readonly orgs: Map<string, string>;
  readonly calls: string[];
  close(): Promise<void>;
}

async function fakeGiteaHttp(stateFile: string): Promise<FakeServer> {
  let health = 0;
  const orgs = new Map<string, string>();
  const calls: string[] = [];
  const me: Partial<FakeServer> = { orgs, calls, healthyAfter: 0 };
  const auth = async (req: IncomingMessage): Promise<string | undefined> => {
    const m = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    if (!m?.[1]) return undefined;
    const [user, pw] = Buffer.from(m[1], 'base64').toString('utf8').split(':');
    const lines = (await readFile(stateFile, 'utf8')).split('\n').filter((l) => l !== '');
    return lines.some((l) => l.split(' ')[0] === user && l.split(' ')[3] === pw) ? user : undefined;
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      let body = '';
      for await (const chunk of req) body += String(chunk);
      calls.push(`${req.method} ${req.url}`);
      const send = (code: number, json: unknown = {}) => res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      if (req.url === '/api/healthz') return send(++health > (me.healthyAfter ?? 0) ? 200 : 503, { status: 'pass' });
      const user = await auth(req);
      if (!user) return send(401, { message: 'unauthorized' });
      const get = /^\/api\/v1\/orgs\/([^/]+)$/.exec(req.url ?? '');
      if (req.method === 'GET' && get?.[1]) return orgs.has(get[1]) ? send(200, { username: get[1] }) : send(404);
      if (req.method === 'POST' && req.url === '/api/v1/orgs') {
        const { username, visibility } = JSON.parse(body) as { username: string; visibility: string };
        if (visibility !== 'private') return send(400, { message: 'expected private' });
        if (orgs.has(username)) return send(422, { message: 'user already exists' });
        orgs.set(username, user);
        return send(201, { username });
      }
      return send(404);
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return Object.assign(me, { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) }) as FakeServer;
}

function run(script: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', script], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('GiteaUsersJob script (bash + curl against a fake gitea CLI and HTTP server)', () => {
  const script: string = build().job.spec.template.spec.containers[0].args[2];
  const passwords = { GITEA_USER_0_PASSWORD: 'a1'.repeat(24), GITEA_USER_1_PASSWORD: 'b2'.repeat(24) };
  let dir: string;
  let server: FakeServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gitea-users-'));
    await writeFile(join(dir, 'gitea'), FAKE_GITEA);
    await chmod(join(dir, 'gitea'), 0o755);
    await writeFile(join(dir, 'app.ini'), '[security]\nINSTALL_LOCK = true\n');
    await writeFile(join(dir, 'state'), '');
    server = await fakeGiteaHttp(join(dir, 'state'));
    env = { GITEA_BIN: join(dir, 'gitea'), GITEA_APP_INI: join(dir, 'app.ini'), FAKE_STATE: join(dir, 'state'), GITEA_URL: server.url, WAIT_SECONDS: '30', ...passwords };
  });
  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('waits for /api/healthz, creates both users with their Secret passwords and the org as rdev-api; never prints a password', { timeout: 60_000 }, async () => {
    server.healthyAfter = 2; // 503 twice (migrating), then 200
    const r = await run(script, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('gitea-users: user platform-admin created (site administrator)');
    expect(r.stdout).toContain('gitea-users: user rdev-api created');
    expect(r.stdout).toContain('gitea-users: organization threesix created, owned by rdev-api');
    expect(server.calls.filter((c) => c === 'GET /api/healthz').length).toBe(3);
    const state = await readFile(join(dir, 'state'), 'utf8');
    expect(state).toBe(`platform-admin ops@threesix.example true ${passwords.GITEA_USER_0_PASSWORD}\nrdev-api rdev-api@threesix.example false ${passwords.GITEA_USER_1_PASSWORD}\n`);
    expect(server.orgs.get('threesix')).toBe('rdev-api');
    for (const pw of Object.values(passwords)) expect(r.stdout + r.stderr).not.toContain(pw);
  });

  it('a second run changes nothing and succeeds (users and org exist)', { timeout: 60_000 }, async () => {
    const before = await readFile(join(dir, 'state'), 'utf8');
    server.calls.length = 0;
    const r = await run(script, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('user platform-admin exists, left as it is (its password is not reset)');
    expect(r.stdout).toContain('user rdev-api exists, left as it is');
    expect(r.stdout).toContain('organization threesix exists, left as it is');
    expect(await readFile(join(dir, 'state'), 'utf8')).toBe(before);
    expect(server.calls).not.toContain('POST /api/v1/orgs');
  });

  it('a password changed by hand stops it at the org step with what to do, not a silent success', { timeout: 60_000 }, async () => {
    server.orgs.clear();
    const r = await run(script, { ...env, GITEA_USER_1_PASSWORD: 'c3'.repeat(24) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/GET \/api\/v1\/orgs\/threesix: rdev-api's password is not the one in Secret gitea-users/);
    expect(r.stdout + r.stderr).not.toContain('c3'.repeat(24));
  });

  it('gives up after WAIT_SECONDS when Gitea never answers, saying why', { timeout: 60_000 }, async () => {
    server.healthyAfter = Number.MAX_SAFE_INTEGER;
    const started = Date.now();
    const r = await run(script, { ...env, WAIT_SECONDS: '2' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Gitea did not answer http:\/\/127\.0\.0\.1:[0-9]+\/api\/healthz within 2 s \(still migrating, or not running/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('fails when the Secret has no password for a user it must create', { timeout: 60_000 }, async () => {
    server.healthyAfter = 0;
    await writeFile(join(dir, 'state'), '');
    const r = await run(script, { ...env, GITEA_USER_0_PASSWORD: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no password for platform-admin in GITEA_USER_0_PASSWORD (Secret gitea-users): run npm run secrets');
  });
});

describe('GiteaUsersJob in the shipped regions', () => {
  it.each(['eu-central-1', 'us-east-1'] as const)('%s: the Job creates the Woodpecker admin as Gitea site admin and rdev-api as owner of the org Woodpecker admits', async (name) => {
    const { loadRegion } = await import('../../regions/load');
    const { composeRegion } = await import('../../regions/compose');
    const region = await loadRegion(name);
    const objects = composeRegion(region).components.flatMap((c) => c.chart.toJson() as K8sObject[]);
    const job = objects.find((o) => o.kind === 'Job');
    const script: string = job.spec.template.spec.containers[0].args[2];
    const server = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'woodpecker-server');
    const envs = Object.fromEntries(server.spec.template.spec.containers[0].env.map((e: { name: string; value?: string }) => [e.name, e.value]));
    const admin = region.platform.woodpecker.admins[0];
    expect(envs.WOODPECKER_ADMIN.split(',')).toContain(admin);
    expect(script).toContain(`ensure_user '${admin}' '${region.platform.acmeEmail}' true`);
    expect(envs.WOODPECKER_ORGS.split(',')).toContain(region.platform.gitea.defaultOrg);
    expect(script).toContain(`ensure_org '${region.platform.gitea.defaultOrg}' 'rdev-api'`);
    // the Job's pods are admitted by Gitea's policy and have their own
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    expect(policies.map((p) => p.metadata.name)).toContain('gitea-users');
    expect(JSON.stringify(policies.find((p) => p.metadata.name === 'gitea').spec.ingress)).toContain('"app.kubernetes.io/name":"gitea-users"');
  });
});
