/**
 * Region -> runner inventory: every host, pools as groups, per-pool and per-host vars, and the SSH settings of
 * the region (user, key or agent, bastion, known_hosts).
 */
import type { Region } from '../regions/types';
import { parseBastion, type Inventory, type InventoryHost, type SshConfig, type VarValue } from './core';

export interface RegionInventory {
  readonly inventory: Inventory;
  readonly ssh: SshConfig;
}

export interface InventoryOptions {
  /** Extra SSH settings (timeouts, agent socket) over the region's. */
  readonly ssh?: Partial<SshConfig>;
}

export function inventoryFromRegion(region: Region, options: InventoryOptions = {}): RegionInventory {
  const hosts: InventoryHost[] = region.hosts.map((h) => ({
    name: h.name,
    address: h.sshHost,
    port: h.sshPort,
    user: region.ssh.user,
    groups: [h.pool],
    vars: hostVars(region, h),
  }));
  const ssh: SshConfig = {
    knownHostsPath: region.ssh.knownHostsPath,
    ...(region.ssh.privateKeyPath ? { privateKeyPath: region.ssh.privateKeyPath } : {}),
    ...(region.ssh.bastion ? { bastion: parseBastion(region.ssh.bastion, region.ssh.user) } : {}),
    hostKeysCommand: `npm run host-keys -- ${region.name}`,
    ...options.ssh,
  };
  return { inventory: { name: region.name, hosts }, ssh };
}

/**
 * The vars a host's plans see: the resolved host vars (pool vars overridden by host vars), plus the facts of the
 * region every playbook needs about the host (`pool`, `provider`, `publicIp`, `privateIp`).
 */
function hostVars(region: Region, h: Region['hosts'][number]): Record<string, VarValue> {
  return {
    region: region.name,
    pool: h.pool,
    provider: h.provider,
    publicIp: h.publicIp,
    privateIp: h.privateIp,
    ...h.vars,
  };
}
