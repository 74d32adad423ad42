/**
 * Pods that no manifest lists but the platform creates at run time, as the region configures them:
 *   - Woodpecker's Kubernetes backend: one pod per pipeline step in WOODPECKER_BACKEND_K8S_NAMESPACE, with the
 *     node selector and tolerations of WOODPECKER_BACKEND_K8S_POD_NODE_SELECTOR / _POD_TOLERATIONS, but only the
 *     variables the pinned agent knows (woodpecker pipeline/backend/kubernetes/flags.go: POD_TOLERATIONS first
 *     appears in v3.9.0; an agent ignores unknown variables);
 *   - rdev-api: tenant pods in every tenant namespace (labelled platform/tenant=true, and the one a project gets
 *     from the tenant component), with DEPLOY_RUNTIME_CLASS and images under REGISTRY_URL; plus a pod that forgets
 *     the RuntimeClass, which must not be schedulable anywhere (gVisor is not optional for tenants);
 *   - cert-manager's HTTP-01 solver pods, next to each Issuer/ClusterIssuer with an http01 solver, with the
 *     solver's podTemplate (image quay.io/jetstack/cert-manager-acmesolver).
 */
import { asArray, asObject, asString, asStringMap, type KubeObject, type RegionManifests } from '../manifest';
import { toleration, type ModelWorkload, type PlatformModel, type Toleration } from './model';

type Partial = Omit<PlatformModel, 'workloads'>;

/** Woodpecker agent variables and the first release that reads each (flags.go at the tag). */
const WOODPECKER_VARIABLE_SINCE: Readonly<Record<string, readonly [number, number, number]>> = {
  WOODPECKER_BACKEND_K8S_NAMESPACE: [1, 0, 0],
  WOODPECKER_BACKEND_K8S_POD_NODE_SELECTOR: [2, 0, 0],
  WOODPECKER_BACKEND_K8S_POD_TOLERATIONS: [3, 9, 0],
};

