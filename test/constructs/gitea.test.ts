import { describe, expect, it } from 'vitest';
import { CONFIG_CHECKSUM_ANNOTATION, sha256 } from '../../constructs/checksum';
import { Gitea, type GiteaProps } from '../../constructs/gitea';
import { renderGiteaAppIni } from '../../constructs/gitea-app-ini';
import { envOf, find, GITEA_PROPS, synth } from './fixture';

const props: GiteaProps = GITEA_PROPS;

function build(p: GiteaProps = props): { objects: ReturnType<typeof synth>; gitea: Gitea } {
  let gitea: Gitea | undefined;
  const objects = synth((chart) => {
    gitea = new Gitea(chart, 'gitea', p);
  });
  return { objects, gitea: gitea as Gitea };
}

describe('Gitea', () => {
  const { objects, gitea } = build();
  const sts = find(objects, 'StatefulSet', 'gitea', 'platform');
  const pod = sts.spec.template.spec;
  const container = pod.containers[0];
  const appIni: string = find(objects, 'ConfigMap', 'gitea-config').data['app.ini'];

  it('runs the pinned rootless image as uid/gid 1000 with fsGroup 1000', () => {
    expect(container.image).toBe(props.image);
    expect(pod.initContainers[0].image).toBe(props.image);
    expect(pod.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, runAsNonRoot: true });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
  });

  it('copies app.ini from the ConfigMap into a writable volume before start', () => {
    expect(pod.initContainers[0].command.join(' ')).toContain('cp /etc/gitea-template/app.ini /etc/gitea/app.ini');
    expect(pod.volumes).toContainEqual({ name: 'config', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } });
    expect(pod.volumes).toContainEqual({ name: 'config-template', configMap: { name: 'gitea-config' } });
    expect(container.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/gitea' });
    expect(sts.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION]).toBe(sha256(appIni));
  });

  it('writes the region settings into app.ini and no secret', () => {
    for (const line of [
      'DOMAIN = git.threesix.example',
      'ROOT_URL = https://git.threesix.example/',
      'SSH_DOMAIN = git.threesix.example',
      'SSH_PORT = 2222',
      'SSH_LISTEN_PORT = 2222',
      'DB_TYPE = postgres',
      'HOST = postgres.databases.svc.cluster.local:5432',
      'INSTALL_LOCK = true',
      'DISABLE_REGISTRATION = true',
      'SECRET_KEY_URI = file:/etc/gitea-secrets/secret-key',
      'INTERNAL_TOKEN_URI = file:/etc/gitea-secrets/internal-token',
      'ALLOWED_HOST_LIST = woodpecker-server.platform.svc.cluster.local',
    ]) {
      expect(appIni.split('\n')).toContain(line);
    }
    expect(appIni).not.toMatch(/^(SECRET_KEY|INTERNAL_TOKEN|PASSWD) =/m);
    expect(envOf(container, 'GITEA__database__PASSWD')).toEqual({ secretKeyRef: { name: 'gitea-database', key: 'password' } });
  });

  it('declares the Secrets it reads: generated keys and the supplied database password', () => {
    expect(gitea.secrets.map((s) => s.name)).toEqual(['gitea-secrets', 'gitea-database']);
    expect(gitea.secrets[0]?.keys.map((k) => [k.key, k.source, k.encoding ?? 'hex'])).toEqual([
      ['secret-key', 'generate', 'hex'],
      ['internal-token', 'generate', 'hex'],
      // modules/generate/generate.go DecodeJwtSecretBase64: base64.RawURLEncoding, exactly 32 bytes
      ['jwt-secret', 'generate', 'base64url'],
      ['lfs-jwt-secret', 'generate', 'base64url'],
    ]);
    expect(gitea.secrets[0]?.keys.filter((k) => k.encoding === 'base64url').map((k) => k.bytes)).toEqual([32, 32]);
    expect(gitea.secrets[1]?.keys[0]).toMatchObject({ key: 'password', source: 'supply' });
    expect(gitea.secrets[1]?.keys[0]?.help).toContain("PostgreSQL role 'gitea'");
    expect(pod.volumes).toContainEqual({ name: 'secrets', secret: { secretName: 'gitea-secrets', defaultMode: 0o440 } });
  });

  it('exposes HTTP on a ClusterIP Service, SSH on port 2222 of a LoadBalancer (a port no host uses, target the named port ssh), and an Ingress with the wildcard cert', () => {
    const http = find(objects, 'Service', 'gitea-http');
    expect(http.spec.ports).toEqual([{ name: 'http', port: 3000, targetPort: 'http', protocol: 'TCP' }]);
    const ssh = find(objects, 'Service', 'gitea-ssh');
    expect(ssh.spec.type).toBe('LoadBalancer');
    expect(ssh.spec.ports).toEqual([{ name: 'ssh', port: 2222, targetPort: 'ssh', protocol: 'TCP' }]);
    expect(container.ports).toContainEqual({ name: 'ssh', containerPort: 2222, protocol: 'TCP' });
    expect(http.spec.selector).toEqual(sts.spec.selector.matchLabels);
    const ingress = find(objects, 'Ingress', 'gitea');
    expect(ingress.spec.tls).toEqual([{ hosts: ['git.threesix.example'], secretName: 'wildcard-tls' }]);
    expect(ingress.spec.rules[0].http.paths[0].backend).toEqual({ service: { name: 'gitea-http', port: { number: 3000 } } });
  });

  it('reads both JWT secrets from the mounted Secret ([oauth2] JWT_SECRET_URI, [server] LFS_JWT_SECRET_URI) and keeps LFS objects on the claim', () => {
    const section = (name: string): string[] => {
      const lines = appIni.split('\n');
      const start = lines.indexOf(`[${name}]`);
      expect(start, `section [${name}]`).toBeGreaterThanOrEqual(0);
      const end = lines.findIndex((l, i) => i > start && l.startsWith('['));
      return lines.slice(start + 1, end < 0 ? undefined : end).filter((l) => l !== '');
    };
    // oauth2.go:133 reads JWT_SECRET_URI from [oauth2]; lfs.go:81 reads LFS_JWT_SECRET_URI from [server]
    expect(section('oauth2')).toContain('JWT_SECRET_URI = file:/etc/gitea-secrets/jwt-secret');
    expect(section('server')).toContain('LFS_START_SERVER = true');
    expect(section('server')).toContain('LFS_JWT_SECRET_URI = file:/etc/gitea-secrets/lfs-jwt-secret');
    expect(section('lfs')).toEqual(['PATH = /var/lib/gitea/data/lfs']);
    // a verbatim secret next to its _URI is fatal in Gitea (security.go loadSecret): only the URIs
    expect(appIni).not.toMatch(/^(LFS_)?JWT_SECRET =/m);
    expect(container.volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/gitea' });
  });

  it('without LFS: no LFS key, no LFS secret, still the OAuth2 JWT secret', () => {
    const { objects: out, gitea: g } = build({ ...props, lfs: false });
    const ini: string = find(out, 'ConfigMap', 'gitea-config').data['app.ini'];
    expect(ini).toContain('LFS_START_SERVER = false');
    expect(ini).not.toContain('LFS_JWT_SECRET');
    expect(ini).not.toContain('[lfs]');
    expect(ini).toContain('JWT_SECRET_URI = file:/etc/gitea-secrets/jwt-secret');
    expect(g.secrets[0]?.keys.map((k) => k.key)).toEqual(['secret-key', 'internal-token', 'jwt-secret']);
  });

  it('gives migrations a 30-minute startupProbe on /api/healthz before liveness may restart the pod', () => {
    expect(container.startupProbe).toEqual({
      httpGet: { path: '/api/healthz', port: 'http' },
      initialDelaySeconds: 10,
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 180,
    });
    const window = container.startupProbe.initialDelaySeconds + container.startupProbe.periodSeconds * container.startupProbe.failureThreshold;
    expect(window).toBeGreaterThanOrEqual(1800);
    // liveness is the cheap TCP check and starts only after the startup probe passed
    expect(container.livenessProbe.tcpSocket).toEqual({ port: 'http' });
    const longer = build({ ...props, startupTimeoutSeconds: 7200 }).objects;
    expect(find(longer, 'StatefulSet', 'gitea').spec.template.spec.containers[0].startupProbe.failureThreshold).toBe(720);
  });

  it('fails when startupTimeoutSeconds is too short for a migration', () => {
    expect(() => build({ ...props, startupTimeoutSeconds: 30 })).toThrow(/^Gitea 'gitea': startupTimeoutSeconds 30 is out of range/);
  });

  it('keeps data on a claim of the region storage class, with probes, resources and placement', () => {
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'local-path', resources: { requests: { storage: '20Gi' } } });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/api/healthz', port: 'http' });
    expect(container.livenessProbe.tcpSocket).toEqual({ port: 'http' });
    expect(container.resources.limits).toEqual({ cpu: '1', memory: '1Gi' });
    expect(pod.nodeSelector).toEqual({ 'node.platform/pool': 'ops' });
  });

  it('uses sqlite on the data volume and declares no database Secret by default', () => {
    const { objects: out, gitea: g } = build({ ...props, database: { type: 'sqlite3' }, sshPort: 2022 });
    const ini: string = find(out, 'ConfigMap', 'gitea-config').data['app.ini'];
    expect(ini).toContain('DB_TYPE = sqlite3\nPATH = /var/lib/gitea/data/gitea.db');
    expect(ini).toContain('SSH_PORT = 2022');
    expect(g.secrets.map((s) => s.name)).toEqual(['gitea-secrets']);
    expect(find(out, 'Service', 'gitea-ssh').spec.ports[0].port).toBe(2022);
    const env = find(out, 'StatefulSet', 'gitea').spec.template.spec.containers[0].env;
    expect(env.map((e: { name: string }) => e.name)).not.toContain('GITEA__database__PASSWD');
  });

  it('matches the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  it('fails when the version is a moving tag', () => {
    expect(() => build({ ...props, version: 'latest' })).toThrow(/^Gitea 'gitea': version 'latest' is not a pinned version/);
  });

  it('fails when the image is not the rootless image of the version', () => {
    expect(() => build({ ...props, image: 'docker.gitea.com/gitea:1.26.4' })).toThrow(/^Gitea 'gitea': image 'docker.gitea.com\/gitea:1.26.4' is not the rootless image of 1.26.4/);
    expect(() => build({ ...props, image: 'docker.gitea.com/gitea:1.26.3-rootless' })).toThrow(/is not the rootless image of 1.26.4/);
    expect(() => build({ ...props, image: 'docker.gitea.com/gitea:latest' })).toThrow(/image 'docker.gitea.com\/gitea:latest'/);
  });

  it('fails when the version already carries -rootless', () => {
    expect(() => build({ ...props, version: '1.26.4-rootless' })).toThrow(/^Gitea 'gitea': version '1.26.4-rootless' carries the -rootless suffix/);
  });

  it('fails when the database host has no port', () => {
    expect(() => build({ ...props, database: { type: 'postgres', host: 'postgres', name: 'gitea', user: 'gitea' } })).toThrow(
      /^Gitea 'gitea': database.host 'postgres' is not host:port/,
    );
  });
});

describe('renderGiteaAppIni', () => {
  it('refuses a value with a line break (it would inject ini keys)', () => {
    expect(() =>
      renderGiteaAppIni({
        host: 'git.example.com\nINSTALL_LOCK = false',
        sshHost: 'git.example.com',
        sshPort: 22,
        sshListenPort: 2222,
        httpPort: 3000,
        database: { type: 'sqlite3' },
        webhookAllowedHosts: [],
        secretsDir: '/s',
        workPath: '/w',
        lfs: false,
      }),
    ).toThrow(/^app.ini value .* contains a line break/);
  });
});
