/** Lookups of region hosts the playbooks share (by name, first server, pool members). */
import type { PoolName, Region, ResolvedHost } from '../regions/types';
import { ValidationError } from './core';

export function regionHost(region: Region, name: string): ResolvedHost {
  const h = region.hosts.find((x) => x.name === name);
  if (!h) throw new ValidationError(`region '${region.name}': no host '${name}' (expected one of: ${region.hosts.map((x) => x.name).join(', ')})`);
  return h;
}

/** The k3s server that initialises the cluster (first host of the ctrl pool). */
export function firstServer(region: Region): ResolvedHost {
  const h = region.pools.ctrl?.[0];
  if (!h) throw new ValidationError(`region '${region.name}': pools.ctrl has no host (expected at least one k3s server)`);
  return h;
}

export function poolHosts(region: Region, pool: PoolName): readonly ResolvedHost[] {
  return region.pools[pool] ?? [];
}

/** Host names of the agents (every pool but ctrl), in region order. */
export function agentNames(region: Region): string[] {
  return region.hosts.filter((h) => h.pool !== 'ctrl').map((h) => h.name);
}
