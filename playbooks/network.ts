/**
 * network: the private network every host joins (see playbooks/private-network.ts for the per-provider
 * decisions): Hetzner Cloud network (interface found by subnet), Hetzner dedicated vSwitch (VLAN on the uplink,
 * MTU 1400, route to the cloud network via the vSwitch gateway), Contabo private network. Persisted across reboots
 * by a oneshot unit running one idempotent script, and brought up live now by the same script.
 *
 * Needs from the region: network.privateCidr, network.vswitch (for hetzner-robot hosts), hosts' provider,
 * publicIp, privateIp. Optional host var `privateMac`.
 */
import { readFileSync } from 'node:fs';
import type { Region } from '../regions/types';
import { definePlaybook, renderTemplate, step, type HostView } from './core';
import { privateNetworkVars, type PrivateNetworkVars } from './private-network';
import { regionHost } from './region-hosts';
import { defineRegionPlaybook } from './region-playbook';
import { file, systemdService, systemdUnit } from './tasks';
import { privateNetworkLive } from './tasks/private-network-live';
import { templatePath } from './template-path';

export const PRIVATE_NETWORK_SCRIPT = '/usr/local/sbin/platform-private-network';
export const PRIVATE_NETWORK_UNIT = 'platform-private-network.service';

export function networkVarsOf(region: Region, h: HostView): PrivateNetworkVars {
  const mac = h.vars.privateMac;
  return privateNetworkVars(region, regionHost(region, h.name), h.facts.interfaces, typeof mac === 'string' ? mac : undefined);
}

export function renderNetworkScript(vars: PrivateNetworkVars): string {
  return renderTemplate(readFileSync(templatePath('platform-private-network.sh.hbs'), 'utf8'), { ...vars }, 'templates/platform-private-network.sh.hbs');
}

export default defineRegionPlaybook({
  name: 'network',
  description: 'Private networking per provider (Hetzner Cloud network, Hetzner vSwitch VLAN, Contabo private network), persisted',
  build: (region) =>
    definePlaybook({
      name: 'network',
      description: 'Private networking per provider, persisted across reboots',
      plays: [
        {
          name: 'Private network',
          hosts: 'all',
          steps: [
            step('Ensure the private network script matches the region', file, (h) => ({ path: PRIVATE_NETWORK_SCRIPT, content: renderNetworkScript(networkVarsOf(region, h)), mode: '0755' }), { tags: ['network'] }),
            step('Ensure the private network boot unit is installed', systemdUnit, {
              name: PRIVATE_NETWORK_UNIT,
              content: renderTemplate(readFileSync(templatePath('platform-private-network.service.hbs'), 'utf8'), { region: region.name, provider: 'per host', script: PRIVATE_NETWORK_SCRIPT }, 'templates/platform-private-network.service.hbs'),
            }, { tags: ['network'] }),
            step('Ensure the private network boot unit is enabled', systemdService, { name: PRIVATE_NETWORK_UNIT, enabled: true }, { tags: ['network'] }),
            step('Ensure the private network is up now', privateNetworkLive, (h) => ({ vars: networkVarsOf(region, h), script: PRIVATE_NETWORK_SCRIPT }), { tags: ['network'] }),
          ],
        },
      ],
    }),
});
