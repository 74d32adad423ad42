import { describe, expect, it } from 'vitest';
import { CONFIG_CHECKSUM_ANNOTATION, sha256 } from '../../constructs/checksum';
import { Zot, type ZotProps } from '../../constructs/zot';
import { envOf, find, synth } from './fixture';

const props: ZotProps = {
  namespace: 'platform',
  version: 'v2.1.20',
  image: 'ghcr.io/project-zot/zot:v2.1.20',
  htpasswdImage: 'docker.io/library/httpd:2.4.62-alpine',
  host: 'registry.threesix.example',
  storageClassName: 'local-path',
  tlsSecretName: 'wildcard-tls',
};

function build(p: ZotProps = props): { objects: ReturnType<typeof synth>; zot: Zot } {
  let zot: Zot | undefined;
  const objects = synth((chart) => {
    zot = new Zot(chart, 'zot', p);
  });
  return { objects, zot: zot as Zot };
}

describe('Zot', () => {
  const { objects, zot } = build();
  const sts = find(objects, 'StatefulSet', 'zot', 'platform');
  const container = sts.spec.template.spec.containers[0];
  const configText: string = find(objects, 'ConfigMap', 'zot-config').data['config.json'];

  it('runs the pinned image with the config from the ConfigMap', () => {
    expect(container.image).toBe(props.image);
    expect(container.args).toEqual(['serve', '/etc/zot/config.json']);
    expect(container.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/zot', readOnly: true });
  });

  it('renders storage, gc, dedupe, http, log and the search+ui extensions', () => {
    const config = JSON.parse(configText);
    expect(config.storage).toEqual({ rootDirectory: '/var/lib/registry', gc: true, gcDelay: '1h', dedupe: true });
    expect(config.http).toMatchObject({ address: '0.0.0.0', port: '5000' });
    expect(config.log).toEqual({ level: 'info' });
    expect(config.extensions).toEqual({ search: { enable: true }, ui: { enable: true } });
  });

  it('authenticates with htpasswd: anonymous users only read, ci pushes, admin also deletes', () => {
    const { http } = JSON.parse(configText);
    expect(http.auth.htpasswd).toEqual({ path: '/etc/zot-auth/htpasswd' });
    expect(http.accessControl).toEqual({
      repositories: {
        '**': {
          anonymousPolicy: ['read'],
          defaultPolicy: ['read'],
          policies: [{ users: ['ci'], actions: ['read', 'create', 'update'] }],
        },
      },
      adminPolicy: { users: ['admin'], actions: ['read', 'create', 'update', 'delete'] },
    });
    // Every repository rule gives anonymous users read and nothing else.
    for (const rule of Object.values(http.accessControl.repositories) as { anonymousPolicy: string[] }[]) expect(rule.anonymousPolicy).toEqual(['read']);
    // Docker-format manifests accepted (kaniko pushes), zot v2.1.20 pkg/compat/compat.go
    expect(http.compat).toEqual(['docker2s2']);
  });

  it('declares the users Secret with generated passwords and never creates it', () => {
    expect(zot.secrets).toEqual([
      expect.objectContaining({
        name: 'zot-users',
        namespace: 'platform',
        keys: [
          { key: 'ci-password', source: 'generate', bytes: 32 },
          { key: 'admin-password', source: 'generate', bytes: 32 },
        ],
      }),
    ]);
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect([zot.usersSecretName, zot.ciUser, zot.ciPasswordKey]).toEqual(['zot-users', 'ci', 'ci-password']);
  });

  it('bcrypts the passwords in a hardened init container from secret env, into a read-only in-memory volume', () => {
    const spec = sts.spec.template.spec;
    expect(spec.initContainers).toHaveLength(1);
    const init = spec.initContainers[0];
    expect(init.image).toBe(props.htpasswdImage);
    expect(envOf(init, 'CI_PASSWORD')).toEqual({ secretKeyRef: { name: 'zot-users', key: 'ci-password' } });
    expect(envOf(init, 'ADMIN_PASSWORD')).toEqual({ secretKeyRef: { name: 'zot-users', key: 'admin-password' } });
    expect(envOf(init, 'CI_USER')).toBe('ci');
    expect(envOf(init, 'ADMIN_USER')).toBe('admin');
    // No literal value of a password env var; the command only references the env vars.
    for (const e of init.env) if (/PASSWORD/.test(e.name)) expect(e.value).toBeUndefined();
    const script: string = init.command.join(' ');
    expect(script).toContain('htpasswd -niB "$CI_USER"');
    expect(script).toContain('"$CI_PASSWORD"');
    expect(script).toContain('"$ADMIN_PASSWORD"');
    expect(script).toContain('> /etc/zot-auth/htpasswd');
    expect(script).not.toMatch(/-[a-zA-Z]*b[a-zA-Z]* /); // no -b: passwords never on htpasswd's argv
    expect(init.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(init.resources.limits).toBeDefined();
    expect(init.volumeMounts).toEqual([{ name: 'auth', mountPath: '/etc/zot-auth' }]);
    expect(container.volumeMounts).toContainEqual({ name: 'auth', mountPath: '/etc/zot-auth', readOnly: true });
    expect(spec.volumes).toContainEqual({ name: 'auth', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } });
  });

  it('takes other user names, Secret name and image', () => {
    const other = build({ ...props, ciUser: 'pipelines', adminUser: 'root-admin', usersSecretName: 'registry-users', htpasswdImage: 'httpd:2.4.63-alpine' });
    const { http } = JSON.parse(find(other.objects, 'ConfigMap', 'zot-config').data['config.json']);
    expect(http.accessControl.repositories['**'].policies[0].users).toEqual(['pipelines']);
    expect(http.accessControl.adminPolicy.users).toEqual(['root-admin']);
    const init = find(other.objects, 'StatefulSet', 'zot').spec.template.spec.initContainers[0];
    expect(init.image).toBe('httpd:2.4.63-alpine');
    expect(envOf(init, 'CI_PASSWORD')).toEqual({ secretKeyRef: { name: 'registry-users', key: 'ci-password' } });
    expect(other.zot.secrets[0]?.name).toBe('registry-users');
  });

  it('rolls the pod when the config changes, without hash-suffixed names', () => {
    expect(sts.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION]).toBe(sha256(configText));
    const other = synth((chart) => new Zot(chart, 'zot', { ...props, gcDelay: '2h', dedupe: false }));
    const otherSts = find(other, 'StatefulSet', 'zot');
    expect(otherSts.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION]).not.toBe(sts.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION]);
    expect(find(other, 'ConfigMap', 'zot-config').metadata.name).toBe('zot-config');
    expect(JSON.parse(find(other, 'ConfigMap', 'zot-config').data['config.json']).storage).toMatchObject({ gcDelay: '2h', dedupe: false });
  });

  it('stores blobs on a claim and serves a Service and an Ingress on port 5000', () => {
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('50Gi');
    expect(find(objects, 'Service', 'zot').spec.ports).toEqual([{ name: 'http', port: 5000, targetPort: 'http', protocol: 'TCP' }]);
    expect(find(objects, 'Ingress', 'zot').spec.rules[0].host).toBe('registry.threesix.example');
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    // zot v2.1.20 pkg/api/routes.go: /livez, /readyz, /startupz (before the auth middleware)
    expect(container.startupProbe.httpGet).toEqual({ path: '/startupz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/livez', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.image).toBe('ghcr.io/project-zot/zot:v2.1.20');
  });

  it('matches the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  it('fails when gcDelay is not a duration', () => {
    expect(() => synth((chart) => new Zot(chart, 'zot', { ...props, gcDelay: 'one hour' }))).toThrow(/^Zot 'zot': gcDelay 'one hour' is not a Go duration/);
  });

  it('fails when a user name could break the htpasswd file', () => {
    expect(() => build({ ...props, ciUser: 'ci:x' })).toThrow(/^Zot 'zot': ciUser 'ci:x' is not a valid registry user name/);
    expect(() => build({ ...props, adminUser: '' })).toThrow(/^Zot 'zot': adminUser '' is not a valid registry user name/);
  });

  it('fails when ci and admin are the same user', () => {
    expect(() => build({ ...props, ciUser: 'admin' })).toThrow(/^Zot 'zot': adminUser 'admin' is the same user as ciUser/);
  });

  it('fails when the htpasswd image is not pinned', () => {
    expect(() => build({ ...props, htpasswdImage: 'httpd:latest' })).toThrow(/^Zot 'zot': htpasswdImage 'httpd:latest' is not a pinned image/);
  });

  it('fails when the users Secret name is not an object name', () => {
    expect(() => build({ ...props, usersSecretName: 'Zot_Users' })).toThrow(/^Zot 'zot': usersSecretName 'Zot_Users' is not a valid object name/);
  });

  it('fails when the storage size is not a quantity', () => {
    expect(() => synth((chart) => new Zot(chart, 'zot', { ...props, storageSize: '50 GB' }))).toThrow(/^Zot 'zot': storageSize '50 GB' is not a Kubernetes quantity/);
  });
});
