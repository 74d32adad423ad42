/**
 * firewall: the project's own nftables table (`inet platform`) on every host, rendered from the region
 * (playbooks/firewall-rules.ts), swapped in one transaction after `nft -c`, commit-confirmed over a new SSH
 * connection (a change that cuts SSH rolls itself back and fails the run), and loaded at boot by its own unit.
 *
 * Needs from the region: network.adminCidrs, privateCidr, clusterCidr, loadBalancerIps, cloudflareCidrs,
 * k3s.flannelBackend, pools (ctrl: API/etcd ports; run: 80/443). Optional var `firewallRollbackSeconds` (default 60).
 */
import { readFileSync } from 'node:fs';
import type { Region } from '../regions/types';
import { definePlaybook, pathSubject, renderTemplate, step, touches, ValidationError, type HostView } from './core';
import { FIREWALL_FAMILY, FIREWALL_TABLE, firewallVars } from './firewall-rules';
import { regionHost } from './region-hosts';
import { defineRegionPlaybook } from './region-playbook';
import { command, systemdService, systemdUnit } from './tasks';
import { nftablesTable, nftPaths } from './tasks/nftables-table';
import { templatePath } from './template-path';

export const FIREWALL_DIR = '/etc/platform-firewall';
export const FIREWALL_UNIT = 'platform-firewall.service';

/** The table definition of one host (templates/nftables-platform.nft.hbs). */
export function renderFirewall(region: Region, hostName: string): string {
  const vars = firewallVars(region, regionHost(region, hostName));
  return renderTemplate(readFileSync(templatePath('nftables-platform.nft.hbs'), 'utf8'), { ...vars }, 'templates/nftables-platform.nft.hbs');
}

export function rollbackSecondsOf(h: HostView): number {
  const v = h.vars.firewallRollbackSeconds;
  if (v === undefined) return 60;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 10 || n > 600) throw new ValidationError(`host '${h.name}': var firewallRollbackSeconds '${String(v)}' is not a whole number of seconds in 10..600 (expected e.g. 60)`);
  return n;
}

export default defineRegionPlaybook({
  name: 'firewall',
  description: 'The platform nftables table, commit-confirmed, and its boot unit',
  build: (region) =>
    definePlaybook({
      name: 'firewall',
      description: 'The platform nftables table, commit-confirmed, and its boot unit',
      plays: [
        {
          name: 'Firewall',
          hosts: 'all',
          steps: [
            step('Ensure the platform nftables table is loaded (commit-confirmed)', nftablesTable, (h) => ({
              family: FIREWALL_FAMILY,
              table: FIREWALL_TABLE,
              definition: renderFirewall(region, h.name),
              dir: FIREWALL_DIR,
              rollbackSeconds: rollbackSecondsOf(h),
            }), { tags: ['firewall'] }),
            step('Ensure the firewall boot unit is installed', systemdUnit, {
              name: FIREWALL_UNIT,
              content: renderTemplate(readFileSync(templatePath('platform-firewall.service.hbs'), 'utf8'), {
                region: region.name,
                family: FIREWALL_FAMILY,
                table: FIREWALL_TABLE,
                file: nftPaths(FIREWALL_DIR, FIREWALL_TABLE).file,
              }, 'templates/platform-firewall.service.hbs'),
            }, { tags: ['firewall'] }),
            step('Ensure the firewall boot unit is enabled', systemdService, { name: FIREWALL_UNIT, enabled: true }, { tags: ['firewall'] }),
            // Debian's nftables.service loads /etc/nftables.conf, which starts with `flush ruleset`: started after
            // the platform table (by hand, by a package upgrade, by a later `systemctl enable`), it would remove it
            // and k3s's own tables. Masked, nothing can start it. It is never stopped here: its ExecStop is
            // `nft flush ruleset` too.
            step("Ensure Debian's nftables.service is masked (its flush ruleset would drop the platform table)", command, {
              command: 'systemctl mask nftables.service && [ "$(systemctl is-enabled nftables.service 2>/dev/null)" = masked ]',
              unless: `[ "$(systemctl is-enabled nftables.service 2>/dev/null)" = masked ]`,
              summary: 'systemctl mask nftables.service',
              // masking links the unit file to /dev/null: the unit's state and that path change, nothing else
              predicts: [touches('unit:nftables.service'), touches(pathSubject('/etc/systemd/system/nftables.service'))],
            }, { tags: ['firewall'] }),
          ],
        },
      ],
    }),
});
