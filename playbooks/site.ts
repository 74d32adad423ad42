/**
 * site: all of it, in order: base, network, firewall, gvisor, k3s. gVisor comes before k3s so the containerd
 * template is in place when k3s-agent first starts on the run pool. A check run (`--check`) on a bootstrapped
 * region plans zero changes.
 */
import type { Region } from '../regions/types';
import base from './base';
import { definePlaybook } from './core';
import firewall from './firewall';
import gvisor from './gvisor';
import k3s from './k3s';
import network from './network';
import { defineRegionPlaybook, type RegionPlaybook } from './region-playbook';

export const SITE_ORDER: readonly RegionPlaybook[] = [base, network, firewall, gvisor, k3s];

export function buildSite(region: Region) {
  const plays = SITE_ORDER.flatMap((pb) => pb.build(region).plays.map((p) => ({ ...p, name: `${pb.name}: ${p.name}` })));
  return definePlaybook({ name: 'site', description: 'base, network, firewall, gvisor, k3s', plays });
}

export default defineRegionPlaybook({
  name: 'site',
  description: 'Everything in order: base, network, firewall, gvisor, k3s',
  build: buildSite,
});
