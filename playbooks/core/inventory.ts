/**
 * The inventory the executor runs on: hosts, groups and vars. playbooks/inventory.ts builds it from a Region;
 * tests build it by hand. Nothing here knows about providers or regions.
 */
import type { Secret } from './redaction';

/** A playbook variable. Secrets stay wrapped so every output redacts them. */
export type VarValue = string | number | boolean | Secret;

export interface InventoryHost {
  /** Unique host name, e.g. `ctrl-1`. */
  readonly name: string;
  /** Address to dial (IP or DNS name). */
  readonly address: string;
  readonly port: number;
  /** Login user; commands run through `sudo -n` when it is not root. */
  readonly user: string;
  /** Groups the host is in (its pool, e.g. `ctrl`). `all` is implicit. */
  readonly groups: readonly string[];
  readonly vars: Readonly<Record<string, VarValue>>;
}

export interface Inventory {
  /** Name shown in output (the region name). */
  readonly name: string;
  /** Hosts in a stable order (this order is the order of serial batches and of the recap). */
  readonly hosts: readonly InventoryHost[];
  /** Group vars, applied under host vars. */
  readonly groupVars?: Readonly<Record<string, Readonly<Record<string, VarValue>>>>;
}

/** Every group name used by the inventory's hosts, plus `all`. */
export function groupNames(inventory: Inventory): string[] {
  const names = new Set<string>(['all']);
  for (const h of inventory.hosts) for (const g of h.groups) names.add(g);
  return [...names];
}
