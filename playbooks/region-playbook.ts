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

/** What a run asks for, as far as a playbook's preflight needs to know. */
export interface PlayRequest {
  /** `--limit` patterns (empty: every host of the region). */
  readonly limit: readonly string[];
  /** `--confirm <region>`: the operator named the region for a destructive run. */
  readonly confirm?: string;
}

export interface RegionPlaybook {
  /** Module name under playbooks/ (`base`, `firewall`, ...). */
  readonly name: string;
  readonly description: string;
  /** The playbook for this region (plays, steps and their arguments computed from the region). */
  build(region: Region): Playbook;
  /**
   * Checked before any host is contacted (CLI and tests alike): throws a ValidationError when the run must not
   * start, e.g. `reset` of a whole region without `--confirm <region>`.
   */
  preflight?(region: Region, request: PlayRequest): void;
  /** The login this playbook connects as, when not `ssh.user` (first-contact: the provider's initial user). */
  connectAs?(region: Region): string;
}

/** The region as a run of `playbook` connects to it (its `connectAs` login instead of ssh.user). */
export function regionForRun(playbook: RegionPlaybook, region: Region): Region {
  const login = playbook.connectAs?.(region);
  return login === undefined || login === region.ssh.user ? region : { ...region, ssh: { ...region.ssh, user: login } };
}

export function defineRegionPlaybook(playbook: RegionPlaybook): RegionPlaybook {
  return playbook;
}
