/**
 * `network.private-live`: the private address (and VLAN, MTU, routes) is live on the host. The plan compares
 * `ip` output with what the persisted script sets up and, when something is missing, runs that script (it is
 * idempotent: `ip ... replace`), so the live state and the boot state come from the same place.
 */
import { change, defineFact, ok, sh, touches, type Fact, type Task } from '../core';
import type { PrivateNetworkVars } from '../private-network';

/** The subject of the live IPv4 addresses, links and routes (`ip addr/route/link`), see Fact.subjects. */
export const LIVE_NETWORK = 'net:live';

export interface PrivateNetworkLiveArgs {
  readonly vars: PrivateNetworkVars;
  /** Absolute path of the persisted script. */
  readonly script: string;
}

interface Live {
  readonly addr: string;
  readonly route: string;
  readonly link: string;
}

function live(device: string): Fact<Live> {
  return defineFact(`network.private-live:${device}`, sh`ip -o -4 addr show; echo @@; ip -o -4 route show; echo @@; ip -o link show dev ${device} 2>/dev/null; true`, ({ stdout }) => {
    const [addr = '', route = '', link = ''] = stdout.split('@@\n');
    return { addr, route, link };
  }, { subjects: [LIVE_NETWORK] });
}

/** What is missing on the host (empty when the live state is complete). */
export function missingPrivateNetwork(v: PrivateNetworkVars, l: Live): string[] {
  const missing: string[] = [];
  const dev = v.vlan ? v.vlan.name : v.device;
  const hasAddr = l.addr.split('\n').some((line) => new RegExp(`^\\d+:\\s+${dev.replace(/[.]/g, '\\.')}\\s+inet ${v.privateIp.replace(/\./g, '\\.')}/${v.prefix}\\b`).test(line));
  if (!hasAddr) missing.push(`${v.privateIp}/${v.prefix} on ${dev}`);
  if (v.vlan) {
    if (!new RegExp(`\\bmtu ${v.vlan.mtu}\\b`).test(l.link)) missing.push(`${v.vlan.name} (VLAN ${v.vlan.id}, MTU ${v.vlan.mtu})`);
    if (!l.route.split('\n').some((r) => r.startsWith(`${v.privateCidr} via ${v.vlan ? v.vlan.gateway : ''} dev ${dev}`))) missing.push(`route ${v.privateCidr} via ${v.vlan.gateway}`);
  } else if (v.mtu && !new RegExp(`\\bmtu ${v.mtu}\\b`).test(l.link)) {
    missing.push(`MTU ${v.mtu} on ${dev}`);
  }
  if (!v.vlan && v.gateway) {
    if (!l.route.split('\n').some((r) => r.startsWith(`${v.privateCidr} via ${v.gateway} dev ${dev}`))) missing.push(`route ${v.privateCidr} via ${v.gateway}`);
  }
  return missing;
}

export const privateNetworkLive: Task<PrivateNetworkLiveArgs> = {
  id: 'network.private-live',
  probes: (_h, a) => [live(a.vars.vlan ? a.vars.vlan.name : a.vars.device)],
  async plan(host, a) {
    const l = await host.fact(live(a.vars.vlan ? a.vars.vlan.name : a.vars.device));
    const missing = missingPrivateNetwork(a.vars, l);
    if (missing.length === 0) return ok(`${a.vars.privateIp}/${a.vars.prefix} live on ${a.vars.vlan ? a.vars.vlan.name : a.vars.device}`);
    // the script changes the live addresses, links and routes, nothing else a later step reads
    return change(`bring up ${missing.join(', ')}`, [sh`${a.script}`], { predicts: [touches(LIVE_NETWORK)] });
  },
};
