/**
 * Composition of a resolved region into cdk8s charts: one chart per component, in apply order, plus the
 * reusable Kustomize components, the Secrets the manifests reference and the objects they reference
 * that someone else creates. The mapping Region -> construct props lives here and only here.
 *
 * Pure: no I/O, no env reads (App gets an explicit outdir), no clocks; the same Region always gives the
 * same charts.
 */
import { App, Chart } from 'cdk8s';
import {
  CertManager,
  cloudflareSecretRequirement,
  ConstructPropsError,
  Gitea,
  GvisorRuntimeClass,
  Http01Issuer,
  Namespaces,
  PlatformNetworkPolicies,
  appLabels,
  NODE_SELECTOR_ANNOTATION,
  podSecurity,
  RdevApi,
  RdevApiScope,
  RDEV_API_PROJECT_ROLE,
  selectorText,
  TENANT_LABEL,
  TenantNamespace,
  RegionOptIns,
  TenantIsolation,
  Woodpecker,
  Zot,
  type DatabaseEndpoint,
  type Placement,
  type SecretRequirement,
} from '../constructs';
import { parseDatabaseHost } from './database';
import { cidrHost, formatIp, mustParseCidr, normalizeIp } from './net';
import { OPT_INS_COMPONENT, OPT_INS_CONFIGMAP } from './opt-ins';
import { RegionValidationError } from './region-error';
import { platformPlacementIssues } from './rules-platform';
import { POOL_LABEL, type PoolName, type Region } from './types';
import { imagesOf, kubernetesMinor } from './versions';

export interface ComposedComponent {
  /** File name in dist/<region>/, NN- prefix = apply order, e.g. '10-namespaces.yaml'. */
  readonly file: string;
  readonly chart: Chart;
}

export interface ExternalObject {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly reason: string;
}

export interface ComposedRegion {
  readonly region: Region;
  readonly app: App;
  /** In apply order. */
  readonly components: readonly ComposedComponent[];
  /** Kustomize components (kind: Component), written to dist/<region>/components/<name>/. */
  readonly kustomizeComponents: readonly { readonly name: string; readonly chart: Chart }[];
  /** Every Secret referenced by the manifests; synth emits secretGenerator entries for them. */
  readonly secrets: readonly SecretRequirement[];
  /** Objects referenced but created elsewhere, so cross-reference checks accept them. */
  readonly external: readonly ExternalObject[];
}

/** Namespace Woodpecker's Kubernetes backend runs pipeline pods in (untrusted builds, build pool). */
export const BUILDS_NAMESPACE = 'builds';
/** Secret with the Cloudflare API token and zone id, in the platform namespace. */
export const CLOUDFLARE_SECRET = 'cloudflare';
/** Name of the reusable tenant component. */
export const TENANT_COMPONENT = 'tenant-isolation';
/** HTTP-01 Issuer in every project namespace (rdev-api's DEPLOY_TLS_ISSUER for custom domains). */
export const HTTP01_ISSUER = 'letsencrypt-http01';
/** RuntimeClass every tenant pod must use. */
export const RUNTIME_CLASS = 'gvisor';

/** Gitea's site admin when the region names no Woodpecker admin. */
export const GITEA_ADMIN_DEFAULT = 'platform-admin';
/** The Gitea user rdev-api works as (its token in rdev-api-credentials is this user's). */
export const GITEA_RDEV_API_USER = 'rdev-api';

/** Component files, in apply order. Names are a public contract (dist/ file names). */
export const COMPONENT_FILES = {
  namespaces: '10-namespaces.yaml',
  runtimeClass: '20-runtime-class.yaml',
  certManager: '30-cert-manager.yaml',
  networkPolicies: '40-network-policies.yaml',
  gitea: '50-gitea.yaml',
  zot: '60-zot.yaml',
  woodpecker: '70-woodpecker.yaml',
  rdevApi: '80-rdev-api.yaml',
} as const;

/**
 * Composes a resolved region. A construct that rejects the mapped props throws ConstructPropsError,
 * re-thrown with the region's name in front so the message says which region to fix.
 */
