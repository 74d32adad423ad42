import { describe, expect, it } from 'vitest';
import { RdevApi, type RdevApiProps } from '../../constructs/rdev-api';
import { dockerConfigJsonProblem } from '../../constructs/pull-secret';
import type { SecretValueCheck } from '../../constructs/secret-requirement';
import { secretValueProblem } from '../../constructs/secret-value-check';

/** A requirement's check as a function of the value. */
function checker(check: SecretValueCheck | undefined): (value: string) => string | undefined {
  if (!check) throw new Error('the key has no check');
  return (value) => secretValueProblem(check, value);
}
import { envOf, find, synth } from './fixture';

const props: RdevApiProps = {
  namespace: 'platform',
  projectNamespacePrefix: 'dp',
  tenantComponent: 'tenant-isolation',
  image: 'ghcr.io/orchard9/rdev-api:v0.10.25',
  host: 'rdev.threesix.example',
  replicas: 2,
  tlsSecretName: 'wildcard-tls',
  domain: 'threesix.example',
  publicIp: '203.0.113.10',
  giteaUrl: 'http://gitea-http.platform.svc.cluster.local:3000',
  giteaPublicHost: 'git.threesix.example',
  giteaDefaultOrg: 'threesix',
  woodpeckerUrl: 'http://woodpecker-server.platform.svc.cluster.local:8000',
  woodpeckerPublicHost: 'ci.threesix.example',
  registryUrl: 'zot.platform.svc.cluster.local:5000',
  registryUsername: 'ci',
  registryPasswordSecretName: 'zot-users',
  registryPasswordSecretKey: 'ci-password',
  tlsIssuer: 'letsencrypt-http01',
  runtimeClassName: 'gvisor',
  cloudflareSecretName: 'cloudflare',
  database: { host: 'postgres.databases.svc.cluster.local:5432', name: 'rdev', user: 'rdev', sslMode: 'disable' },
};

function build(p: RdevApiProps = props): { objects: ReturnType<typeof synth>; rdev: RdevApi } {
  let rdev: RdevApi | undefined;
  const objects = synth((chart) => {
    rdev = new RdevApi(chart, 'rdev-api', p);
  });
  return { objects, rdev: rdev as RdevApi };
}

