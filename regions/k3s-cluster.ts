/**
 * What the k3s playbook configures on the hosts that the manifests depend on, derived from the region in ONE
 * place: the k3s playbook renders config.yaml, the Traefik HelmChartConfig and registries.yaml from it, and synth's
 * platform model (synth/platform/) reads the same values, so the model cannot drift from the hosts.
 *
 * The design (docs/platform.md):
 *   - public HTTP(S): the load balancer sends 80/443 to the run pool; Traefik (k3s' bundled chart) runs there as a
 *     DaemonSet with hostPorts 80/443, tolerating the run pool's taints; its Service is ClusterIP, so ServiceLB
 *     publishes nothing for it (no svclb-traefik pods holding 80/443 anywhere);
 *   - git SSH: Gitea's LoadBalancer Service on `platform.gitea.sshPort` (default 2222, a port no host uses; the
 *     hosts' sshd keeps its own port); ServiceLB publishes it only on the nodes labelled
 *     `svccontroller.k3s.cattle.io/enablelb=true`, i.e. the git-SSH pool (ops, else ctrl), which the load balancer
 *     targets for that port and the firewall opens for it;
 *   - the in-cluster registry name rdev-api tags images with is mirrored in /etc/rancher/k3s/registries.yaml to
 *     `https://<zot host>` (anonymous pull), because containerd on the node resolves names with the host resolver.
 *
 * Pure: no I/O.
 */
import { ZOT_PORT, ZOT_SERVICE_NAME } from '../constructs/zot';
import type { TaintSpec } from '../constructs/placement';
import { POOL_LABEL, type PoolName, type Region, type ResolvedHost } from './types';
import { k3sRelease } from './versions';

/**
 * ServiceLB (k3s pkg/cloudprovider/servicelb.go): when any node carries this label, svclb DaemonSets get the node
 * selector `svccontroller.k3s.cattle.io/enablelb: "true"` (newDaemonSet / nodeHasDaemonSetLabel).
 */
export const SERVICELB_NODE_LABEL = 'svccontroller.k3s.cattle.io/enablelb';
/**
 * Admission plugins the API server runs (kube-apiserver --enable-admission-plugins): PodNodeSelector pins a
 * namespace's pods to a pool (annotation scheduler.alpha.kubernetes.io/node-selector); PodTolerationRestriction
 * merges a namespace's default tolerations into its pods and refuses tolerations outside its whitelist
 * (annotations scheduler.alpha.kubernetes.io/defaultTolerations and /tolerationsWhitelist), so pipeline pods get
 * the build pool's toleration whatever the Woodpecker release, and nothing else.
 */
export const ADMISSION_PLUGINS = ['NodeRestriction', 'PodNodeSelector', 'PodTolerationRestriction'] as const;
/**
 * k3s packaged components turned off (`disable:` in config.yaml). None today: Traefik, ServiceLB, CoreDNS,
 * local-path and metrics-server are all used (Traefik and ServiceLB as placed below).
 */
export const DISABLED_COMPONENTS: readonly string[] = [];
/** Name and namespace of k3s' bundled Traefik HelmChart, which a HelmChartConfig of the same name overrides. */
export const TRAEFIK_CHART = { name: 'traefik', namespace: 'kube-system' } as const;
/** Where the HelmChartConfig goes (k3s auto-deploys every file of the server manifests directory). */
export const TRAEFIK_CONFIG_FILE = 'traefik-config.yaml';

/** A port the region's load balancer forwards, and the pool it forwards it to. */
export interface PublicEntrypoint {
  /** `web`, `websecure`, `git-ssh`. */
  readonly name: string;
  readonly port: number;
  readonly protocol: 'TCP';
  /** Pool whose nodes the load balancer targets for this port (and whose firewall opens it). */
  readonly pool: PoolName;
  /** What listens on the nodes: Traefik's hostPort or a ServiceLB (svclb) hostPort. */
  readonly listener: 'traefik' | 'servicelb';
  /** Sources the firewall admits for this port. */
  readonly sources: 'web' | 'load-balancer';
}