export function composeRegion(region: Region): ComposedRegion {
  try {
    return compose(region);
  } catch (error) {
    if (error instanceof ConstructPropsError) throw new ConstructPropsError(`region '${region.name}': ${error.message}`);
    throw error;
  }
}

function compose(region: Region): ComposedRegion {
  const p = region.platform;
  // every release and image comes from the region's pins (regions/versions.ts)
  const v = region.versions;
  const images = imagesOf(v);
  const minor = kubernetesMinor(v.k3s);
  if (minor === undefined) throw new Error(`region '${region.name}': versions.k3s '${v.k3s}' is not a k3s release (expected e.g. v1.35.8+k3s1; regions/rules.ts should have refused it)`);
  const ns = p.namespace;
  const app = new App({ outdir: `dist/${region.name}`, recordConstructMetadata: false });
  const chart = (id: string): Chart => new Chart(app, id, { disableResourceNameHashes: true });

  const runHosts = region.pools.run ?? [];
  const runHost = runHosts[0];
  if (!runHost) {
    throw new RegionValidationError(region.name, 'composeRegion', [
      {
        region: region.name,
        path: 'pools.run',
        value: undefined,
        problem: 'has no hosts',
        expected: 'at least one run-pool host with a taint',
        fix: 'tenant workloads only run on gVisor nodes: add a run pool to the region file',
      },
    ]);
  }
  const stranded = platformPlacementIssues(region.name, region.pools);
  if (stranded.length > 0) throw new RegionValidationError(region.name, 'composeRegion', stranded);
  const poolSelector = (pool: PoolName): Record<string, string> => ({ [POOL_LABEL]: pool });
  const poolPlacement = (pool: PoolName): Placement | undefined => {
    const host = region.pools[pool]?.[0];
    return host ? { nodeSelector: poolSelector(pool), tolerateTaints: host.taints } : undefined;
  };
  const buildHost = region.pools.build?.[0];
  // Stateful platform apps (local-path claims pin them to a node) and the rest of the platform go to ops.
  const platformPlacement = poolPlacement('ops');

  // Charts are created in apply order; the network policies are filled in once the apps exist.
  const namespacesChart = chart('namespaces');
  const runtimeChart = chart('runtime-class');
  const certChart = chart('cert-manager');
  const policyChart = chart('network-policies');
  const giteaChart = chart('gitea');
  const zotChart = chart('zot');
  const woodpeckerChart = chart('woodpecker');
  const rdevChart = chart('rdev-api');
  const tenantChart = chart(TENANT_COMPONENT);

  new Namespaces(namespacesChart, 'namespaces', {
    platformNamespace: ns,
    buildsNamespace: BUILDS_NAMESPACE,
    version: v.k3s,
    kubernetesMinor: minor,
    ...(buildHost ? { buildsNodeSelector: poolSelector('build'), buildsTolerateTaints: buildHost.taints } : {}),
  });

  // The region's dangerous opt-ins, recorded next to the namespaces so the cluster and `npm run diff` see them.
  const optIns = Object.entries(region.dangerousOptIns).filter((e): e is [string, string] => typeof e[1] === 'string');
  if (optIns.length > 0) {
    new RegionOptIns(namespacesChart, 'opt-ins', { namespace: ns, optIns: Object.fromEntries(optIns), name: OPT_INS_CONFIGMAP, component: OPT_INS_COMPONENT });
  }

  new GvisorRuntimeClass(runtimeChart, 'gvisor', {
    name: RUNTIME_CLASS,
    gvisorVersion: v.gvisor,
    nodeSelector: poolSelector('run'),
    runPoolTaints: runHost.taints,
  });

  // HTTP-01 solver pods in tenant namespaces are pinned to the run pool and cannot use gVisor.
  const tenantSolverPlacement: Placement = { nodeSelector: poolSelector('run'), tolerateTaints: runHost.taints };
  const certManager = new CertManager(certChart, 'cert-manager', {
    domain: p.domain,
    acmeEmail: p.acmeEmail,
    acmeServer: p.acmeServer,
    certManagerVersion: v.certManager,
    platformNamespace: ns,
    cloudflareSecretName: CLOUDFLARE_SECRET,
  });
  const tlsSecretName = certManager.certificateSecretName;

  const woodpeckerWebhookHost = `woodpecker-server.${ns}.svc.cluster.local`;
  const gitea = new Gitea(giteaChart, 'gitea', {
    namespace: ns,
    version: v.gitea,
    image: images.gitea,
    host: p.gitea.host,
    sshHost: p.gitea.sshHost,
    sshPort: p.gitea.sshPort,
    database: p.gitea.database,
    storageClassName: p.defaultStorageClass,
    storageSize: p.gitea.storageSize,
    tlsSecretName,
    webhookAllowedHosts: [woodpeckerWebhookHost],
    // The platform's accounts: the first Woodpecker admin as Gitea's site admin (Woodpecker admins are Gitea
    // logins), and the rdev-api user owning the org it creates repositories in (and signs in to Woodpecker with).
    users: [
      { username: p.woodpecker.admins[0] ?? GITEA_ADMIN_DEFAULT, email: p.acmeEmail, admin: true },
      { username: GITEA_RDEV_API_USER, email: `${GITEA_RDEV_API_USER}@${p.domain}`, organizations: [p.gitea.defaultOrg] },
    ],
    ...(platformPlacement ? { placement: platformPlacement } : {}),
  });

  const zot = new Zot(zotChart, 'zot', {
    namespace: ns,
    version: v.zot,
    image: images.zot,
    htpasswdImage: images.htpasswd,
    host: p.zot.host,
    storageClassName: p.defaultStorageClass,
    storageSize: p.zot.storageSize,
    gcDelay: p.zot.gcDelay,
    dedupe: p.zot.dedupe,
    tlsSecretName,
    ...(platformPlacement ? { placement: platformPlacement } : {}),
  });

  const woodpecker = new Woodpecker(woodpeckerChart, 'woodpecker', {
    namespace: ns,
    version: v.woodpecker,
    serverImage: images.woodpeckerServer,
    agentImage: images.woodpeckerAgent,
    host: p.woodpecker.host,
    giteaHost: p.gitea.host,
    admins: p.woodpecker.admins,
    // the rdev-api user signs in to Woodpecker as a member of the org it creates repositories in
    orgs: [p.gitea.defaultOrg],
    agentReplicas: p.woodpecker.agentReplicas,
    pipelineNamespace: BUILDS_NAMESPACE,
    storageClassName: p.defaultStorageClass,
    buildVolumeSize: p.woodpecker.buildVolumeSize,
    storageSize: p.woodpecker.storageSize,
    tlsSecretName,
    ...(buildHost ? { pipelineNodeSelector: poolSelector('build'), pipelineTolerateTaints: buildHost.taints } : {}),
    ...(platformPlacement ? { serverPlacement: platformPlacement, agentPlacement: platformPlacement } : {}),
  });
  if (woodpecker.webhookHost !== woodpeckerWebhookHost) {
    throw new Error(`region '${region.name}': Woodpecker webhook host '${woodpecker.webhookHost}' differs from Gitea's ALLOWED_HOST_LIST '${woodpeckerWebhookHost}' (expected the same in-cluster name); keep compose.ts and constructs/woodpecker.ts in step`);
  }

  const svc = (name: string, port: number): string => `${name}.${ns}.svc.cluster.local:${port}`;
  const rdev = new RdevApi(rdevChart, 'rdev-api', {
    namespace: ns,
    projectNamespacePrefix: p.projectsNamespace,
    tenantComponent: TENANT_COMPONENT,
    image: images.rdevApi,
    host: p.rdevApi.host,
    replicas: p.rdevApi.replicas,
    tlsSecretName,
    domain: p.domain,
    publicIp: region.network.loadBalancerIps[0] ?? runHost.publicIp,
    giteaUrl: `http://${svc(gitea.httpServiceName, gitea.httpPort)}`,
    giteaPublicHost: p.gitea.host,
    giteaDefaultOrg: p.gitea.defaultOrg,
    woodpeckerUrl: `http://${svc(woodpecker.serverServiceName, woodpecker.httpPort)}`,
    woodpeckerPublicHost: p.woodpecker.host,
    registryUrl: svc(zot.serviceName, zot.port),
    registryUsername: zot.ciUser,
    registryPasswordSecretName: zot.usersSecretName,
    registryPasswordSecretKey: zot.ciPasswordKey,
    tlsIssuer: HTTP01_ISSUER,
    runtimeClassName: RUNTIME_CLASS,
    cloudflareSecretName: CLOUDFLARE_SECRET,
    database: { host: p.rdevApi.database.host, name: p.rdevApi.database.name, user: p.rdevApi.database.user, sslMode: p.rdevApi.database.sslMode },
    privateImage: p.rdevApi.privateImage,
    ...(platformPlacement ? { placement: platformPlacement } : {}),
  });
  const rdevDatabase = databaseEndpoint(region.name, 'platform.rdevApi.database', 'rdev-api', p.rdevApi.database);

  // Tenants must not reach the region's own machines through their public addresses either.
  const lbIps = new Set(region.network.loadBalancerIps);
  const nodePublicCidrs = [...new Set(region.hosts.map((h) => h.publicIp))].filter((ip) => !lbIps.has(ip)).map(hostCidr);
  const giteaDatabase = p.gitea.database.type === 'postgres' ? databaseEndpoint(region.name, 'platform.gitea.database', 'Gitea', p.gitea.database) : undefined;

  new PlatformNetworkPolicies(policyChart, 'platform', {
    namespace: ns,
    buildsNamespace: BUILDS_NAMESPACE,
    version: v.k3s,
    gitea: { podLabels: gitea.podLabels, port: gitea.httpPort, sshPort: gitea.sshListenPort },
    ...(giteaDatabase ? { giteaDatabase: giteaDatabase.endpoint } : {}),
    ...(gitea.usersJob ? { giteaUsersJob: { podLabels: gitea.usersJob.podLabels } } : {}),
    zot: { podLabels: zot.podLabels, port: zot.port },
    zotPullCidrs: [region.network.privateCidr],
    woodpeckerServer: { podLabels: woodpecker.serverPodLabels, port: woodpecker.httpPort, grpcPort: woodpecker.grpcPort },
    woodpeckerAgent: { podLabels: woodpecker.agentPodLabels },
    rdevApi: { podLabels: rdev.podLabels, port: rdev.port },
    rdevApiDatabase: rdevDatabase.endpoint,
    apiServiceIp: formatIp(cidrHost(mustParseCidr(region.network.serviceCidr), 1)),
    apiServerIps: (region.pools.ctrl ?? []).map((h) => h.privateIp),
    extraDeniedCidrs: nodePublicCidrs,
  });

  // The reusable component: namespace-less, stamped by kustomize onto namespaces rdev-api creates.
  new TenantIsolation(tenantChart, 'tenant', { version: v.k3s, extraDeniedCidrs: nodePublicCidrs });
  new TenantNamespace(tenantChart, 'namespace', {
    nodeSelector: poolSelector('run'),
    orchestratorClusterRole: RDEV_API_PROJECT_ROLE,
    orchestratorServiceAccount: { name: rdev.serviceAccountName, namespace: ns },
    version: v.k3s,
    kubernetesMinor: minor,
  });
  // What RBAC cannot limit: rdev-api's namespaces and RoleBindings stay inside project namespaces shaped as above.
  new RdevApiScope(rdevChart, 'scope', {
    serviceAccount: { name: rdev.serviceAccountName, namespace: ns },
    projectNamespacePrefix: `${p.projectsNamespace}-`,
    projectClusterRole: RDEV_API_PROJECT_ROLE,
    tenantLabel: TENANT_LABEL,
    podSecurityLabels: podSecurity('baseline', minor),
    requiredAnnotations: { [NODE_SELECTOR_ANNOTATION]: selectorText(poolSelector('run')) },
    labels: appLabels({ name: 'rdev-api', instance: 'rdev-api-scope', component: 'admission', version: v.k3s }),
  });
  new Http01Issuer(tenantChart, 'http01', {
    name: HTTP01_ISSUER,
    acmeEmail: p.acmeEmail,
    acmeServer: p.acmeServer,
    certManagerVersion: v.certManager,
    solverPlacement: tenantSolverPlacement,
  });

  const components: ComposedComponent[] = [
    { file: COMPONENT_FILES.namespaces, chart: namespacesChart },
    { file: COMPONENT_FILES.runtimeClass, chart: runtimeChart },
    { file: COMPONENT_FILES.certManager, chart: certChart },
    { file: COMPONENT_FILES.networkPolicies, chart: policyChart },
    { file: COMPONENT_FILES.gitea, chart: giteaChart },
    { file: COMPONENT_FILES.zot, chart: zotChart },
    { file: COMPONENT_FILES.woodpecker, chart: woodpeckerChart },
    { file: COMPONENT_FILES.rdevApi, chart: rdevChart },
  ];

  const secrets: SecretRequirement[] = [
    cloudflareSecretRequirement(CLOUDFLARE_SECRET, ns, p.domain),
    ...gitea.secrets,
    ...zot.secrets,
    ...woodpecker.secrets,
    ...rdev.secrets,
  ];

  const external: ExternalObject[] = [
    { kind: 'Namespace', name: 'kube-system', reason: 'created by Kubernetes; Traefik and CoreDNS run there (k3s)' },
    { kind: 'IngressClass', name: 'traefik', reason: 'k3s bundles Traefik and its IngressClass' },
    { kind: 'StorageClass', name: p.defaultStorageClass, reason: 'provided by the cluster (k3s local-path provisioner or the storage the region lists)' },
    { kind: 'Service', namespace: 'kube-system', name: 'kube-dns', reason: 'CoreDNS, bundled with k3s (DNS egress rules select its pods)' },
    { kind: 'Service', namespace: 'kube-system', name: 'traefik', reason: 'Traefik, bundled with k3s (ingress rules select its pods)' },
    ...certManager.createdSecrets.map((s) => ({ kind: 'Secret', namespace: s.namespace, name: s.name, reason: s.reason })),
    ...(giteaDatabase?.external ? [giteaDatabase.external] : []),
    ...(rdevDatabase.external && !(giteaDatabase?.external && sameObject(giteaDatabase.external, rdevDatabase.external)) ? [rdevDatabase.external] : []),
  ];

  return {
    region,
    app,
    components,
    kustomizeComponents: [{ name: TENANT_COMPONENT, chart: tenantChart }],
    secrets,
    external,
  };
}

