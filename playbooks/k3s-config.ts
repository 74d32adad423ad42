/**
 * The k3s config.yaml of one node, from the region (pure): the vars of templates/k3s-config.yaml.hbs.
 * Every string is emitted as a JSON string (a valid YAML double-quoted scalar), so labels like `a=b` or taints
 * with `:` stay strings under any YAML version.
 */
import { readFileSync } from 'node:fs';
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

export function k3sConfigVars(region: Region, host: ResolvedHost): Record<string, unknown> {
  const first = firstServer(region);
  const role = k3sRole(host);
  const isFirst = host.name === first.name;
  return {
    region: region.name,
    role,
    nodeName: q(host.name),
    isServer: role === 'server',
    clusterInit: isFirst,
    serverUrl: isFirst ? '' : q(apiUrl(first)),
    tokenFile: q(role === 'server' ? K3S_SERVER_TOKEN : K3S_AGENT_TOKEN),
    agentTokenFile: q(K3S_AGENT_TOKEN),
    clusterCidr: q(region.network.clusterCidr),
    serviceCidr: q(region.network.serviceCidr),
    flannelBackend: q(region.k3s.flannelBackend),
    nodeIp: q(host.privateIp),
    nodeExternalIp: host.publicIp !== host.privateIp ? q(host.publicIp) : '',
    tlsSans: [...new Set([host.privateIp, host.publicIp])].map(q),
    nodeLabels: Object.entries(host.labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => q(`${k}=${v}`)),
    nodeTaints: host.taints.map((t) => q(taintText(t))),
  };
}

export function renderK3sConfig(region: Region, host: ResolvedHost): string {
  return renderTemplate(readFileSync(templatePath('k3s-config.yaml.hbs'), 'utf8'), k3sConfigVars(region, host), 'templates/k3s-config.yaml.hbs');
}

export function renderK3sUnit(region: Region, role: K3sRole, binary: string): string {
  return renderTemplate(
    readFileSync(templatePath('k3s.service.hbs'), 'utf8'),
    { region: region.name, role, binary, serviceType: role === 'server' ? 'notify' : 'exec' },
    'templates/k3s.service.hbs',
  );
}

export function renderCertManager(region: Region): string {
  return renderTemplate(readFileSync(templatePath('cert-manager-helmchart.yaml.hbs'), 'utf8'), { region: region.name, version: region.k3s.certManagerVersion }, 'templates/cert-manager-helmchart.yaml.hbs');
}
