import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CONFIG_CHECKSUM_ANNOTATION, sha256 } from './checksum';
import { checkDnsLabel, checkDnsSubdomain, checkHostName, checkPinnedImage, checkPinnedVersion, checkPort, checkQuantity, fail } from './construct-error';
import { appIniCopyContainer, renderGiteaAppIni, type GiteaDatabaseSettings } from './gitea-app-ini';
import { GiteaUsersJob, type GiteaUserSpec } from './gitea-users-job';
import { appLabels, selectorLabels, stableLabels } from './labels';
import { placementSpec, type Placement } from './placement';
import type { SecretRequirement } from './secret-requirement';
import { TlsIngress } from './tls-ingress';
import {
  checkResources,
  claimSpec,
  containerSecurityContext,
  httpProbe,
  podSecurityContext,
  resources,
  secretEnv,
  tcpProbe,
  type ResourceSpec,
} from './workload';

/** Port of Gitea's web UI/API inside the pod and on the ClusterIP Service. */
export const GITEA_HTTP_PORT = 3000;
/** Port the rootless image's built-in SSH server listens on (it cannot bind 22 as uid 1000). */
export const GITEA_SSH_LISTEN_PORT = 2222;
const UID = 1000;
const WORK_PATH = '/var/lib/gitea';
const SECRETS_DIR = '/etc/gitea-secrets';

export interface GiteaProps {
  readonly namespace: string;
  /** Gitea release, e.g. `1.26.4` (the version label). */
  readonly version: string;
  /** The rootless image of that release, e.g. `docker.gitea.com/gitea:1.26.4-rootless` (regions/versions.ts imagesOf). */
  readonly image: string;
  /** Public HTTP host, e.g. `git.example.com`. */
  readonly host: string;
  /** Host in SSH clone URLs. @default host */
  readonly sshHost?: string;
  /** External SSH port of the LoadBalancer Service (a port no host uses). @default 2222 */
  readonly sshPort?: number;
  readonly database: GiteaDatabaseSettings;
  /** Storage class of the data volume. */
  readonly storageClassName: string;
  /** @default '20Gi' */
  readonly storageSize?: string;
  /** Secret (in the TLS Ingress' namespace) with the wildcard certificate. */
  readonly tlsSecretName: string;
  /** Hosts Gitea may deliver webhooks to, e.g. the Woodpecker server's in-cluster name. */
  readonly webhookAllowedHosts: readonly string[];
  /** @default no node selector, no tolerations */
  readonly placement?: Placement;
  /** @default 100m/256Mi requested, 1 CPU/1Gi limit */
  readonly resources?: ResourceSpec;
  /**
   * Serve Git LFS: objects on the data claim (`/var/lib/gitea/data/lfs`), transfer tokens signed with the
   * generated `lfs-jwt-secret`. @default true (the seed ran with LFS_START_SERVER = true)
   */
  readonly lfs?: boolean;
  /**
   * How long Gitea may take to start before the kubelet restarts it: the startupProbe's window. Gitea runs
   * its database migrations before it listens, and a migration after a version bump can take long on a big
   * instance; liveness only starts once this probe passed. @default 1800 (30 minutes)
   */
  readonly startupTimeoutSeconds?: number;
  /**
   * Accounts the platform needs (the admin, the rdev-api user and the organisations they own), created once by
   * the idempotent Job `gitea-users-<hash>` with generated passwords from Secret `gitea-users`. @default none (no Job)
   */
  readonly users?: readonly GiteaUserSpec[];
}

/** Size limit of the in-memory emptyDir that holds the rendered app.ini (a few KiB). */
export const GITEA_CONFIG_VOLUME_LIMIT = '1Mi';
const STARTUP_PROBE_PERIOD_SECONDS = 10;

const DEFAULT_RESOURCES: ResourceSpec = { cpuRequest: '100m', memoryRequest: '256Mi', cpuLimit: '1', memoryLimit: '1Gi' };

/**
 * Gitea, rootless: StatefulSet with a data claim, app.ini from a ConfigMap copied by an init container
 * into a writable in-memory emptyDir (the rootless image writes app.ini at start), ClusterIP Service for HTTP,
 * LoadBalancer Service for SSH (external sshPort -> 2222), Ingress with the wildcard certificate.
 */
export class Gitea extends Construct {
  readonly name = 'gitea';
  readonly namespace: string;
  readonly httpServiceName = 'gitea-http';
  readonly sshServiceName = 'gitea-ssh';
  readonly httpPort = GITEA_HTTP_PORT;
  readonly sshListenPort = GITEA_SSH_LISTEN_PORT;
  readonly podLabels: Readonly<Record<string, string>>;
  /** Secrets this workload reads; synth generates them through secretGenerator. */
  readonly secrets: readonly SecretRequirement[];
  readonly statefulSet: k8s.KubeStatefulSet;
  readonly appIni: string;
  /** The users Job, when `users` is given. */
  readonly usersJob?: GiteaUsersJob;