describe('RdevApi', () => {
  const { objects, rdev } = build();
  const deployment = find(objects, 'Deployment', 'rdev-api', 'platform');
  const container = deployment.spec.template.spec.containers[0];

  it('takes its settings from a ConfigMap', () => {
    expect(find(objects, 'ConfigMap', 'rdev-api-config').data).toEqual({
      PORT: '8080',
      GITEA_URL: 'http://gitea-http.platform.svc.cluster.local:3000',
      GITEA_DEFAULT_ORG: 'threesix',
      DEFAULT_DOMAIN: 'threesix.example',
      CLUSTER_IP: '203.0.113.10',
      DEPLOY_NAMESPACE_PREFIX: 'dp-',
      DEPLOY_NAMESPACE_COMPONENT: 'tenant-isolation',
      DEPLOY_TLS_ISSUER: 'letsencrypt-http01',
      DEPLOY_RUNTIME_CLASS: 'gvisor',
      REGISTRY_URL: 'zot.platform.svc.cluster.local:5000',
      REGISTRY_USERNAME: 'ci',
      WOODPECKER_URL: 'http://woodpecker-server.platform.svc.cluster.local:8000',
    });
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'rdev-api-config' } }]);
    expect(deployment.spec.replicas).toBe(2);
  });

  it('takes its credentials from Secrets: supplied tokens, generated webhook secret and API key', () => {
    expect(envOf(container, 'GITEA_TOKEN')).toEqual({ secretKeyRef: { name: 'rdev-api-credentials', key: 'gitea-token' } });
    expect(envOf(container, 'CLOUDFLARE_API_TOKEN')).toEqual({ secretKeyRef: { name: 'cloudflare', key: 'api-token' } });
    expect(envOf(container, 'CLOUDFLARE_ZONE_ID')).toEqual({ secretKeyRef: { name: 'cloudflare', key: 'zone-id' } });
    // The registry's push password comes from the registry's own Secret, which rdev-api does not declare.
    expect(envOf(container, 'REGISTRY_PASSWORD')).toEqual({ secretKeyRef: { name: 'zot-users', key: 'ci-password' } });
    expect(rdev.secrets.map((s) => s.name)).toEqual(['rdev-api-credentials', 'rdev-api-database']);
    const keys = rdev.secrets[0]?.keys.map((k) => [k.key, k.source]);
    expect(keys).toEqual([
      ['gitea-token', 'supply'],
      ['woodpecker-token', 'supply'],
      ['woodpecker-webhook-secret', 'generate'],
      ['api-key', 'generate'],
    ]);
    expect(rdev.secrets[0]?.keys[0]?.help).toContain('https://git.threesix.example');
    expect(rdev.secrets[0]?.keys[1]?.help).toContain('https://ci.threesix.example');
  });

  it('observes the platform namespace, creates project namespaces and binds only its per-project ClusterRole there', () => {
    const roles = objects.filter((o) => o.kind === 'Role');
    expect(roles.map((r) => r.metadata.namespace)).toEqual(['platform']);
    const platform = find(objects, 'Role', 'rdev-api', 'platform');
    expect(platform.rules.flatMap((r: { verbs: string[] }) => r.verbs).every((v: string) => ['get', 'list', 'watch'].includes(v))).toBe(true);
    const namespaces = find(objects, 'ClusterRole', 'rdev-api-namespaces');
    expect(namespaces.rules).toContainEqual({ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] });
    // bind only the per-project role: it cannot grant itself anything else
    expect(namespaces.rules).toContainEqual({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['rdev-api-project'] });
    expect(namespaces.rules.some((r: { resources: string[]; verbs: string[] }) => r.resources.includes('secrets') || r.verbs.includes('escalate') || r.verbs.includes('*'))).toBe(false);
    expect(find(objects, 'ClusterRoleBinding', 'rdev-api-namespaces').roleRef.name).toBe('rdev-api-namespaces');
    // rdev-api-project is bound per project namespace by the tenant component, never cluster-wide
    expect(objects.filter((o) => o.kind === 'ClusterRoleBinding').map((b) => b.roleRef.name)).toEqual(['rdev-api-namespaces']);
    const project = find(objects, 'ClusterRole', 'rdev-api-project');
    expect(project.rules.find((r: { resources: string[] }) => r.resources.includes('networkpolicies')).verbs).not.toContain('delete');
    expect(deployment.spec.template.spec.serviceAccountName).toBe('rdev-api');
  });

  it('takes DATABASE_URL whole from the supplied Secret rdev-api-database, never from the ConfigMap', () => {
    expect(envOf(container, 'DATABASE_URL')).toEqual({ secretKeyRef: { name: 'rdev-api-database', key: 'database-url' } });
    expect(JSON.stringify(find(objects, 'ConfigMap', 'rdev-api-config'))).not.toMatch(/DATABASE|postgres/i);
    const db = rdev.secrets.find((s) => s.name === 'rdev-api-database');
    expect(db?.namespace).toBe('platform');
    expect(db?.type ?? 'Opaque').toBe('Opaque');
    expect(db?.keys.map((k) => [k.key, k.source])).toEqual([['database-url', 'supply']]);
    // the help says the exact URL form and how to create the role and database
    const help = db?.keys[0]?.help ?? '';
    expect(help).toContain('postgres://rdev:<password, percent-encoded>@postgres.databases.svc.cluster.local:5432/rdev?sslmode=disable');
    expect(help).toContain('CREATE ROLE rdev LOGIN; \\password rdev');
    expect(help).toContain('CREATE DATABASE rdev OWNER rdev;');
  });

  it("checks a supplied DATABASE_URL against the region's database, never echoing it", () => {
    const check = checker(rdev.secrets.find((s) => s.name === 'rdev-api-database')?.keys[0]?.check);
    expect(check('postgres://rdev:s3cr%40t@postgres.databases.svc.cluster.local:5432/rdev?sslmode=disable')).toBeUndefined();
    expect(check('postgresql://rdev:pw@Postgres.Databases.svc.cluster.local/rdev?sslmode=disable')).toBeUndefined(); // default port 5432, case
    const cases: [string, RegExp][] = [
      ['postgres://rdev:pw@10.0.0.9:5432/rdev?sslmode=disable', /^connects to 10\.0\.0\.9:5432, but rdev-api's NetworkPolicy allows only postgres\.databases\.svc\.cluster\.local:5432/],
      ['postgres://rdev:pw@postgres.databases.svc.cluster.local:6432/rdev?sslmode=disable', /^connects to postgres\.databases\.svc\.cluster\.local:6432/],
      ['postgres://admin:pw@postgres.databases.svc.cluster.local:5432/rdev?sslmode=disable', /^logs in as 'admin', not as the region's role 'rdev'/],
      ['postgres://rdev@postgres.databases.svc.cluster.local:5432/rdev?sslmode=disable', /^has no password/],
      ['postgres://rdev:pw@postgres.databases.svc.cluster.local:5432/gitea?sslmode=disable', /^names database 'gitea', not the region's 'rdev'/],
      ['postgres://rdev:pw@postgres.databases.svc.cluster.local:5432/rdev', /^has sslmode unset, not the region's 'disable'/],
      ['postgres://rdev:pw@postgres.databases.svc.cluster.local:5432/rdev?sslmode=prefer', /^has sslmode 'prefer'/],
      ['mysql://rdev:pw@postgres.databases.svc.cluster.local:5432/rdev?sslmode=disable', /^has scheme 'mysql', not postgres/],
      ['host=postgres dbname=rdev', /^is not a URL/],
      ['postgres://rdev:50%@postgres.databases.svc.cluster.local:5432/rdev?sslmode=disable', /^is not percent-encoded correctly/],
    ];
    for (const [value, problem] of cases) {
      const p = check(value);
      expect(p, value).toMatch(problem);
      expect(p).not.toContain(':pw@');
      expect(p).not.toContain(value);
    }
  });

  it('pulls a public image anonymously: no pull Secret, no reference', () => {
    expect(deployment.spec.template.spec.imagePullSecrets).toBeUndefined();
    expect(rdev.imagePullSecretName).toBeUndefined();
    expect(rdev.secrets.some((s) => s.type === 'kubernetes.io/dockerconfigjson')).toBe(false);
  });

  it('references the supplied kubernetes.io/dockerconfigjson Secret rdev-api-pull when the image is private', () => {
    const { objects: out, rdev: r } = build({ ...props, privateImage: true });
    const spec = find(out, 'Deployment', 'rdev-api').spec.template.spec;
    expect(spec.imagePullSecrets).toEqual([{ name: 'rdev-api-pull' }]);
    const pull = r.secrets.find((s) => s.name === 'rdev-api-pull');
    expect(pull).toMatchObject({ namespace: 'platform', type: 'kubernetes.io/dockerconfigjson' });
    expect(pull?.keys.map((k) => [k.key, k.source])).toEqual([['.dockerconfigjson', 'supply']]);
    expect(pull?.keys[0]?.help).toContain('read:packages');
    expect(pull?.keys[0]?.help).toContain('{"auths":{"ghcr.io":{"auth":"<base64 of user:token>"}}}');
    const check = checker(pull?.keys[0]?.check);
    const auth = Buffer.from('robot:ghp_token').toString('base64');
    expect(check(`{"auths":{"ghcr.io":{"auth":"${auth}"}}}`)).toBeUndefined();
    expect(check(`{"auths":{"https://ghcr.io":{"username":"robot","password":"ghp_token"}}}`)).toBeUndefined();
    expect(check(`{"auths":{"docker.io":{"auth":"${auth}"}}}`)).toMatch(/^has no credentials for ghcr\.io in "auths"/);
    expect(check('{"auths":{"ghcr.io":{"auth":"bm9jb2xvbg=="}}}')).toMatch(/^has an "auth" for ghcr\.io that is not base64 of user:token/);
    expect(check('{"ghcr.io":{}}')).toMatch(/^has no "auths" object/);
    expect(check('ghp_token')).toMatch(/^is not JSON/);
    expect(check('ghp_token')).not.toContain('ghp_token');
  });

  it('knows Docker Hub by its several names in a dockerconfigjson', () => {
    const auth = Buffer.from('u:t').toString('base64');
    expect(dockerConfigJsonProblem(`{"auths":{"https://index.docker.io/v1/":{"auth":"${auth}"}}}`, 'docker.io')).toBeUndefined();
    expect(dockerConfigJsonProblem(`{"auths":{"ghcr.io/orchard9":{"auth":"${auth}"}}}`, 'ghcr.io')).toBeUndefined();
  });

  it('probes its health route: a startup allowance for migrations, liveness without the database, readiness on /health', () => {
    // startup: the port, every 5 s for 300 s (rdev-api migrates its database before it listens)
    expect(container.startupProbe).toEqual({ tcpSocket: { port: 'http' }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 60 });
    // liveness must not depend on the database (a PostgreSQL outage would restart every replica): the port only
    expect(container.livenessProbe).toEqual({ tcpSocket: { port: 'http' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 });
    expect(container.livenessProbe.httpGet).toBeUndefined();
    // readiness may: the seeds' health route, with the seeds' 5 s health-check timeout
    expect(container.readinessProbe).toEqual({ httpGet: { path: '/health', port: 'http' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 });
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    const longer = find(build({ ...props, startupSeconds: 900 }).objects, 'Deployment', 'rdev-api').spec.template.spec.containers[0];
    expect(longer.startupProbe.failureThreshold).toBe(180);
  });

  it('is hardened and probed', () => {
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(deployment.metadata.labels['app.kubernetes.io/version']).toBe('v0.10.25');
    expect(find(objects, 'Ingress', 'rdev-api').spec.rules[0].http.paths[0].backend.service.port.number).toBe(8080);
  });

  it('matches the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  it('fails when the image is not pinned', () => {
    expect(() => build({ ...props, image: 'ghcr.io/orchard9/rdev-api:latest' })).toThrow(/^RdevApi 'rdev-api': image 'ghcr.io\/orchard9\/rdev-api:latest' is not a pinned image/);
    expect(() => build({ ...props, image: 'ghcr.io/orchard9/rdev-api' })).toThrow(/^RdevApi 'rdev-api': image 'ghcr.io\/orchard9\/rdev-api' is not a pinned image/);
  });

  it('accepts an image pinned by digest', () => {
    const digest = `ghcr.io/orchard9/rdev-api@sha256:${'a'.repeat(64)}`;
    expect(find(build({ ...props, image: digest }).objects, 'Deployment', 'rdev-api').spec.template.spec.containers[0].image).toBe(digest);
  });

  it('fails when the registry credentials are malformed', () => {
    expect(() => build({ ...props, registryUsername: 'ci:x' })).toThrow(/^RdevApi 'rdev-api': registryUsername 'ci:x' is not a valid registry user name/);
    expect(() => build({ ...props, registryPasswordSecretName: 'Zot Users' })).toThrow(/^RdevApi 'rdev-api': registryPasswordSecretName 'Zot Users' is not a valid object name/);
    expect(() => build({ ...props, registryPasswordSecretKey: 'ci password' })).toThrow(/^RdevApi 'rdev-api': registryPasswordSecretKey 'ci password' is not a valid Secret key/);
  });

  it('fails when the database settings are malformed', () => {
    const db = props.database;
    expect(() => build({ ...props, database: { ...db, host: 'postgres' } })).toThrow(/^RdevApi 'rdev-api': database.host 'postgres' is not host:port/);
    expect(() => build({ ...props, database: { ...db, name: 'rdev db' } })).toThrow(/^RdevApi 'rdev-api': database.name 'rdev db' is not a plain PostgreSQL identifier/);
    expect(() => build({ ...props, database: { ...db, user: 'rdev@x' } })).toThrow(/^RdevApi 'rdev-api': database.user 'rdev@x' is not a plain PostgreSQL identifier/);
    expect(() => build({ ...props, database: { ...db, sslMode: 'prefer' as never } })).toThrow(/^RdevApi 'rdev-api': database.sslMode 'prefer' is not an sslmode the Go PostgreSQL drivers accept/);
    expect(() => build({ ...props, startupSeconds: 5 })).toThrow(/^RdevApi 'rdev-api': startupSeconds 5 is not a whole number of seconds from 10 to 3600/);
  });

  it('fails when a URL is not http(s)', () => {
    expect(() => build({ ...props, giteaUrl: 'gitea:3000' })).toThrow(/^RdevApi 'rdev-api': giteaUrl 'gitea:3000' is not an http\(s\) URL/);
  });
});
