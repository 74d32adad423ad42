/**
 * The platform model of one region: the hosts as Kubernetes nodes (labels, taints, the services the host itself
 * listens on), what k3s is configured with (regions/k3s-cluster.ts, the same source the k3s playbook renders
 * from), the k3s built-ins as workloads (Traefik, ServiceLB's svclb pods, CoreDNS, local-path, metrics-server),
 * the pods Woodpecker and rdev-api create as the region configures them, cert-manager's HTTP-01 solver pods, and
 * every synthesized object. The checks in this folder ask questions across these layers.
 *
 * Pure: built from RegionManifests alone.
 */
import { k3sClusterSettings, nodeLabelsOf, type K3sClusterSettings } from '../../regions/k3s-cluster';
import type { PoolName, Region } from '../../regions/types';
import { asArray, asObject, asString, asStringMap, type JsonObject, type KubeObject, type RegionManifests } from '../manifest';
import { builtinWorkloads } from './builtins';
import { dynamicWorkloads } from './dynamic-pods';

export interface Toleration {
  readonly key?: string;
  readonly operator?: string;
  readonly value?: string;
  readonly effect?: string;
  readonly tolerationSeconds?: number;
}

export interface NodeTaint {
  readonly key: string;
  readonly value?: string;
  readonly effect: string;
}

/** A port the host itself listens on (not a pod): a hostPort there shadows it. */
export interface HostService {
  readonly port: number;
  readonly endPort?: number;
  readonly protocol: 'TCP' | 'UDP';
  readonly what: string;
}

export interface ModelNode {
  readonly name: string;
  readonly pool: PoolName;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly NodeTaint[];
  readonly publicIp: string;
  readonly hostServices: readonly HostService[];
  /** Ports the host firewall admits from the load balancer (regions/k3s-cluster.ts entrypointsOf). */
  readonly firewallPublicPorts: readonly number[];
  /** RuntimeClass handlers installed (the gvisor playbook installs runsc on the run pool). */
  readonly runtimeHandlers: readonly string[];
}

export interface ModelNamespace {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Where it comes from: the manifests, k3s, or a namespace rdev-api creates (stamped with the component). */
  readonly origin: 'manifests' | 'k3s' | 'rdev-api';
}

export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly hostPort?: number;
  readonly protocol: 'TCP' | 'UDP';
}

/** A pod the cluster will run: from a workload of the manifests, a k3s built-in, or a controller. */
export interface ModelWorkload {
  /** `Deployment platform/gitea`, `k3s DaemonSet kube-system/traefik`, `Woodpecker pipeline pod builds/*`. */
  readonly id: string;
  readonly kind: string;
  readonly namespace: string;
  readonly origin: 'manifests' | 'k3s' | 'controller';
  /** Where the pod spec comes from, for messages: file and field path, or the upstream source. */
  readonly file: string;
  readonly path: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly requiredAffinity: readonly JsonObject[];
  readonly tolerations: readonly Toleration[];
  readonly runtimeClassName?: string;
  readonly images: readonly string[];
  /**
   * Pull Secrets the kubelet uses for this pod: the pod's `imagePullSecrets` plus its ServiceAccount's (manifest
   * workloads only; built-ins and controller pods pull anonymously).
   */
  readonly imagePullSecrets?: readonly string[];
  readonly ports: readonly ContainerPort[];
  /** The pool this workload is meant for (its pods must land there and only there). */
  readonly pool?: PoolName;
  /** Why it is meant for that pool, for messages. */
  readonly poolReason?: string;
  /** The fix when it cannot be scheduled where it is meant to run. */
  readonly fix?: string;
  /** Every node must run one (DaemonSet semantics): used to report how many nodes a listener covers. */
  readonly daemon: boolean;
  /** Set when the pod must NOT be schedulable anywhere, with the reason. */
  readonly mustNotSchedule?: string;
}

export interface PlatformModel {
  readonly region: Region;
  readonly settings: K3sClusterSettings;
  readonly nodes: readonly ModelNode[];
  readonly namespaces: ReadonlyMap<string, ModelNamespace>;
  readonly objects: readonly { readonly object: KubeObject; readonly file: string }[];
  readonly runtimeClasses: ReadonlyMap<string, { readonly handler: string; readonly nodeSelector: Record<string, string>; readonly tolerations: Toleration[] }>;
  readonly workloads: readonly ModelWorkload[];
  /** The Secrets the secretGenerator creates (name, namespace, type). */
  readonly secrets: RegionManifests['secrets'];
  /** Images the region says need registry credentials to pull (platform.rdevApi.privateImage). */
  readonly privateImages: ReadonlySet<string>;
}