  constructor(scope: Construct, id: string, props: GiteaProps) {
    super(scope, id);
    const where = `Gitea '${id}'`;
    checkDnsLabel(where, 'namespace', props.namespace);
    checkPinnedVersion(where, 'version', props.version, '1.26.4');
    if (props.version.endsWith('-rootless')) {
      fail(where, 'version', props.version, 'carries the -rootless suffix', "the bare release, e.g. '1.26.4'", 'drop the suffix; it belongs to the image tag');
    }
    checkPinnedImage(where, 'image', props.image);
    if (!props.image.endsWith(`:${props.version}-rootless`)) {
      fail(where, 'image', props.image, `is not the rootless image of ${props.version}`, `an image tagged '${props.version}-rootless'`, 'the construct mounts the rootless layout (/var/lib/gitea, /etc/gitea); take the image from regions/versions.ts imagesOf()');
    }
    checkHostName(where, 'host', props.host);
    const sshHost = props.sshHost ?? props.host;
    checkHostName(where, 'sshHost', sshHost);
    const sshPort = props.sshPort ?? 2222;
    checkPort(where, 'sshPort', sshPort);
    checkDnsSubdomain(where, 'storageClassName', props.storageClassName);
    const storageSize = props.storageSize ?? '20Gi';
    checkQuantity(where, 'storageSize', storageSize);
    const res = props.resources ?? DEFAULT_RESOURCES;
    checkResources(where, 'resources', res);
    const lfs = props.lfs ?? true;
    const startupTimeoutSeconds = props.startupTimeoutSeconds ?? 1800;
    if (!Number.isInteger(startupTimeoutSeconds) || startupTimeoutSeconds < 60 || startupTimeoutSeconds > 6 * 3600) {
      fail(where, 'startupTimeoutSeconds', startupTimeoutSeconds, 'is out of range', 'a whole number of seconds from 60 to 21600', 'give Gitea minutes, not seconds, to run its migrations (default 1800)');
    }
    if (props.database.type === 'postgres') {
      if (!/^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}$/.test(props.database.host)) {
        fail(where, 'database.host', props.database.host, 'is not host:port', "e.g. 'postgres.databases.svc.cluster.local:5432'", 'write the database address as host:port');
      }
    }

    this.namespace = props.namespace;
    const version = props.version;
    const image = props.image;
    const labels = appLabels({ name: 'gitea', component: 'git', version });
    this.podLabels = selectorLabels({ name: 'gitea', component: 'git', version });
    const ns = props.namespace;
    const secretsName = 'gitea-secrets';
    const dbSecretName = 'gitea-database';

    const requirements: SecretRequirement[] = [
      {
        name: secretsName,
        namespace: ns,
        description: `Gitea SECRET_KEY, INTERNAL_TOKEN and the JWT secret${lfs ? 's' : ''}, read through SECRET_KEY_URI, INTERNAL_TOKEN_URI, [oauth2] JWT_SECRET_URI${lfs ? ' and [server] LFS_JWT_SECRET_URI' : ''}`,
        keys: [
          { key: 'secret-key', source: 'generate', bytes: 32 },
          { key: 'internal-token', source: 'generate', bytes: 32 },
          // Gitea decodes JWT secrets with base64.RawURLEncoding and insists on 32 bytes; hex is refused
          // and replaced by a new random secret at every start (modules/generate/generate.go:49-61)
          { key: 'jwt-secret', source: 'generate', bytes: 32, encoding: 'base64url' },
          ...(lfs ? [{ key: 'lfs-jwt-secret', source: 'generate', bytes: 32, encoding: 'base64url' } as const] : []),
        ],
      },
    ];
    if (props.database.type === 'postgres') {
      requirements.push({
        name: dbSecretName,
        namespace: ns,
        description: `Password of Gitea's PostgreSQL user '${props.database.user}'`,
        keys: [
          {
            key: 'password',
            source: 'supply',
            help: `the password of PostgreSQL role '${props.database.user}' on ${props.database.host}, database '${props.database.name}' (ask whoever runs that database, or create the role with CREATE ROLE ${props.database.user} LOGIN PASSWORD '...')`,
          },
        ],
      });
    }
    this.secrets = requirements;

