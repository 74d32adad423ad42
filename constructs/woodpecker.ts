import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { checkDnsLabel, checkDnsSubdomain, checkHostName, checkNotEmpty, checkPinnedImage, checkPinnedVersion, checkPositiveInteger, checkQuantity } from './construct-error';
import { appLabels, selectorLabels, stableLabels } from './labels';
import { placementSpec, tolerationFor, type Placement, type TaintSpec } from './placement';
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
  type ResourceSpec,
} from './workload';

export const WOODPECKER_HTTP_PORT = 8000;
export const WOODPECKER_GRPC_PORT = 9000;
const AGENT_HEALTH_PORT = 3000;
const UID = 1000;

/**
 * What the Kubernetes backend of the pinned agent (v3.17) calls in the pipeline namespace, read from
 * woodpecker v3.17.0 pipeline/backend/kubernetes/: one PVC per workflow (volume.go: create, delete), one Pod
 * per step (pod.go: create, delete; kubernetes.go: get, and a shared informer that lists and watches pods;
 * the log stream is a GET on pods/log), one Service per `services:` entry (service.go: create, delete) and,
 * new in v3, one Secret per step for its registry credentials and secrets (secrets.go: create, delete).
 * Namespaces are only touched with WOODPECKER_BACKEND_K8S_NAMESPACE_PER_ORGANIZATION, which is off.
 */