function semver(tag: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(tag);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function atLeast(v: readonly number[], min: readonly number[]): boolean {
  for (let i = 0; i < 3; i++) if ((v[i] ?? 0) !== (min[i] ?? 0)) return (v[i] ?? 0) > (min[i] ?? 0);
  return true;
}

function containersOf(o: KubeObject): Record<string, unknown>[] {
  const spec = asObject(asObject(asObject(o.spec)?.template)?.spec);
  return asArray(spec?.containers).map((c) => asObject(c) ?? {});
}

function envOf(container: Record<string, unknown>): Map<string, string> {
  const env = new Map<string, string>();
  for (const e of asArray(container.env)) {
    const o = asObject(e);
    const name = asString(o?.name);
    const value = asString(o?.value);
    if (name && value !== undefined) env.set(name, value);
  }
  return env;
}

function parseJson<T>(text: string | undefined, fallback: T): T {
  if (text === undefined) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function dynamicWorkloads(m: Partial, manifests: RegionManifests): ModelWorkload[] {
  return [...woodpeckerPipelines(m), ...tenantPods(m), ...solverPods(m, manifests)];
}

function woodpeckerPipelines(m: Partial): ModelWorkload[] {
  const out: ModelWorkload[] = [];
  for (const { object, file } of m.objects) {
    if (object.kind !== 'Deployment') continue;
    containersOf(object).forEach((container, index) => {
      const env = envOf(container);
      if (env.get('WOODPECKER_BACKEND') !== 'kubernetes') return;
      const image = asString(container.image) ?? '';
      const version = semver(image.slice(image.lastIndexOf(':') + 1));
      const known = (name: string): boolean => {
        const since = WOODPECKER_VARIABLE_SINCE[name];
        return !since || (version !== undefined && atLeast(version, since));
      };
      const read = (name: string): string | undefined => (known(name) ? env.get(name) : undefined);
      const namespace = read('WOODPECKER_BACKEND_K8S_NAMESPACE') ?? 'woodpecker';
      const ignored = [...env.keys()].filter((k) => !known(k) && env.get(k) !== undefined);
      const buildPool = m.region.pools.build && m.region.pools.build.length > 0;
      out.push({
        id: `Woodpecker pipeline pods ${namespace}/* (created by ${object.kind} ${object.metadata.namespace}/${object.metadata.name}, ${image})`,
        kind: 'Pod',
        namespace,
        origin: 'controller',
        file,
        path: `spec.template.spec.containers[${index}].env`,
        podLabels: parseJson<Record<string, string>>(read('WOODPECKER_BACKEND_K8S_POD_LABELS'), {}),
        nodeSelector: parseJson<Record<string, string>>(read('WOODPECKER_BACKEND_K8S_POD_NODE_SELECTOR'), {}),
        requiredAffinity: [],
        tolerations: parseJson<unknown[]>(read('WOODPECKER_BACKEND_K8S_POD_TOLERATIONS'), []).map(toleration),
        images: [],
        ports: [],
        ...(buildPool ? { pool: 'build' as const, poolReason: 'pipelines of untrusted repositories run on the build pool' } : {}),
        fix:
          ignored.length > 0
            ? `${image} ignores ${ignored.join(', ')} (read from ${ignored.map((k) => `v${(WOODPECKER_VARIABLE_SINCE[k] ?? []).join('.')}`).join(', ')} on, woodpecker pipeline/backend/kubernetes/flags.go): pin a Woodpecker release that reads it`
            : 'give pipeline pods the build pool node selector and tolerations (WOODPECKER_BACKEND_K8S_POD_NODE_SELECTOR / _POD_TOLERATIONS)',
        daemon: false,
      });
    });
  }
  return out;
}

function tenantPods(m: Partial): ModelWorkload[] {
  const config = m.objects.find(({ object }) => object.kind === 'ConfigMap' && asString(asObject(object.data)?.DEPLOY_RUNTIME_CLASS) !== undefined);
  if (!config) return [];
  const data = asStringMap(config.object.data);
  const runtimeClassName = data.DEPLOY_RUNTIME_CLASS ?? '';
  const registry = data.REGISTRY_URL ?? '';
  const out: ModelWorkload[] = [];
  for (const ns of m.namespaces.values()) {
    if (ns.labels['platform/tenant'] !== 'true') continue;
    const base = {
      kind: 'Pod',
      namespace: ns.name,
      origin: 'controller' as const,
      file: config.file,
      podLabels: {},
      nodeSelector: {},
      requiredAffinity: [],
      tolerations: [] as Toleration[],
      ports: [],
      daemon: false,
    };
    out.push({
      ...base,
      id: `rdev-api tenant pods ${ns.name}/* (ConfigMap ${config.object.metadata.namespace}/${config.object.metadata.name})`,
      path: 'data.DEPLOY_RUNTIME_CLASS',
      runtimeClassName,
      images: [`${registry}/${ns.name}/web:0123456789ab`],
      pool: 'run',
      poolReason: 'tenant workloads run only on the gVisor run pool',
      fix: `tenant namespaces carry the run pool's PodNodeSelector and the '${runtimeClassName}' RuntimeClass tolerates the run pool's taints`,
    });
    out.push({
      ...base,
      id: `a tenant pod without a RuntimeClass in ${ns.name}`,
      path: `metadata.annotations (namespace ${ns.name})`,
      images: [],
      mustNotSchedule: 'a tenant pod without the gVisor RuntimeClass would run unsandboxed',
      fix: "pin tenant namespaces to the run pool (PodNodeSelector annotation) and taint the run pool so that only the gVisor RuntimeClass's tolerations admit pods there",
    });
  }
  return out;
}

function solverPods(m: Partial, manifests: RegionManifests): ModelWorkload[] {
  const out: ModelWorkload[] = [];
  const issuers: { object: KubeObject; file: string; namespaces: string[] }[] = [];
  const tenantNamespaces = [...m.namespaces.values()].filter((n) => n.origin === 'rdev-api').map((n) => n.name);
  for (const { object, file } of m.objects) {
    if (object.kind === 'Issuer') issuers.push({ object, file, namespaces: [object.metadata.namespace ?? 'default'] });
  }
  for (const c of manifests.components) {
    for (const object of c.objects) if (object.kind === 'Issuer') issuers.push({ object, file: `components/${c.name}`, namespaces: tenantNamespaces });
  }
  for (const { object, file, namespaces } of issuers) {
    asArray(asObject(asObject(object.spec)?.acme)?.solvers).forEach((solver, index) => {
      const ingress = asObject(asObject(asObject(solver)?.http01)?.ingress);
      if (!ingress) return;
      const spec = asObject(asObject(ingress.podTemplate)?.spec) ?? {};
      for (const namespace of namespaces) {
        const ns = m.namespaces.get(namespace);
        const pinned = ns?.annotations['scheduler.alpha.kubernetes.io/node-selector'];
        const pool = /node\.platform\/pool=(ctrl|run|build|ops)/.exec(pinned ?? '')?.[1] as 'ctrl' | 'run' | 'build' | 'ops' | undefined;
        out.push({
          id: `cert-manager HTTP-01 solver pods ${namespace}/* (Issuer ${object.metadata.name})`,
          kind: 'Pod',
          namespace,
          origin: 'controller',
          file,
          path: `spec.acme.solvers[${index}].http01.ingress.podTemplate.spec`,
          podLabels: { 'acme.cert-manager.io/http01-solver': 'true' },
          nodeSelector: asStringMap(spec.nodeSelector),
          requiredAffinity: [],
          tolerations: asArray(spec.tolerations).map(toleration),
          images: ['quay.io/jetstack/cert-manager-acmesolver'],
          ports: [{ name: 'http', containerPort: 8089, protocol: 'TCP' }],
          ...(pool ? { pool, poolReason: `namespace ${namespace} is pinned to the ${pool} pool (PodNodeSelector)` } : {}),
          fix: `solver pods cannot use a RuntimeClass: give the Issuer's http01 podTemplate the tolerations of the ${pool ?? 'target'} pool's taints`,
          daemon: false,
        });
      }
    });
  }
  return out;
}