/** k3s' node-role labels on servers (k3s pkg/agent: control-plane, master, etcd with embedded etcd). */
const SERVER_ROLE_LABELS = {
  'node-role.kubernetes.io/control-plane': 'true',
  'node-role.kubernetes.io/master': 'true',
  'node-role.kubernetes.io/etcd': 'true',
};

/** A tenant namespace as rdev-api creates it, for the pods it deploys there (see constructs/rdev-api.ts). */
export const SIMULATED_TENANT_NAMESPACE = 'dp-example-project';

function hostServices(region: Region, pool: PoolName, sshPort: number): HostService[] {
  const services: HostService[] = [
    { port: sshPort, protocol: 'TCP', what: 'sshd' },
    { port: 10250, protocol: 'TCP', what: 'kubelet' },
    region.k3s.flannelBackend === 'vxlan'
      ? { port: 8472, protocol: 'UDP', what: 'flannel vxlan' }
      : { port: 51820, endPort: 51821, protocol: 'UDP', what: 'flannel wireguard-native' },
  ];
  if (pool === 'ctrl') {
    services.push({ port: 6443, protocol: 'TCP', what: 'k3s supervisor and Kubernetes API' });
    services.push({ port: 2379, endPort: 2380, protocol: 'TCP', what: 'etcd' });
  }
  return services;
}