    this.appIni = renderGiteaAppIni({
      host: props.host,
      sshHost,
      sshPort,
      sshListenPort: GITEA_SSH_LISTEN_PORT,
      httpPort: GITEA_HTTP_PORT,
      database: props.database,
      webhookAllowedHosts: props.webhookAllowedHosts,
      secretsDir: SECRETS_DIR,
      workPath: WORK_PATH,
      lfs,
    });

    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: 'gitea-config', namespace: ns, labels },
      data: { 'app.ini': this.appIni },
    });

    new k8s.KubeService(this, 'HttpService', {
      metadata: { name: this.httpServiceName, namespace: ns, labels },
      spec: {
        type: 'ClusterIP',
        selector: { ...this.podLabels },
        ports: [{ name: 'http', port: GITEA_HTTP_PORT, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });

    new k8s.KubeService(this, 'SshService', {
      metadata: { name: this.sshServiceName, namespace: ns, labels },
      spec: {
        type: 'LoadBalancer',
        selector: { ...this.podLabels },
        ports: [{ name: 'ssh', port: sshPort, targetPort: k8s.IntOrString.fromString('ssh'), protocol: 'TCP' }],
      },
    });

    const env: k8s.EnvVar[] = [
      { name: 'GITEA_APP_INI', value: '/etc/gitea/app.ini' },
      { name: 'GITEA_WORK_DIR', value: WORK_PATH },
      { name: 'GITEA_CUSTOM', value: `${WORK_PATH}/custom` },
      { name: 'TMPDIR', value: '/tmp' },
    ];
    if (props.database.type === 'postgres') env.push(secretEnv('GITEA__database__PASSWD', dbSecretName, 'password'));

    this.statefulSet = new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: { name: 'gitea', namespace: ns, labels },
      spec: {
        serviceName: this.httpServiceName,
        replicas: 1,
        selector: { matchLabels: { ...this.podLabels } },
        template: {
          metadata: { labels, annotations: { [CONFIG_CHECKSUM_ANNOTATION]: sha256(this.appIni) } },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: podSecurityContext(UID),
            ...placementSpec(props.placement),
            initContainers: [
              appIniCopyContainer(image),
            ],
            containers: [
              {
                name: 'gitea',
                image,
                imagePullPolicy: 'IfNotPresent',
                env,
                ports: [
                  { name: 'http', containerPort: GITEA_HTTP_PORT, protocol: 'TCP' },
                  { name: 'ssh', containerPort: GITEA_SSH_LISTEN_PORT, protocol: 'TCP' },
                ],
                // Gitea migrates its database before it listens (a long migration after a version bump must
                // not be killed): the startupProbe gives it startupTimeoutSeconds, and liveness and readiness
                // only start once it passed. /api/healthz: routers/web/web.go, routers/web/healthcheck/check.go.
                startupProbe: httpProbe('/api/healthz', 'http', {
                  initialDelaySeconds: 10,
                  periodSeconds: STARTUP_PROBE_PERIOD_SECONDS,
                  failureThreshold: Math.ceil(startupTimeoutSeconds / STARTUP_PROBE_PERIOD_SECONDS),
                }),
                // Liveness must not depend on the database; readiness may.
                livenessProbe: tcpProbe('http', { initialDelaySeconds: 0 }),
                readinessProbe: httpProbe('/api/healthz', 'http', { initialDelaySeconds: 0 }),
                resources: resources(res),
                securityContext: containerSecurityContext({ readOnlyRootFilesystem: true }),
                volumeMounts: [
                  { name: 'data', mountPath: WORK_PATH },
                  { name: 'config', mountPath: '/etc/gitea' },
                  { name: 'secrets', mountPath: SECRETS_DIR, readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'config-template', configMap: { name: 'gitea-config' } },
              // app.ini after environment-to-ini holds the database password: in memory, never on the node's disk
              { name: 'config', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString(GITEA_CONFIG_VOLUME_LIMIT) } },
              { name: 'secrets', secret: { secretName: secretsName, defaultMode: 0o440 } },
              { name: 'tmp', emptyDir: {} },
            ],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: 'data', labels: stableLabels({ name: 'gitea', component: 'git', version }) }, spec: claimSpec(props.storageClassName, storageSize) }],
      },
    });

    if (props.users && props.users.length > 0) {
      this.usersJob = new GiteaUsersJob(this, 'Users', {
        namespace: ns,
        version,
        image,
        users: props.users,
        giteaUrl: `http://${this.httpServiceName}.${ns}.svc.cluster.local:${GITEA_HTTP_PORT}`,
        giteaPodLabels: this.podLabels,
        configMapName: 'gitea-config',
        secretsName,
        secretsDir: SECRETS_DIR,
        workPath: WORK_PATH,
        env,
        // sqlite lives on the server's claim (<template>-<statefulset>-<ordinal>)
        ...(props.database.type === 'sqlite3' ? { dataClaimName: 'data-gitea-0' } : {}),
        waitSeconds: startupTimeoutSeconds + 600,
        ...(props.placement ? { placement: props.placement } : {}),
      });
      requirements.push(this.usersJob.secret);
    }

    new TlsIngress(this, 'Ingress', {
      name: 'gitea',
      namespace: ns,
      labels,
      host: props.host,
      serviceName: this.httpServiceName,
      servicePort: GITEA_HTTP_PORT,
      tlsSecretName: props.tlsSecretName,
    });
  }
}
