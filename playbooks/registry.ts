/**
 * The playbooks `npm run play -- <region> <playbook>` knows, in the order `site` runs them.
 */
import type { Region } from '../regions/types';
import { ValidationError, type Playbook } from './core';
import type { RegionPlaybook } from './region-playbook';

export const PLAYBOOK_NAMES = ['site', 'first-contact', 'base', 'network', 'firewall', 'gvisor', 'k3s', 'upgrade', 'restore', 'reset'] as const;
export type PlaybookName = (typeof PLAYBOOK_NAMES)[number];

const modules: Record<PlaybookName, () => Promise<{ default: RegionPlaybook }>> = {
  site: () => import('./site'),
  'first-contact': () => import('./first-contact'),
  base: () => import('./base'),
  network: () => import('./network'),
  firewall: () => import('./firewall'),
  gvisor: () => import('./gvisor'),
  k3s: () => import('./k3s'),
  upgrade: () => import('./upgrade'),
  restore: () => import('./restore'),
  reset: () => import('./reset'),
};

export function isPlaybookName(name: string): name is PlaybookName {
  return (PLAYBOOK_NAMES as readonly string[]).includes(name);
}

/** The RegionPlaybook module `name`; throws a ValidationError naming the known playbooks. */
export async function loadRegionPlaybook(name: string): Promise<RegionPlaybook> {
  if (!isPlaybookName(name)) {
    throw new ValidationError(`playbook '${name}' does not exist (expected one of: ${PLAYBOOK_NAMES.join(', ')}; e.g. npm run play -- eu-central-1 base)`);
  }
  return (await modules[name]()).default;
}

/** The playbook `name` built for `region`. */
export async function loadPlaybook(name: string, region: Region): Promise<Playbook> {
  return (await loadRegionPlaybook(name)).build(region);
}