/** The Traefik chart k3s ships, verified per release (regions/versions.ts K3S_RELEASES, traefikChart column). */
export interface TraefikChart {
  /** The traefik-helm-chart release the bundled chart is built from, e.g. `v40.3.0` (`27.0.201+up27.0.2` style for old minors). */
  readonly version: string;
  /** Its major decides the values syntax (`ports.web.redirectTo` before 34, `.redirections` 34..38, `.http.redirections` from 39). */
  readonly major: number;
  readonly traefik: string;
}

/**
 * k3s minor -> bundled Traefik chart, for minors the release table has no row for (regions held back). Sources:
 * k3s manifests/traefik.yaml at v1.28.15+k3s1 (`traefik-27.0.201+up27.0.2.tgz`, image 2.11.10); k3s moved to
 * Traefik v3 (chart 34.x) in v1.32 (traefik-helm-chart traefik/templates/_podtemplate.tpl fails on `redirectTo`
 * from v34.0.0); k3s-io/k3s#13805 moved 1.32-1.35 to `traefik-39.0.501+up39.0.5`.
 */
export function traefikChartFor(k3sMinor: number): TraefikChart {
  if (k3sMinor < 32) return { version: '27.0.201+up27.0.2', major: 27, traefik: 'v2.11' };
  return { version: 'v39.0.5', major: 39, traefik: 'v3.6' };
}

/** The Traefik chart of a pinned k3s release: its K3S_RELEASES row, else the minor's fallback above. */
export function traefikChartOf(k3sVersion: string): TraefikChart {
  const row = k3sRelease(k3sVersion);
  if (!row) return traefikChartFor(k3sMinorOf(k3sVersion));
  const major = /^v(\d+)\./.exec(row.traefikChart);
  if (!major) throw new Error(`K3S_RELEASES['${k3sVersion}'].traefikChart '${row.traefikChart}' is not a chart release (expected e.g. v40.3.0; fix regions/versions.ts)`);
  return { version: row.traefikChart, major: Number(major[1]), traefik: row.traefik };
}

export function k3sMinorOf(version: string): number {
  const m = /^v1\.(\d+)\./.exec(version);
  if (!m) throw new Error(`versions.k3s '${version}' is not a k3s release (expected e.g. v1.35.8+k3s1)`);
  return Number(m[1]);
}

/** Traefik's placement and ports, as the HelmChartConfig sets them. */
export interface TraefikPlacement {
  readonly pool: PoolName;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly TaintSpec[];
  /** entrypoint -> { container port (chart default), host port }. */
  readonly ports: Readonly<Record<'web' | 'websecure', { readonly containerPort: number; readonly hostPort: number }>>;
  readonly serviceType: 'ClusterIP';
  readonly kind: 'DaemonSet';
  /** HTTP -> HTTPS on the web entrypoint, below every Ingress router (HTTP-01 solver paths keep answering on 80). */
  readonly redirectPriority: number;
}

export interface RegistryMirror {
  /** The registry name in image references, e.g. `zot.platform.svc.cluster.local:5000`. */
  readonly name: string;
  /** Where the nodes' containerd fetches it instead, e.g. `https://registry.example.com`. */
  readonly endpoint: string;
}

/** Everything k3s is configured with that the manifests rely on. */
export interface K3sClusterSettings {
  readonly k3sMinor: number;
  readonly disabledComponents: readonly string[];
  readonly admissionPlugins: readonly string[];
  /** Pools whose nodes ServiceLB may use (label SERVICELB_NODE_LABEL=true). */
  readonly serviceLbPools: readonly PoolName[];
  readonly traefik: TraefikPlacement;
  readonly traefikChart: TraefikChart;
  readonly registryMirrors: readonly RegistryMirror[];
  readonly entrypoints: readonly PublicEntrypoint[];
}

/** The pool that takes git SSH through ServiceLB: ops (where Gitea lives) when the region has one, else ctrl. */
export function gitSshPool(region: Region): PoolName {
  return region.pools.ops && region.pools.ops.length > 0 ? 'ops' : 'ctrl';
}

/** The in-cluster name of the region's registry (what rdev-api and pipelines tag images with). */
export function inClusterRegistry(region: Region): string {
  return `${ZOT_SERVICE_NAME}.${region.platform.namespace}.svc.cluster.local:${ZOT_PORT}`;
}

