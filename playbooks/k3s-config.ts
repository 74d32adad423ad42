/**
 * The k3s config.yaml of one node, from the region (pure): the vars of templates/k3s-config.yaml.hbs.
 * Every string is emitted as a JSON string (a valid YAML double-quoted scalar), so labels like `a=b` or taints
 * with `:` stay strings under any YAML version.
 */
import { readFileSync } from 'node:fs';
import { k3sClusterSettings, nodeLabelsOf } from '../regions/k3s-cluster';
import type { Region, ResolvedHost } from '../regions/types';
import { renderTemplate } from './core';
import { K3S_AGENT_TOKEN, K3S_SERVER_TOKEN, type K3sRole } from './k3s-layout';
import { firstServer } from './region-hosts';
import { taintText } from './tasks/k3s-node-metadata';
import { templatePath } from './template-path';

const q = (s: string) => JSON.stringify(s);

export function k3sRole(host: ResolvedHost): K3sRole {
  return host.pool === 'ctrl' ? 'server' : 'agent';
}

export function apiUrl(host: ResolvedHost): string {
  return `https://${host.privateIp}:6443`;
}

/**
 * Per-node facts the config needs besides the region: the private interface (found by the network playbook's
 * rules from the host's interfaces; see playbooks/private-network.ts) and how the node joins (decided from the
 * servers' state by the k3s playbook; see playbooks/tasks/k3s-cluster-state.ts).
 */
export interface K3sNodeNetwork {
  /** flannel-iface: the interface holding node-ip (e.g. `enp7s0`, `vlan4000`). */
  readonly privateInterface: string;
  /** cluster-init (the seed of a new cluster) or the server URL to join. @default the first server joins nobody, the others join it */
  readonly join?: { readonly init: true } | { readonly init: false; readonly serverUrl: string };
}

export function k3sConfigVars(region: Region, host: ResolvedHost, net: K3sNodeNetwork): Record<string, unknown> {
  const first = firstServer(region);
  const role = k3sRole(host);
  const settings = k3sClusterSettings(region);
  const join = net.join ?? (host.name === first.name ? { init: true as const } : { init: false as const, serverUrl: apiUrl(first) });
  return {
    region: region.name,
    role,
    nodeName: q(host.name),
    isServer: role === 'server',
    clusterInit: join.init,
    serverUrl: join.init ? '' : q(join.serverUrl),
    tokenFile: q(role === 'server' ? K3S_SERVER_TOKEN : K3S_AGENT_TOKEN),
    agentTokenFile: q(K3S_AGENT_TOKEN),
    clusterCidr: q(region.network.clusterCidr),
    serviceCidr: q(region.network.serviceCidr),
    flannelBackend: q(region.k3s.flannelBackend),
    nodeIp: q(host.privateIp),
    // Without flannel-iface flannel takes the default-route (public) interface even with node-ip on the private
    // one (k3s pkg/agent/config/config.go: FlannelIface from --flannel-iface, else the default-route interface).
    flannelIface: q(net.privateInterface),
    // kube-proxy opens NodePorts only on addresses in the private network (kube-proxy --nodeport-addresses); the
    // platform table guards the public side too (templates/nftables-platform.nft.hbs, chain guard).
    kubeProxyArgs: [q(`nodeport-addresses=${region.network.privateCidr}`)],
    // k3s pkg/cli/cmds/server.go: etcd-snapshot-schedule-cron, etcd-snapshot-retention, etcd-s3-* (the keys' flags
    // read AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment: the unit's EnvironmentFile)
    snapshotCron: q(region.k3s.etcdSnapshots.scheduleCron),
    snapshotRetention: region.k3s.etcdSnapshots.retention,
    s3: region.k3s.etcdSnapshots.s3
      ? {
          endpoint: q(region.k3s.etcdSnapshots.s3.endpoint),
          bucket: q(region.k3s.etcdSnapshots.s3.bucket),
          folder: q(region.k3s.etcdSnapshots.s3.folder ?? region.name),
          region: region.k3s.etcdSnapshots.s3.region ? q(region.k3s.etcdSnapshots.s3.region) : '',
        }
      : false,
    nodeExternalIp: host.publicIp !== host.privateIp ? q(host.publicIp) : '',
    tlsSans: [...new Set([host.privateIp, host.publicIp])].map(q),
    admissionPlugins: q(`enable-admission-plugins=${settings.admissionPlugins.join(',')}`),
    disable: settings.disabledComponents.map(q),
    nodeLabels: Object.entries(nodeLabelsOf(region, host, settings)).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => q(`${k}=${v}`)),
    nodeTaints: host.taints.map((t) => q(taintText(t))),
  };
}

export function renderK3sConfig(region: Region, host: ResolvedHost, net: K3sNodeNetwork): string {
  return renderTemplate(readFileSync(templatePath('k3s-config.yaml.hbs'), 'utf8'), k3sConfigVars(region, host, net), 'templates/k3s-config.yaml.hbs');
}

/** The 0600 environment file with the etcd S3 keys (servers of a region with k3s.etcdSnapshots.s3). */
export const ETCD_S3_ENV = '/etc/rancher/k3s/etcd-s3.env';

export function renderK3sUnit(region: Region, role: K3sRole, binary: string): string {
  return renderTemplate(
    readFileSync(templatePath('k3s.service.hbs'), 'utf8'),
    { region: region.name, role, binary, serviceType: role === 'server' ? 'notify' : 'exec', s3EnvFile: role === 'server' && region.k3s.etcdSnapshots.s3 ? ETCD_S3_ENV : '' },
    'templates/k3s.service.hbs',
  );
}

/**
 * The cert-manager HelmChart. With `chart` (the chart archive from the region's bundle) it carries the archive in
 * `spec.chartContent` (base64 .tgz; "overrides .spec.chart and .spec.version": k3s-io/helm-controller v0.17.0,
 * pkg/apis/helm.cattle.io/v1/types.go:79-81, stored into the install job's ConfigMap by
 * pkg/controllers/chart/chart.go:1069), so the helm controller needs no chart repository; else it names the
 * charts.jetstack.io repository and version.
 */
export function renderCertManager(region: Region, chart?: Buffer): string {
  return renderTemplate(
    readFileSync(templatePath('cert-manager-helmchart.yaml.hbs'), 'utf8'),
    { region: region.name, version: region.versions.certManager, chartContent: chart ? chart.toString('base64') : '' },
    'templates/cert-manager-helmchart.yaml.hbs',
  );
}
