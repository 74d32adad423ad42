/**
 * Legal but dangerous choices. Each one is refused by the region rules unless the region file opts in
 * under `dangerousOptIns` with the reason as the value:
 *
 *   dangerousOptIns: { webFromTheWholeInternet: 'origin is reachable directly during the CDN migration, until 2027-01' }
 *
 * An opt-in is printed in the synth summary, written into dist/<region>/ as the ConfigMap
 * `platform/region-opt-ins` (so the cluster records it too) and flagged by `npm run diff` as a security
 * change when it appears, changes or goes. An opt-in that no value of the region needs is an error, so
 * none lingers to permit the next mistake silently.
 */
import { rec, str } from './rule-kit';

export type OptInName = 'sshFromTheWholeInternet' | 'webFromTheWholeInternet' | 'allowListsCoverClusterNetworks';

export interface OptInInfo {
  /** What it permits, for messages, the summary and docs. */
  readonly permits: string;
}

export const OPT_INS: Readonly<Record<OptInName, OptInInfo>> = {
  sshFromTheWholeInternet: {
    permits: 'network.adminCidrs may contain 0.0.0.0/0, ::/0 or a range wider than /8 (IPv4) or /16 (IPv6): SSH and the API server on every node open to that much of the internet',
  },
  webFromTheWholeInternet: {
    permits: 'network.cloudflareCidrs may contain 0.0.0.0/0, ::/0 or a range wider than /8 (IPv4) or /16 (IPv6): 80/443 on the run pool open to the internet, not only to Cloudflare and the load balancer',
  },
  allowListsCoverClusterNetworks: {
    permits: 'an allow-list (network.adminCidrs or cloudflareCidrs) may overlap network.clusterCidr or serviceCidr: pods (tenant pods included) are admitted where only operators or the edge should be',
  },
};

export const OPT_IN_NAMES = Object.keys(OPT_INS) as OptInName[];

/** Name of the ConfigMap (in the platform namespace) that records a region's opt-ins in dist/. */
export const OPT_INS_CONFIGMAP = 'region-opt-ins';
/** `app.kubernetes.io/component` of that ConfigMap; `npm run diff` recognises opt-in records by it. */
export const OPT_INS_COMPONENT = 'region-opt-ins';

/** The opt-ins a definition sets (name -> reason), in declaration order of OPT_INS; ignores malformed entries. */
export function optInsOf(definition: unknown): Partial<Record<OptInName, string>> {
  const block = rec(rec(definition)?.dangerousOptIns);
  const out: Partial<Record<OptInName, string>> = {};
  if (!block) return out;
  for (const name of OPT_IN_NAMES) {
    const reason = str(block[name]);
    if (reason !== undefined) out[name] = reason;
  }
  return out;
}