/** `settings` defaults to what the k3s playbook configures for the region (tests pass a broken one). */
export function buildPlatformModel(manifests: RegionManifests, settings: K3sClusterSettings = k3sClusterSettings(manifests.region)): PlatformModel {
  const region = manifests.region;
  const nodes: ModelNode[] = region.hosts.map((h) => ({
    name: h.name,
    pool: h.pool,
    labels: {
      ...nodeLabelsOf(region, h, settings),
      'kubernetes.io/hostname': h.name,
      'kubernetes.io/os': 'linux',
      ...(h.pool === 'ctrl' ? SERVER_ROLE_LABELS : {}),
    },
    taints: h.taints.map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect })),
    publicIp: h.publicIp,
    hostServices: hostServices(region, h.pool, h.sshPort),
    firewallPublicPorts: settings.entrypoints.filter((e) => e.pool === h.pool).map((e) => e.port),
    runtimeHandlers: h.pool === 'run' ? ['runc', 'runsc'] : ['runc'],
  }));

  const objects = manifests.files.flatMap((f) => f.objects.map((object) => ({ object, file: f.file })));
  const namespaces = new Map<string, ModelNamespace>();
  namespaces.set('kube-system', { name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' }, annotations: {}, origin: 'k3s' });
  for (const { object } of objects) {
    if (object.kind !== 'Namespace') continue;
    namespaces.set(object.metadata.name, {
      name: object.metadata.name,
      labels: { ...asStringMap(object.metadata.labels), 'kubernetes.io/metadata.name': object.metadata.name },
      annotations: asStringMap(object.metadata.annotations),
      origin: 'manifests',
    });
  }
  const tenantNamespace = simulatedTenantNamespace(manifests);
  if (tenantNamespace) namespaces.set(tenantNamespace.name, tenantNamespace);

  const runtimeClasses = new Map<string, { handler: string; nodeSelector: Record<string, string>; tolerations: Toleration[] }>();
  for (const { object } of objects) {
    if (object.kind !== 'RuntimeClass') continue;
    const scheduling = asObject(object.scheduling);
    runtimeClasses.set(object.metadata.name, {
      handler: asString(object.handler) ?? '',
      nodeSelector: asStringMap(scheduling?.nodeSelector),
      tolerations: asArray(scheduling?.tolerations).map(toleration),
    });
  }

  const workloads: ModelWorkload[] = [...manifestWorkloads(objects)];
  const privateImages: ReadonlySet<string> = new Set(region.platform.rdevApi.privateImage ? [region.versions.rdevApi] : []);
  const partial = { region, settings, nodes, namespaces, objects, runtimeClasses, secrets: manifests.secrets, privateImages };
  workloads.push(...builtinWorkloads(partial), ...dynamicWorkloads(partial, manifests));
  return { ...partial, workloads };
}

/** The namespace rdev-api creates per project: the labels and annotations the tenant component declares. */
function simulatedTenantNamespace(manifests: RegionManifests): ModelNamespace | undefined {
  const component = manifests.components.find((c) => c.objects.some((o) => o.kind === 'Namespace'));
  const ns = component?.objects.find((o) => o.kind === 'Namespace');
  if (!ns) return undefined;
  return {
    name: SIMULATED_TENANT_NAMESPACE,
    labels: { ...asStringMap(ns.metadata.labels), 'kubernetes.io/metadata.name': SIMULATED_TENANT_NAMESPACE },
    annotations: asStringMap(ns.metadata.annotations),
    origin: 'rdev-api',
  };
}

export function toleration(value: unknown): Toleration {
  const o = asObject(value) ?? {};
  const out: { key?: string; operator?: string; value?: string; effect?: string; tolerationSeconds?: number } = {};
  if (typeof o.tolerationSeconds === 'number') out.tolerationSeconds = o.tolerationSeconds;
  const key = asString(o.key);
  const operator = asString(o.operator);
  const v = asString(o.value);
  const effect = asString(o.effect);
  if (key !== undefined) out.key = key;
  if (operator !== undefined) out.operator = operator;
  if (v !== undefined) out.value = v;
  if (effect !== undefined) out.effect = effect;
  return out;
}

const TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

/** Pool a pod spec pins itself to through the pool label, if any. */
function poolOf(nodeSelector: Record<string, string>): PoolName | undefined {
  const v = nodeSelector['node.platform/pool'];
  return v === 'ctrl' || v === 'run' || v === 'build' || v === 'ops' ? v : undefined;
}

export function podSpecParts(spec: JsonObject): Pick<ModelWorkload, 'nodeSelector' | 'requiredAffinity' | 'tolerations' | 'images' | 'ports'> & { runtimeClassName?: string } {
  const containers = [...asArray(spec.initContainers), ...asArray(spec.containers)].map((c) => asObject(c) ?? {});
  const required = asObject(asObject(asObject(spec.affinity)?.nodeAffinity)?.requiredDuringSchedulingIgnoredDuringExecution);
  const runtimeClassName = asString(spec.runtimeClassName);
  return {
    nodeSelector: asStringMap(spec.nodeSelector),
    requiredAffinity: asArray(required?.nodeSelectorTerms).map((t) => asObject(t) ?? {}),
    tolerations: asArray(spec.tolerations).map(toleration),
    ...(runtimeClassName ? { runtimeClassName } : {}),
    images: containers.map((c) => asString(c.image)).filter((i): i is string => i !== undefined),
    ports: asArray(spec.containers).flatMap((c) =>
      asArray(asObject(c)?.ports).map((p) => {
        const o = asObject(p) ?? {};
        const name = asString(o.name);
        return {
          ...(name ? { name } : {}),
          containerPort: Number(o.containerPort),
          ...(typeof o.hostPort === 'number' ? { hostPort: o.hostPort } : {}),
          protocol: o.protocol === 'UDP' ? ('UDP' as const) : ('TCP' as const),
        };
      }),
    ),
  };
}

/** `imagePullSecrets` names of a pod spec or ServiceAccount. */
function pullSecretNames(value: unknown): string[] {
  return asArray(value).map((r) => asString(asObject(r)?.name)).filter((n): n is string => n !== undefined);
}

function manifestWorkloads(objects: readonly { object: KubeObject; file: string }[]): ModelWorkload[] {
  const out: ModelWorkload[] = [];
  const accounts = new Map<string, string[]>();
  for (const { object } of objects) {
    if (object.kind === 'ServiceAccount') accounts.set(`${object.metadata.namespace ?? 'default'}/${object.metadata.name}`, pullSecretNames(object.imagePullSecrets));
  }
  for (const { object, file } of objects) {
    const segments = TEMPLATE_PATHS[object.kind];
    if (!segments) continue;
    let node: JsonObject | undefined = object;
    for (const s of segments) node = asObject(node?.[s]);
    const spec = asObject(node?.spec);
    if (!node || !spec) continue;
    const parts = podSpecParts(spec);
    const pool = poolOf(parts.nodeSelector);
    const namespace = object.metadata.namespace ?? 'default';
    const account = asString(spec.serviceAccountName) ?? 'default';
    const imagePullSecrets = [...new Set([...pullSecretNames(spec.imagePullSecrets), ...(accounts.get(`${namespace}/${account}`) ?? [])])];
    out.push({
      id: `${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`,
      kind: object.kind,
      namespace: object.metadata.namespace ?? 'default',
      origin: 'manifests',
      file,
      path: `${segments.join('.')}.spec`,
      podLabels: asStringMap(asObject(node.metadata)?.labels),
      ...parts,
      imagePullSecrets,
      ...(pool ? { pool, poolReason: `its nodeSelector names the ${pool} pool` } : {}),
      daemon: object.kind === 'DaemonSet',
    });
  }
  return out;
}