export function k3sClusterSettings(region: Region): K3sClusterSettings {
  const k3sMinor = k3sMinorOf(region.versions.k3s);
  const runTaints = region.pools.run?.[0]?.taints ?? [];
  const gitPool = gitSshPool(region);
  return {
    k3sMinor,
    disabledComponents: DISABLED_COMPONENTS,
    admissionPlugins: ADMISSION_PLUGINS,
    serviceLbPools: [gitPool],
    traefik: {
      pool: 'run',
      nodeSelector: { [POOL_LABEL]: 'run' },
      tolerations: runTaints,
      // Chart defaults (traefik/values.yaml ports.web.port 8000, ports.websecure.port 8443, both chart 27 and 37).
      ports: { web: { containerPort: 8000, hostPort: 80 }, websecure: { containerPort: 8443, hostPort: 443 } },
      serviceType: 'ClusterIP',
      kind: 'DaemonSet',
      redirectPriority: 1,
    },
    traefikChart: traefikChartOf(region.versions.k3s),
    registryMirrors: [{ name: inClusterRegistry(region), endpoint: `https://${region.platform.zot.host}` }],
    entrypoints: [
      { name: 'web', port: 80, protocol: 'TCP', pool: 'run', listener: 'traefik', sources: 'web' },
      { name: 'websecure', port: 443, protocol: 'TCP', pool: 'run', listener: 'traefik', sources: 'web' },
      { name: 'git-ssh', port: region.platform.gitea.sshPort, protocol: 'TCP', pool: gitPool, listener: 'servicelb', sources: 'load-balancer' },
    ],
  };
}

/** Node labels of a host as k3s registers them: the region's labels plus the ServiceLB label on its pools. */
export function nodeLabelsOf(region: Region, host: ResolvedHost, settings: K3sClusterSettings = k3sClusterSettings(region)): Record<string, string> {
  return { ...host.labels, ...(settings.serviceLbPools.includes(host.pool) ? { [SERVICELB_NODE_LABEL]: 'true' } : {}) };
}

/** The public entrypoints a host's firewall opens (ports the load balancer sends to its pool). */
export function entrypointsOf(host: ResolvedHost, settings: K3sClusterSettings): PublicEntrypoint[] {
  return settings.entrypoints.filter((e) => e.pool === host.pool);
}

/** Traefik's Helm values (the HelmChartConfig's valuesContent), in the syntax of the chart k3s ships. */
export function traefikValues(settings: K3sClusterSettings): Record<string, unknown> {
  const t = settings.traefik;
  // traefik-helm-chart: `redirectTo` until v33 (_podtemplate.tpl fails on it from v34.0.0), `ports.<ep>.redirections`
  // v34..v38, `ports.<ep>.http.redirections` from v39.0.0 (values.schema.json then refuses the v34 key, so helm
  // refuses the whole values; _podtemplate.tpl v39.0.5 reads `(.http).redirections.entryPoint.{to,scheme,priority,permanent}`).
  const entryPoint = { to: 'websecure', scheme: 'https', permanent: true, priority: t.redirectPriority };
  const major = settings.traefikChart.major;
  const redirect =
    major < 34
      ? { redirectTo: { port: 'websecure', priority: t.redirectPriority } }
      : major < 39
        ? { redirections: { entryPoint } }
        : { http: { redirections: { entryPoint } } };
  return {
    deployment: { kind: t.kind },
    // A DaemonSet with hostPorts cannot surge: the new pod would need the old one's ports on the same node.
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
    nodeSelector: { ...t.nodeSelector },
    tolerations: [
      // k3s' own tolerations (manifests/traefik.yaml) are replaced by this list, so keep them.
      { key: 'CriticalAddonsOnly', operator: 'Exists' },
      ...t.tolerations.map((taint) => (taint.value === undefined ? { key: taint.key, operator: 'Exists', effect: taint.effect } : { key: taint.key, operator: 'Equal', value: taint.value, effect: taint.effect })),
    ],
    ports: {
      web: { hostPort: t.ports.web.hostPort, ...redirect },
      websecure: { hostPort: t.ports.websecure.hostPort },
    },
    service: { type: t.serviceType },
  };
}