export const WOODPECKER_AGENT_RULES: readonly k8s.PolicyRule[] = [
  { apiGroups: [''], resources: ['pods'], verbs: ['create', 'delete', 'get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: [''], resources: ['services'], verbs: ['create', 'delete'] },
  { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['create', 'delete'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'delete'] },
];

/** Label Woodpecker's backend puts on every pipeline pod (through WOODPECKER_BACKEND_K8S_POD_LABELS). */
export const PIPELINE_POD_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/name': 'woodpecker-pipeline',
  'app.kubernetes.io/part-of': 'rdev-platform',
};

export interface WoodpeckerProps {
  readonly namespace: string;
  /** Woodpecker release, e.g. `v2.8.3` (server and agent images share it). */
  readonly version: string;
  /** Server image of that release, e.g. `docker.io/woodpeckerci/woodpecker-server:v3.17.0` (regions/versions.ts imagesOf). */
  readonly serverImage: string;
  /** Agent image of the same release. */
  readonly agentImage: string;
  /** Public host of the Woodpecker UI, e.g. `ci.example.com`. */
  readonly host: string;
  /** Public host of Gitea, e.g. `git.example.com` (OAuth login goes through the browser). */
  readonly giteaHost: string;
  /** Gitea user names that are Woodpecker admins. */
  readonly admins: readonly string[];
  /**
   * Gitea organisations whose members may sign in (and so register) besides the admins, e.g. the org the
   * rdev-api user belongs to. Woodpecker v3 server/api/login.go: with WOODPECKER_OPEN=false only admins can
   * register; with WOODPECKER_OPEN=true and WOODPECKER_ORGS set, members of those orgs can.
   */
  readonly orgs: readonly string[];
  /** @default 2 */
  readonly agentReplicas?: number;
  /** Namespace pipeline pods run in (the agents' Role is granted there only). */
  readonly pipelineNamespace: string;
  /** Storage class of the server's data claim and of every pipeline workspace claim. */
  readonly storageClassName: string;
  /** Workspace volume of one pipeline. @default '10Gi' */
  readonly buildVolumeSize?: string;
  /** Server data (sqlite). @default '5Gi' */
  readonly storageSize?: string;
  /** Node labels pipeline pods must land on (the build pool). @default none */
  readonly pipelineNodeSelector?: Readonly<Record<string, string>>;
  /** Taints of the build pool, tolerated by pipeline pods. @default none */
  readonly pipelineTolerateTaints?: readonly TaintSpec[];
  readonly tlsSecretName: string;
  /** Placement of the server (stateful). @default none */
  readonly serverPlacement?: Placement;
  /** Placement of the agents. @default none */
  readonly agentPlacement?: Placement;
  /** @default 100m/128Mi requested, 1 CPU/512Mi limit */
  readonly serverResources?: ResourceSpec;
  /** @default 50m/64Mi requested, 500m/256Mi limit */
  readonly agentResources?: ResourceSpec;
}

/**
 * Woodpecker CI: the server (Gitea forge, sqlite on a claim, HTTP 8000 behind the Ingress, gRPC 9000 for
 * agents) and agents on the Kubernetes backend. Pipelines run as pods in their own namespace
 * (`pipelineNamespace`), on the build pool, with no API token; the agents' ServiceAccount lives in the
 * platform namespace and is granted exactly the backend's needs in the pipeline namespace only.
 */
export class Woodpecker extends Construct {
  readonly namespace: string;
  readonly serverServiceName = 'woodpecker-server';
  readonly httpPort = WOODPECKER_HTTP_PORT;
  readonly grpcPort = WOODPECKER_GRPC_PORT;
  readonly serverPodLabels: Readonly<Record<string, string>>;
  readonly agentPodLabels: Readonly<Record<string, string>>;
  /** In-cluster host Gitea delivers webhooks to (goes into Gitea's webhook ALLOWED_HOST_LIST). */
  readonly webhookHost: string;
  readonly secrets: readonly SecretRequirement[];
  readonly server: k8s.KubeStatefulSet;
  readonly agents: k8s.KubeDeployment;

  constructor(scope: Construct, id: string, props: WoodpeckerProps) {
    super(scope, id);
    const where = `Woodpecker '${id}'`;
    checkDnsLabel(where, 'namespace', props.namespace);
    checkDnsLabel(where, 'pipelineNamespace', props.pipelineNamespace);
    checkPinnedVersion(where, 'version', props.version, 'v3.17.0');
    checkPinnedImage(where, 'serverImage', props.serverImage);
    checkPinnedImage(where, 'agentImage', props.agentImage);
    checkHostName(where, 'host', props.host);
    checkHostName(where, 'giteaHost', props.giteaHost);
    checkNotEmpty(where, 'admins', props.admins, "at least one Gitea user name, e.g. ['platform-admin']");
    checkNotEmpty(where, 'orgs', props.orgs, "at least one Gitea organisation, e.g. ['threesix']: without it WOODPECKER_OPEN would let every Gitea user register");
    const agentReplicas = props.agentReplicas ?? 2;
    checkPositiveInteger(where, 'agentReplicas', agentReplicas);
    checkDnsSubdomain(where, 'storageClassName', props.storageClassName);
    const buildVolumeSize = props.buildVolumeSize ?? '10Gi';
    checkQuantity(where, 'buildVolumeSize', buildVolumeSize);
    const storageSize = props.storageSize ?? '5Gi';
    checkQuantity(where, 'storageSize', storageSize);
    const serverRes = props.serverResources ?? { cpuRequest: '100m', memoryRequest: '128Mi', cpuLimit: '1', memoryLimit: '512Mi' };
    const agentRes = props.agentResources ?? { cpuRequest: '50m', memoryRequest: '64Mi', cpuLimit: '500m', memoryLimit: '256Mi' };
    checkResources(where, 'serverResources', serverRes);
    checkResources(where, 'agentResources', agentRes);

    const ns = props.namespace;
    this.namespace = ns;
    const version = props.version;
    const serverLabels = appLabels({ name: 'woodpecker', instance: 'woodpecker-server', component: 'server', version });
    const agentLabels = appLabels({ name: 'woodpecker', instance: 'woodpecker-agent', component: 'agent', version });
    this.serverPodLabels = selectorLabels({ name: 'woodpecker', instance: 'woodpecker-server', component: 'server', version });
    this.agentPodLabels = selectorLabels({ name: 'woodpecker', instance: 'woodpecker-agent', component: 'agent', version });
    this.webhookHost = `${this.serverServiceName}.${ns}.svc.cluster.local`;

    const agentSecret = 'woodpecker-agent-secret';
    const serverSecret = 'woodpecker-server-secret';
    const oauthSecret = 'woodpecker-gitea-oauth';
    this.secrets = [
      {
        name: agentSecret,
        namespace: ns,
        description: 'Shared secret Woodpecker agents authenticate to the server with',
        keys: [{ key: 'agent-secret', source: 'generate', bytes: 32 }],
      },
      {
        name: serverSecret,
        namespace: ns,
        description: "Woodpecker server's gRPC JWT signing secret",
        keys: [{ key: 'grpc-secret', source: 'generate', bytes: 32 }],
      },
      {
        name: oauthSecret,
        namespace: ns,
        description: 'OAuth2 application Woodpecker logs users in with (Gitea forge)',
        keys: [
          {
            key: 'client-id',
            source: 'supply',
            help: `Gitea https://${props.giteaHost}, logged in as the site admin (made by the gitea-users Job; its password is in secrets/gitea-users.env) > Site Administration > Integrations > Applications > Create OAuth2 Application "Woodpecker CI", redirect URI https://${props.host}/authorize; copy the Client ID`,
          },
          {
            key: 'client-secret',
            source: 'supply',
            help: `the Client Secret shown once when creating the "Woodpecker CI" OAuth2 application in Gitea https://${props.giteaHost} (redirect URI https://${props.host}/authorize)`,
          },
        ],
      },
    ];

    // ----------------------------------------------------------------------------- server
    new k8s.KubeService(this, 'ServerService', {
      metadata: { name: this.serverServiceName, namespace: ns, labels: serverLabels },
      spec: {
        type: 'ClusterIP',
        selector: { ...this.serverPodLabels },
        ports: [
          { name: 'http', port: WOODPECKER_HTTP_PORT, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' },
          { name: 'grpc', port: WOODPECKER_GRPC_PORT, targetPort: k8s.IntOrString.fromString('grpc'), protocol: 'TCP' },
        ],
      },
    });

    this.server = new k8s.KubeStatefulSet(this, 'Server', {
      metadata: { name: 'woodpecker-server', namespace: ns, labels: serverLabels },
      spec: {
        serviceName: this.serverServiceName,
        replicas: 1,
        selector: { matchLabels: { ...this.serverPodLabels } },
        template: {
          metadata: { labels: serverLabels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: podSecurityContext(UID),
            ...placementSpec(props.serverPlacement),
            containers: [
              {
                name: 'server',
                image: props.serverImage,
                imagePullPolicy: 'IfNotPresent',
                env: [
                  { name: 'WOODPECKER_HOST', value: `https://${props.host}` },
                  // v3 renamed WOODPECKER_WEBHOOK_HOST (v3.17.0 cmd/server/flags.go, "expert flags")
                  { name: 'WOODPECKER_EXPERT_WEBHOOK_HOST', value: `http://${this.webhookHost}:${WOODPECKER_HTTP_PORT}` },
                  { name: 'WOODPECKER_SERVER_ADDR', value: `:${WOODPECKER_HTTP_PORT}` },
                  { name: 'WOODPECKER_GRPC_ADDR', value: `:${WOODPECKER_GRPC_PORT}` },
                  // registration is open to members of `orgs` only (server/api/login.go checks the org filter first)
                  { name: 'WOODPECKER_OPEN', value: 'true' },
                  { name: 'WOODPECKER_ORGS', value: props.orgs.join(',') },
                  { name: 'WOODPECKER_ADMIN', value: props.admins.join(',') },
                  { name: 'WOODPECKER_GITEA', value: 'true' },
                  { name: 'WOODPECKER_GITEA_URL', value: `https://${props.giteaHost}` },
                  { name: 'WOODPECKER_DATABASE_DRIVER', value: 'sqlite3' },
                  { name: 'WOODPECKER_DATABASE_DATASOURCE', value: '/var/lib/woodpecker/woodpecker.sqlite' },
                  { name: 'WOODPECKER_DISABLE_VERSION_CHECK', value: 'true' },
                  { name: 'WOODPECKER_LOG_LEVEL', value: 'info' },
                  secretEnv('WOODPECKER_AGENT_SECRET', agentSecret, 'agent-secret'),
                  secretEnv('WOODPECKER_GRPC_SECRET', serverSecret, 'grpc-secret'),
                  secretEnv('WOODPECKER_GITEA_CLIENT', oauthSecret, 'client-id'),
                  secretEnv('WOODPECKER_GITEA_SECRET', oauthSecret, 'client-secret'),
                ],
                ports: [
                  { name: 'http', containerPort: WOODPECKER_HTTP_PORT, protocol: 'TCP' },
                  { name: 'grpc', containerPort: WOODPECKER_GRPC_PORT, protocol: 'TCP' },
                ],
                livenessProbe: httpProbe('/healthz', 'http', { initialDelaySeconds: 10 }),
                readinessProbe: httpProbe('/healthz', 'http', { initialDelaySeconds: 5 }),
                resources: resources(serverRes),
                securityContext: containerSecurityContext({ readOnlyRootFilesystem: true }),
                volumeMounts: [
                  { name: 'data', mountPath: '/var/lib/woodpecker' },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: 'data', labels: stableLabels({ name: 'woodpecker', instance: 'woodpecker-server', component: 'server', version }) }, spec: claimSpec(props.storageClassName, storageSize) }],
      },
    });

    new TlsIngress(this, 'Ingress', {
      name: 'woodpecker',
      namespace: ns,
      labels: serverLabels,
      host: props.host,
      serviceName: this.serverServiceName,
      servicePort: WOODPECKER_HTTP_PORT,
      tlsSecretName: props.tlsSecretName,
    });

    // ----------------------------------------------------------------------------- agents
    const agentAccount = 'woodpecker-agent';
    new k8s.KubeServiceAccount(this, 'AgentServiceAccount', {
      metadata: { name: agentAccount, namespace: ns, labels: agentLabels },
      automountServiceAccountToken: true,
    });
    new k8s.KubeRole(this, 'AgentRole', {
      metadata: { name: agentAccount, namespace: props.pipelineNamespace, labels: agentLabels },
      rules: WOODPECKER_AGENT_RULES.map((r) => ({ ...r })),
    });
    new k8s.KubeRoleBinding(this, 'AgentRoleBinding', {
      metadata: { name: agentAccount, namespace: props.pipelineNamespace, labels: agentLabels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: agentAccount },
      subjects: [{ kind: 'ServiceAccount', name: agentAccount, namespace: ns }],
    });

    const backendEnv: k8s.EnvVar[] = [
      { name: 'WOODPECKER_SERVER', value: `${this.serverServiceName}:${WOODPECKER_GRPC_PORT}` },
      secretEnv('WOODPECKER_AGENT_SECRET', agentSecret, 'agent-secret'),
      { name: 'WOODPECKER_HEALTHCHECK_ADDR', value: `:${AGENT_HEALTH_PORT}` },
      { name: 'WOODPECKER_AGENT_CONFIG_FILE', value: '/etc/woodpecker/agent.conf' },
      { name: 'WOODPECKER_MAX_WORKFLOWS', value: '1' },
      { name: 'WOODPECKER_BACKEND', value: 'kubernetes' },
      { name: 'WOODPECKER_BACKEND_K8S_NAMESPACE', value: props.pipelineNamespace },
      { name: 'WOODPECKER_BACKEND_K8S_STORAGE_CLASS', value: props.storageClassName },
      { name: 'WOODPECKER_BACKEND_K8S_VOLUME_SIZE', value: buildVolumeSize },
      // local-path volumes are ReadWriteOnce only.
      { name: 'WOODPECKER_BACKEND_K8S_STORAGE_RWX', value: 'false' },
      { name: 'WOODPECKER_BACKEND_K8S_POD_LABELS', value: JSON.stringify(PIPELINE_POD_LABELS) },
      { name: 'WOODPECKER_BACKEND_K8S_POD_LABELS_ALLOW_FROM_STEP', value: 'false' },
      { name: 'WOODPECKER_BACKEND_K8S_POD_ANNOTATIONS_ALLOW_FROM_STEP', value: 'false' },
      // Pipelines are untrusted: a step may not add tolerations (v3.17.0 pipeline/backend/kubernetes/flags.go
      // defaults this one to true, which would let a step tolerate the run pool's taint), nor choose its node,
      // affinity, ServiceAccount or read Kubernetes Secrets of the namespace (those default to false; pinned here).
      { name: 'WOODPECKER_BACKEND_K8S_POD_TOLERATIONS_ALLOW_FROM_STEP', value: 'false' },
      { name: 'WOODPECKER_BACKEND_K8S_POD_NODE_SELECTOR_ALLOW_FROM_STEP', value: 'false' },
      { name: 'WOODPECKER_BACKEND_K8S_POD_AFFINITY_ALLOW_FROM_STEP', value: 'false' },
      { name: 'WOODPECKER_BACKEND_K8S_SERVICE_ACCOUNT_NAME_ALLOW_FROM_STEP', value: 'false' },
      { name: 'WOODPECKER_BACKEND_K8S_ALLOW_NATIVE_SECRETS', value: 'false' },
    ];
    // Build-pool placement of every pipeline pod: WOODPECKER_BACKEND_K8S_POD_NODE_SELECTOR (a YAML/JSON map) and
    // WOODPECKER_BACKEND_K8S_POD_TOLERATIONS (a YAML/JSON list of {key, operator, value, effect}), both parsed
    // with yaml.Unmarshal in v3.17.0 pipeline/backend/kubernetes/kubernetes.go configFromCliContext.
    if (props.pipelineNodeSelector && Object.keys(props.pipelineNodeSelector).length > 0) {
      backendEnv.push({ name: 'WOODPECKER_BACKEND_K8S_POD_NODE_SELECTOR', value: JSON.stringify(props.pipelineNodeSelector) });
    }
    if (props.pipelineTolerateTaints && props.pipelineTolerateTaints.length > 0) {
      backendEnv.push({ name: 'WOODPECKER_BACKEND_K8S_POD_TOLERATIONS', value: JSON.stringify(props.pipelineTolerateTaints.map(tolerationFor)) });
    }

    this.agents = new k8s.KubeDeployment(this, 'Agents', {
      metadata: { name: 'woodpecker-agent', namespace: ns, labels: agentLabels },
      spec: {
        replicas: agentReplicas,
        selector: { matchLabels: { ...this.agentPodLabels } },
        template: {
          metadata: { labels: agentLabels },
          spec: {
            serviceAccountName: agentAccount,
            enableServiceLinks: false,
            securityContext: podSecurityContext(UID),
            ...placementSpec(props.agentPlacement),
            containers: [
              {
                name: 'agent',
                image: props.agentImage,
                imagePullPolicy: 'IfNotPresent',
                env: backendEnv,
                ports: [{ name: 'health', containerPort: AGENT_HEALTH_PORT, protocol: 'TCP' }],
                livenessProbe: httpProbe('/healthz', 'health', { initialDelaySeconds: 10 }),
                readinessProbe: httpProbe('/healthz', 'health', { initialDelaySeconds: 5 }),
                resources: resources(agentRes),
                securityContext: containerSecurityContext({ readOnlyRootFilesystem: true }),
                volumeMounts: [
                  { name: 'config', mountPath: '/etc/woodpecker' },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            // The agent stores its id in agent.conf; an emptyDir means a restarted agent registers anew.
            volumes: [
              { name: 'config', emptyDir: {} },
              { name: 'tmp', emptyDir: {} },
            ],
          },
        },
      },
    });
  }
}
