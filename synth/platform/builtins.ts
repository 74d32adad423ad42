/**
 * The k3s built-ins as the platform model sees them: their pods' placement and host ports, from k3s' packaged
 * manifests and controllers, with the overrides regions/k3s-cluster.ts makes the k3s playbook ship.
 *   - Traefik: k3s manifests/traefik.yaml (tolerations CriticalAddonsOnly and the control-plane/master taints, a
 *     Deployment behind a LoadBalancer Service), overridden by the HelmChartConfig the k3s playbook writes;
 *   - svclb-<service>: one DaemonSet per LoadBalancer Service (k3s pkg/cloudprovider/servicelb.go newDaemonSet:
 *     tolerations master/control-plane NoSchedule and CriticalAddonsOnly, one container per Service port with
 *     hostPort = port, node selector svccontroller.k3s.cattle.io/enablelb=true once any node carries that label);
 *   - CoreDNS, local-path-provisioner, metrics-server: k3s manifests/{coredns,local-storage,metrics-server}.yaml,
 *     tolerating CriticalAddonsOnly and the control-plane/master taints.
 */
import { SERVICELB_NODE_LABEL, traefikValues, TRAEFIK_CHART } from '../../regions/k3s-cluster';
import { asArray, asObject, asString } from '../manifest';
import type { ModelWorkload, PlatformModel, Toleration } from './model';

const K3S_ADDON_TOLERATIONS: readonly Toleration[] = [
  { key: 'CriticalAddonsOnly', operator: 'Exists' },
  { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node-role.kubernetes.io/master', operator: 'Exists', effect: 'NoSchedule' },
];

const SVCLB_TOLERATIONS: readonly Toleration[] = [
  { key: 'node-role.kubernetes.io/master', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'CriticalAddonsOnly', operator: 'Exists' },
];

type Partial = Omit<PlatformModel, 'workloads'>;

export function builtinWorkloads(m: Partial): ModelWorkload[] {
  const out: ModelWorkload[] = [];
  const addon = (name: string, labels: Record<string, string>, source: string): ModelWorkload => ({
    id: `k3s Deployment kube-system/${name}`,
    kind: 'Deployment',
    namespace: 'kube-system',
    origin: 'k3s',
    file: source,
    path: 'spec.template.spec',
    podLabels: labels,
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    requiredAffinity: [],
    tolerations: K3S_ADDON_TOLERATIONS,
    images: [],
    ports: [],
    daemon: false,
  });
  const disabled = new Set(m.settings.disabledComponents);
  if (!disabled.has('coredns')) out.push(addon('coredns', { 'k8s-app': 'kube-dns' }, 'k3s manifests/coredns.yaml'));
  if (!disabled.has('local-storage')) out.push(addon('local-path-provisioner', { app: 'local-path-provisioner' }, 'k3s manifests/local-storage.yaml'));
  if (!disabled.has('metrics-server')) out.push(addon('metrics-server', { 'k8s-app': 'metrics-server' }, 'k3s manifests/metrics-server/'));

  if (!disabled.has('traefik')) {
    const values = traefikValues(m.settings);
    const t = m.settings.traefik;
    out.push({
      id: `k3s ${t.kind} kube-system/traefik`,
      kind: t.kind,
      namespace: TRAEFIK_CHART.namespace,
      origin: 'k3s',
      file: 'HelmChartConfig kube-system/traefik (k3s playbook, regions/k3s-cluster.ts traefikValues)',
      path: 'valuesContent',
      podLabels: { 'app.kubernetes.io/name': 'traefik', 'app.kubernetes.io/instance': 'traefik-kube-system' },
      nodeSelector: { ...(values.nodeSelector as Record<string, string>) },
      requiredAffinity: [],
      tolerations: (values.tolerations as Toleration[]).map((x) => ({ ...x })),
      images: [],
      ports: [
        { name: 'web', containerPort: t.ports.web.containerPort, hostPort: t.ports.web.hostPort, protocol: 'TCP' },
        { name: 'websecure', containerPort: t.ports.websecure.containerPort, hostPort: t.ports.websecure.hostPort, protocol: 'TCP' },
      ],
      pool: t.pool,
      poolReason: `the load balancer sends ${m.settings.entrypoints.filter((e) => e.listener === 'traefik').map((e) => e.port).join('/')} to the ${t.pool} pool`,
      fix: `place Traefik on the ${t.pool} pool: the HelmChartConfig (regions/k3s-cluster.ts traefikValues) needs the ${t.pool} pool's node selector and tolerations for its taints`,
      daemon: t.kind === 'DaemonSet',
    });
    if (t.serviceType !== 'ClusterIP') out.push(...svclbFor(m, 'kube-system', 'traefik', [80, 443].map((port) => ({ port, protocol: 'TCP' as const }))));
  }

  if (!disabled.has('servicelb')) {
    for (const { object } of m.objects) {
      if (object.kind !== 'Service' || asString(asObject(object.spec)?.type) !== 'LoadBalancer') continue;
      const ports = asArray(asObject(object.spec)?.ports).map((p) => {
        const o = asObject(p) ?? {};
        return { port: Number(o.port), protocol: o.protocol === 'UDP' ? ('UDP' as const) : ('TCP' as const) };
      });
      out.push(...svclbFor(m, object.metadata.namespace ?? 'default', object.metadata.name, ports));
    }
  }
  return out;
}

function svclbFor(m: Partial, namespace: string, name: string, ports: readonly { port: number; protocol: 'TCP' | 'UDP' }[]): ModelWorkload[] {
  const labelled = m.nodes.some((n) => n.labels[SERVICELB_NODE_LABEL] !== undefined);
  const pool = m.settings.serviceLbPools[0];
  return [
    {
      id: `k3s ServiceLB DaemonSet kube-system/svclb-${name} (for Service ${namespace}/${name})`,
      kind: 'DaemonSet',
      namespace: 'kube-system',
      origin: 'k3s',
      file: 'k3s pkg/cloudprovider/servicelb.go newDaemonSet',
      path: 'spec.template.spec',
      podLabels: { 'svccontroller.k3s.cattle.io/svcname': name, 'svccontroller.k3s.cattle.io/svcnamespace': namespace },
      nodeSelector: labelled ? { [SERVICELB_NODE_LABEL]: 'true' } : {},
      requiredAffinity: [],
      tolerations: SVCLB_TOLERATIONS,
      images: [],
      ports: ports.map((p) => ({ name: `lb-${p.protocol.toLowerCase()}-${p.port}`, containerPort: p.port, hostPort: p.port, protocol: p.protocol })),
      ...(pool ? { pool, poolReason: `ServiceLB is enabled on the ${pool} pool (regions/k3s-cluster.ts serviceLbPools)` } : {}),
      fix: `svclb pods tolerate only the control-plane taints: ServiceLB's pool (regions/k3s-cluster.ts serviceLbPools) must have nodes without other NoSchedule taints`,
      daemon: true,
    },
  ];
}
