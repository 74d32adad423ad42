import { describe, expect, it } from 'vitest';
import { RdevApi, type RdevApiProps } from '../../constructs/rdev-api';
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
    expect(rdev.secrets.map((s) => s.name)).toEqual(['rdev-api-credentials']);
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

  it('is hardened and probed', () => {
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
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

  it('fails when a URL is not http(s)', () => {
    expect(() => build({ ...props, giteaUrl: 'gitea:3000' })).toThrow(/^RdevApi 'rdev-api': giteaUrl 'gitea:3000' is not an http\(s\) URL/);
  });
});
