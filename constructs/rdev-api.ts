import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CLOUDFLARE_TOKEN_KEY, CLOUDFLARE_ZONE_KEY } from './cloudflare-secret';
import { checkDnsLabel, checkDnsSubdomain, checkHostName, checkPinnedImage, checkPort, checkPositiveInteger, fail } from './construct-error';
import { DATABASE_SSL_MODES, databaseUrlForm, type DatabaseUrlExpectation } from './database-url';
import { appLabels, selectorLabels } from './labels';
import { placementSpec, type Placement } from './placement';
import { pullSecretRequirement } from './pull-secret';
import type { SecretRequirement } from './secret-requirement';
import { TlsIngress } from './tls-ingress';
import { checkResources, containerSecurityContext, podSecurityContext, resources, secretEnv, type ResourceSpec } from './workload';

/**
 * What rdev-api may do inside each project namespace (ClusterRole `rdev-api-project`, bound there by the tenant
 * component's RoleBinding): run the project, and stamp the component itself (its NetworkPolicies, HTTP-01 Issuer
 * and default ServiceAccount). Tenants never hold API credentials, so they cannot change any of it.
 */
export const RDEV_API_PROJECTS_RULES: readonly k8s.PolicyRule[] = [
  { apiGroups: [''], resources: ['pods', 'pods/log', 'events'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
  { apiGroups: [''], resources: ['services', 'configmaps', 'secrets', 'persistentvolumeclaims'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
  { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
  // The tenant component's objects (components/tenant-isolation): rdev-api applies them, nothing removes them.
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] },
  { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] },
  { apiGroups: ['cert-manager.io'], resources: ['certificates'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
  { apiGroups: ['cert-manager.io'], resources: ['issuers'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] },
];

/** Name of the per-project ClusterRole (bound in each project namespace by the tenant component). */
export const RDEV_API_PROJECT_ROLE = 'rdev-api-project';

/**
 * What rdev-api may do cluster-wide (ClusterRole `rdev-api-namespaces`): create, label and delete project
 * namespaces, and create the RoleBinding that grants it `rdev-api-project` there (`bind` is limited to that one
 * ClusterRole, so it cannot grant itself anything else).
 */
export const RDEV_API_NAMESPACE_RULES: readonly k8s.PolicyRule[] = [
  { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: ['get', 'create', 'update', 'patch'] },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], resourceNames: [RDEV_API_PROJECT_ROLE] },
];

/** What rdev-api may do in the platform namespace: observe, nothing else. */
export const RDEV_API_PLATFORM_RULES: readonly k8s.PolicyRule[] = [
  { apiGroups: [''], resources: ['pods', 'pods/log', 'events', 'services'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['get', 'list', 'watch'] },
];

export interface RdevApiProps {
  readonly namespace: string;
  /** Prefix of the namespace rdev-api creates per project, `<prefix>-<user>-<project>` (DEPLOY_NAMESPACE_PREFIX). */
  readonly projectNamespacePrefix: string;
  /** The tenant Kustomize component rdev-api stamps onto each project namespace (DEPLOY_NAMESPACE_COMPONENT). */
  readonly tenantComponent: string;
  /** Fully pinned image, e.g. `ghcr.io/orchard9/rdev-api:v0.10.25`. */
  readonly image: string;
  /** Public host, e.g. `rdev.example.com`. */
  readonly host: string;
  /** @default 2 */
  readonly replicas?: number;
  /** @default 8080 */
  readonly port?: number;
  readonly tlsSecretName: string;
  /** Base domain of tenant subdomains (DEFAULT_DOMAIN). */
  readonly domain: string;
  /** Public IP tenant DNS records point to (CLUSTER_IP): the region's load balancer. */
  readonly publicIp: string;
  /** URL rdev-api calls Gitea's API at (in-cluster). */
  readonly giteaUrl: string;
  /** Public Gitea host (for the help text of the token a person creates there). */
  readonly giteaPublicHost: string;
  readonly giteaDefaultOrg: string;
  readonly woodpeckerUrl: string;
  /** Public Woodpecker host (for the help text of the token a person creates there). */
  readonly woodpeckerPublicHost: string;
  /** host:port of the in-cluster registry, e.g. `zot.platform.svc.cluster.local:5000`. */
  readonly registryUrl: string;
  /** Registry user that may push (REGISTRY_USERNAME), e.g. zot's `ci` user. */
  readonly registryUsername: string;
  /** Secret holding that user's password (REGISTRY_PASSWORD), e.g. `zot-users`; declared by the registry. */
  readonly registryPasswordSecretName: string;
  /** Key of the password in that Secret, e.g. `ci-password`. */
  readonly registryPasswordSecretKey: string;
  /** Issuer name for per-host certificates in the projects namespace. */
  readonly tlsIssuer: string;
  /** RuntimeClass every tenant pod gets. */
  readonly runtimeClassName: string;
  /** Secret with the Cloudflare token (`api-token`) and zone id (`zone-id`). */
  readonly cloudflareSecretName: string;
  /**
   * Its PostgreSQL (work queue, audit log, webhooks, encrypted credentials): where DATABASE_URL must point. The URL
   * itself comes whole from the supplied Secret `rdev-api-database` (key `database-url`); `npm run secrets` checks
   * it against these settings.
   */
  readonly database: DatabaseUrlExpectation;
  /** The image's registry needs credentials: the pod references the supplied pull Secret `rdev-api-pull`. @default false */
  readonly privateImage?: boolean;
  /** Seconds rdev-api may take to listen after start (it migrates its database first). @default 300 */
  readonly startupSeconds?: number;
  /** @default none */
  readonly placement?: Placement;
  /** @default 100m/128Mi requested, 1 CPU/512Mi limit */
  readonly resources?: ResourceSpec;
}

/** The Secret and key DATABASE_URL comes from. */
export const RDEV_API_DATABASE_SECRET = 'rdev-api-database';
export const RDEV_API_DATABASE_KEY = 'database-url';
/** The supplied kubernetes.io/dockerconfigjson Secret a private rdev-api image is pulled with. */
export const RDEV_API_PULL_SECRET = 'rdev-api-pull';
/** rdev-api's health route (seed rdev/CLAUDE.md: `curl $RDEV_API_URL/health`). */
export const RDEV_API_HEALTH_PATH = '/health';

/**
 * rdev-api, the orchestrator: Deployment, Service, Ingress, settings in a ConfigMap, credentials from
 * Secrets, and a ServiceAccount that observes the platform namespace, creates one namespace per project (stamped
 * with the tenant component) and holds `rdev-api-project` only inside those.
 */
export class RdevApi extends Construct {
  readonly namespace: string;
  readonly serviceName = 'rdev-api';
  readonly serviceAccountName = 'rdev-api';
  readonly port: number;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly secrets: readonly SecretRequirement[];
  readonly deployment: k8s.KubeDeployment;
  /** The pull Secret the pods reference, when the image is private. */
  readonly imagePullSecretName?: string;

  constructor(scope: Construct, id: string, props: RdevApiProps) {
    super(scope, id);
    const where = `RdevApi '${id}'`;
    checkDnsLabel(where, 'namespace', props.namespace);
    checkDnsLabel(where, 'projectNamespacePrefix', props.projectNamespacePrefix);
    checkPinnedImage(where, 'image', props.image);
    checkHostName(where, 'host', props.host);
    checkHostName(where, 'domain', props.domain);
    const replicas = props.replicas ?? 2;
    checkPositiveInteger(where, 'replicas', replicas);
    const port = props.port ?? 8080;
    checkPort(where, 'port', port);
    for (const [field, url] of [['giteaUrl', props.giteaUrl], ['woodpeckerUrl', props.woodpeckerUrl]] as const) {
      if (!/^https?:\/\/[^\s/]+(\/.*)?$/.test(url)) fail(where, field, url, 'is not an http(s) URL', "e.g. 'http://gitea-http.platform.svc.cluster.local:3000'", 'pass a full URL');
    }
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(props.registryUsername)) {
      fail(where, 'registryUsername', props.registryUsername, 'is not a valid registry user name', "a lower-case letter, then up to 31 lower-case letters, digits or '-', e.g. 'ci'", "pass the registry's pushing user (Zot.ciUser)");
    }
    checkDnsSubdomain(where, 'registryPasswordSecretName', props.registryPasswordSecretName);
    if (!/^[-._a-zA-Z0-9]+$/.test(props.registryPasswordSecretKey)) {
      fail(where, 'registryPasswordSecretKey', props.registryPasswordSecretKey, 'is not a valid Secret key', "letters, digits, '-', '_' or '.', e.g. 'ci-password'", "pass the registry's key (Zot.ciPasswordKey)");
    }
    const res = props.resources ?? { cpuRequest: '100m', memoryRequest: '128Mi', cpuLimit: '1', memoryLimit: '512Mi' };
    checkResources(where, 'resources', res);
    const db = props.database;
    if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$/.test(db.host)) {
      fail(where, 'database.host', db.host, 'is not host:port', "e.g. 'postgres.databases.svc.cluster.local:5432' or '[2001:db8::5]:5432'", 'write the database address as host:port');
    }
    for (const [field, value] of [['database.name', db.name], ['database.user', db.user]] as const) {
      if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(value)) fail(where, field, value, 'is not a plain PostgreSQL identifier', "a letter or '_', then up to 62 letters, digits or '_', e.g. 'rdev'", 'use a name that needs no quoting in SQL or in the URL');
    }
    if (!(DATABASE_SSL_MODES as readonly string[]).includes(db.sslMode)) {
      fail(where, 'database.sslMode', db.sslMode, 'is not an sslmode the Go PostgreSQL drivers accept', DATABASE_SSL_MODES.join(', '), 'pick one of them (lib/pq has no allow/prefer)');
    }
    const startupSeconds = props.startupSeconds ?? 300;
    if (!Number.isInteger(startupSeconds) || startupSeconds < 10 || startupSeconds > 3600) {
      fail(where, 'startupSeconds', startupSeconds, 'is not a whole number of seconds from 10 to 3600', 'e.g. 300', 'give rdev-api enough time for its migrations');
    }

    const ns = props.namespace;
    this.namespace = ns;
    this.port = port;
    const version = imageVersion(props.image);
    const labels = appLabels({ name: 'rdev-api', component: 'orchestrator', version });
    this.podLabels = selectorLabels({ name: 'rdev-api', component: 'orchestrator', version });
    const credentials = 'rdev-api-credentials';
    const account = 'rdev-api';

    this.secrets = [
      {
        name: credentials,
        namespace: ns,
        description: "rdev-api's credentials for Gitea and Woodpecker, its webhook secret and API key",
        keys: [
          {
            key: 'gitea-token',
            source: 'supply',
            help: `Gitea https://${props.giteaPublicHost}: log in as the rdev-api user (owner of org '${props.giteaDefaultOrg}'; both made by the gitea-users Job, its password is rdev-api-password in secrets/gitea-users.env) > Settings > Applications > Generate New Token, scopes write:repository, write:organization, write:user`,
          },
          {
            key: 'woodpecker-token',
            source: 'supply',
            help: `Woodpecker https://${props.woodpeckerPublicHost}: log in (through Gitea) as the rdev-api user > User settings > CLI & API > "Your personal token"`,
          },
          { key: 'woodpecker-webhook-secret', source: 'generate', bytes: 32 },
          { key: 'api-key', source: 'generate', bytes: 32 },
        ],
      },
      {
        name: RDEV_API_DATABASE_SECRET,
        namespace: ns,
        description: `rdev-api's PostgreSQL connection URL (database '${db.name}' on ${db.host} as role '${db.user}')`,
        keys: [
          {
            key: RDEV_API_DATABASE_KEY,
            source: 'supply',
            help:
              `the whole URL, ${databaseUrlForm(db)} (percent-encode the password: @ is %40, : is %3A, / is %2F, % is %25). ` +
              `Create the role and database as a PostgreSQL superuser in psql: CREATE ROLE ${db.user} LOGIN; \\password ${db.user} (psql prompts, so the password stays out of the server log and shell history); CREATE DATABASE ${db.name} OWNER ${db.user}; ` +
              '(rdev-api creates its tables itself on start). npm run secrets checks host, database, role and sslmode against the region',
            check: { kind: 'database-url', database: { host: db.host, name: db.name, user: db.user, sslMode: db.sslMode } },
          },
        ],
      },
    ];
    if (props.privateImage) {
      this.imagePullSecretName = RDEV_API_PULL_SECRET;
      this.secrets = [...this.secrets, pullSecretRequirement(RDEV_API_PULL_SECRET, ns, props.image, 'rdev-api')];
    }

    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: 'rdev-api-config', namespace: ns, labels },
      data: {
        PORT: String(port),
        GITEA_URL: props.giteaUrl,
        GITEA_DEFAULT_ORG: props.giteaDefaultOrg,
        DEFAULT_DOMAIN: props.domain,
        CLUSTER_IP: props.publicIp,
        DEPLOY_NAMESPACE_PREFIX: `${props.projectNamespacePrefix}-`,
        DEPLOY_NAMESPACE_COMPONENT: props.tenantComponent,
        DEPLOY_TLS_ISSUER: props.tlsIssuer,
        DEPLOY_RUNTIME_CLASS: props.runtimeClassName,
        REGISTRY_URL: props.registryUrl,
        REGISTRY_USERNAME: props.registryUsername,
        WOODPECKER_URL: props.woodpeckerUrl,
      },
    });

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: account, namespace: ns, labels },
      automountServiceAccountToken: true,
    });
    new k8s.KubeRole(this, 'PlatformRole', {
      metadata: { name: account, namespace: ns, labels },
      rules: RDEV_API_PLATFORM_RULES.map((r) => ({ ...r })),
    });
    new k8s.KubeRoleBinding(this, 'PlatformRoleBinding', {
      metadata: { name: account, namespace: ns, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: account },
      subjects: [{ kind: 'ServiceAccount', name: account, namespace: ns }],
    });
    // Bound per project namespace by the tenant component (TenantNamespace), never cluster-wide.
    new k8s.KubeClusterRole(this, 'ProjectRole', {
      metadata: { name: RDEV_API_PROJECT_ROLE, labels },
      rules: RDEV_API_PROJECTS_RULES.map((r) => ({ ...r })),
    });
    new k8s.KubeClusterRole(this, 'NamespacesRole', {
      metadata: { name: 'rdev-api-namespaces', labels },
      rules: RDEV_API_NAMESPACE_RULES.map((r) => ({ ...r })),
    });
    new k8s.KubeClusterRoleBinding(this, 'NamespacesRoleBinding', {
      metadata: { name: 'rdev-api-namespaces', labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'rdev-api-namespaces' },
      subjects: [{ kind: 'ServiceAccount', name: account, namespace: ns }],
    });

    new k8s.KubeService(this, 'Service', {
      metadata: { name: this.serviceName, namespace: ns, labels },
      spec: {
        type: 'ClusterIP',
        selector: { ...this.podLabels },
        ports: [{ name: 'http', port, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });

    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name: 'rdev-api', namespace: ns, labels },
      spec: {
        replicas,
        selector: { matchLabels: { ...this.podLabels } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: account,
            enableServiceLinks: false,
            ...(this.imagePullSecretName ? { imagePullSecrets: [{ name: this.imagePullSecretName }] } : {}),
            securityContext: podSecurityContext(65532),
            ...placementSpec(props.placement),
            containers: [
              {
                name: 'rdev-api',
                image: props.image,
                imagePullPolicy: 'IfNotPresent',
                envFrom: [{ configMapRef: { name: 'rdev-api-config' } }],
                env: [
                  // the whole URL from the supplied Secret: the password never passes through a ConfigMap or dist/
                  secretEnv('DATABASE_URL', RDEV_API_DATABASE_SECRET, RDEV_API_DATABASE_KEY),
                  secretEnv('GITEA_TOKEN', credentials, 'gitea-token'),
                  secretEnv('WOODPECKER_TOKEN', credentials, 'woodpecker-token'),
                  secretEnv('WOODPECKER_WEBHOOK_SECRET', credentials, 'woodpecker-webhook-secret'),
                  secretEnv('RDEV_API_KEY', credentials, 'api-key'),
                  // Push credentials of the registry; rdev-api also hands them to pipelines as a Woodpecker org secret.
                  secretEnv('REGISTRY_PASSWORD', props.registryPasswordSecretName, props.registryPasswordSecretKey),
                  secretEnv('CLOUDFLARE_API_TOKEN', props.cloudflareSecretName, CLOUDFLARE_TOKEN_KEY),
                  secretEnv('CLOUDFLARE_ZONE_ID', props.cloudflareSecretName, CLOUDFLARE_ZONE_KEY),
                ],
                ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
                // Start: rdev-api migrates its database before it listens; allow startupSeconds before liveness counts.
                startupProbe: { tcpSocket: { port: k8s.IntOrString.fromString('http') }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: Math.ceil(startupSeconds / 5) },
                // Liveness must not depend on the database: a PostgreSQL outage would restart every replica at once.
                // The seeds name one route, /health, and do not say it skips the database, so liveness is the port.
                livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('http') }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
                // Readiness may: without its database rdev-api cannot serve, so it leaves the Service until it is back.
                // 5 s is the seeds' timeout for health checks (rdev/CLAUDE.md "HTTP clients").
                readinessProbe: { httpGet: { path: RDEV_API_HEALTH_PATH, port: k8s.IntOrString.fromString('http') }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
                resources: resources(res),
                securityContext: containerSecurityContext({ readOnlyRootFilesystem: true }),
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    });

    new TlsIngress(this, 'Ingress', {
      name: 'rdev-api',
      namespace: ns,
      labels,
      host: props.host,
      serviceName: this.serviceName,
      servicePort: port,
      tlsSecretName: props.tlsSecretName,
    });
  }
}

/** The tag (or digest) of an image reference, for the version label. */
function imageVersion(image: string): string {
  const at = image.indexOf('@');
  if (at > 0) return image.slice(at + 1 + 'sha256:'.length, at + 1 + 'sha256:'.length + 12);
  return image.slice(image.lastIndexOf(':') + 1);
}