function hostCidr(ip: string): string {
  return ip.includes(':') ? `${ip}/128` : `${ip}/32`;
}


function sameObject(a: ExternalObject, b: ExternalObject): boolean {
  return a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;
}

/** The region fields that say where a platform database is (rdev-api's; Gitea's when it is postgres). */
type DatabaseLocation = Pick<Region['platform']['rdevApi']['database'], 'host' | 'podLabels' | 'podPort' | 'addresses'>;

/**
 * A platform database as its egress rule sees it: the pods behind an in-cluster Service (on the pods' port), or the
 * address(es) of an outside server. The region rules (regions/rules-database.ts) have refused every other shape.
 */
function databaseEndpoint(regionName: string, field: string, who: string, db: DatabaseLocation): { endpoint: DatabaseEndpoint; external?: ExternalObject } {
  const host = parseDatabaseHost(db.host);
  const refused = (): never => {
    throw new Error(`region '${regionName}': ${field}.host '${db.host}' has no exact egress rule (regions/rules-database.ts should have refused it)`);
  };
  if (!host) return refused();
  switch (host.kind) {
    case 'service':
      if (!db.podLabels || Object.keys(db.podLabels).length === 0) return refused();
      return {
        endpoint: { kind: 'pods', namespace: host.namespace, podLabels: { ...db.podLabels }, port: db.podPort ?? host.port },
        external: { kind: 'Service', namespace: host.namespace, name: host.service, reason: `${who}'s PostgreSQL, run outside this repository` },
      };
    case 'address':
      return { endpoint: { kind: 'addresses', addresses: [normalizeIp(host.address) ?? host.address], port: host.port } };
    case 'name':
      if (!db.addresses || db.addresses.length === 0) return refused();
      return { endpoint: { kind: 'addresses', addresses: db.addresses.map((a) => normalizeIp(a) ?? a), port: host.port } };
    case 'cluster-name':
      return refused();
  }
}
