/**
 * What a change does to reachability: per (from, to) pair, the ports that became reachable (opened)
 * and the ones that no longer are (closed), plus the tenant-isolation checks that fail after the change.
 */
import { CATEGORY_ORDER, type ReachabilityCheck, type ReachabilityReport } from './reachability';
import { isEmpty, NO_PORTS, subtract, type PortSet } from './port-set';

export interface FlowChange {
  readonly from: string;
  readonly to: string;
  readonly category: string;
  readonly before: PortSet;
  readonly after: PortSet;
  /** Reachable now, not before: always security-relevant. */
  readonly opened: PortSet;
  readonly closed: PortSet;
}

export interface ReachabilityDelta {
  readonly changes: readonly FlowChange[];
  /** Checks failing after the change (whether or not they failed before). */
  readonly failingChecks: readonly ReachabilityCheck[];
  /** Checks that passed before and fail now. */
  readonly newlyFailingChecks: readonly ReachabilityCheck[];
}

const pairKey = (from: string, to: string): string => `${from}\u0000${to}`;

export function diffReachability(base: ReachabilityReport | undefined, head: ReachabilityReport | undefined): ReachabilityDelta {
  const before = new Map((base?.flows ?? []).map((f) => [pairKey(f.from, f.to), f]));
  const after = new Map((head?.flows ?? []).map((f) => [pairKey(f.from, f.to), f]));
  const changes: FlowChange[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(key);
    const a = after.get(key);
    const flow = (a ?? b)!;
    const beforePorts = b?.ports ?? NO_PORTS;
    const afterPorts = a?.ports ?? NO_PORTS;
    const opened = subtract(afterPorts, beforePorts);
    const closed = subtract(beforePorts, afterPorts);
    if (isEmpty(opened) && isEmpty(closed)) continue;
    changes.push({ from: flow.from, to: flow.to, category: flow.category, before: beforePorts, after: afterPorts, opened, closed });
  }
  // Opened paths first, then by report section.
  changes.sort(
    (x, y) =>
      Number(isEmpty(x.opened)) - Number(isEmpty(y.opened)) ||
      CATEGORY_ORDER.indexOf(x.category) - CATEGORY_ORDER.indexOf(y.category) ||
      x.from.localeCompare(y.from) ||
      x.to.localeCompare(y.to),
  );
  const failingChecks = (head?.checks ?? []).filter((c) => !c.ok);
  const passedBefore = new Set((base?.checks ?? []).filter((c) => c.ok).map((c) => `${c.description}|${c.from}|${c.to}`));
  const newlyFailingChecks = failingChecks.filter((c) => passedBefore.has(`${c.description}|${c.from}|${c.to}`));
  return { changes, failingChecks, newlyFailingChecks };
}
