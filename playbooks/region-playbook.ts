/**
 * A playbook of this project is built from the resolved Region: every value it needs (CIDRs, versions, pools,
 * hosts) comes from there, so each playbook module default-exports a `RegionPlaybook` whose `build(region)`
 * returns the core `Playbook` the executor runs.
 *
 *   const pb = (await import('./firewall')).default.build(region);
 *   await runPlaybook(pb, inventoryFromRegion(region).inventory, { connect });
 */
import type { Region } from '../regions/types';
import type { Playbook } from './core';

export interface RegionPlaybook {
  /** Module name under playbooks/ (`base`, `firewall`, ...). */
  readonly name: string;
  readonly description: string;
  /** The playbook for this region (plays, steps and their arguments computed from the region). */
  build(region: Region): Playbook;
}

export function defineRegionPlaybook(playbook: RegionPlaybook): RegionPlaybook {
  return playbook;
}
