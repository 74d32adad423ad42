/**
 * Sets of ports per protocol (TCP, UDP, SCTP) as sorted, merged ranges: what one endpoint may open on
 * another. Union, intersection and difference are what the policy evaluation and the diff need.
 */
export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export type PortRange = readonly [number, number];
export type PortSet = Readonly<Record<Protocol, readonly PortRange[]>>;

export const MAX_PORT = 65535;
export const NO_PORTS: PortSet = { TCP: [], UDP: [], SCTP: [] };
export const ALL_PORTS: PortSet = { TCP: [[1, MAX_PORT]], UDP: [[1, MAX_PORT]], SCTP: [[1, MAX_PORT]] };

export function portSet(entries: ReadonlyArray<{ protocol: Protocol; from: number; to?: number }>): PortSet {
  const out: Record<Protocol, PortRange[]> = { TCP: [], UDP: [], SCTP: [] };
  for (const entry of entries) out[entry.protocol].push([entry.from, entry.to ?? entry.from]);
  return { TCP: normalize(out.TCP), UDP: normalize(out.UDP), SCTP: normalize(out.SCTP) };
}

function normalize(ranges: readonly PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

function each(fn: (protocol: Protocol) => PortRange[]): PortSet {
  return { TCP: fn('TCP'), UDP: fn('UDP'), SCTP: fn('SCTP') };
}

export function union(a: PortSet, b: PortSet): PortSet {
  return each((p) => normalize([...a[p], ...b[p]]));
}

export function intersect(a: PortSet, b: PortSet): PortSet {
  return each((p) => {
    const out: PortRange[] = [];
    for (const [alo, ahi] of a[p]) {
      for (const [blo, bhi] of b[p]) {
        const lo = Math.max(alo, blo);
        const hi = Math.min(ahi, bhi);
        if (lo <= hi) out.push([lo, hi]);
      }
    }
    return normalize(out);
  });
}

/** Ports in a but not in b. */
export function subtract(a: PortSet, b: PortSet): PortSet {
  return each((p) => {
    let current: PortRange[] = [...a[p]];
    for (const [blo, bhi] of b[p]) {
      const next: PortRange[] = [];
      for (const [lo, hi] of current) {
        if (bhi < lo || blo > hi) next.push([lo, hi]);
        else {
          if (lo < blo) next.push([lo, blo - 1]);
          if (hi > bhi) next.push([bhi + 1, hi]);
        }
      }
      current = next;
    }
    return current;
  });
}

export function isEmpty(set: PortSet): boolean {
  return PROTOCOLS.every((p) => set[p].length === 0);
}

export function hasPort(set: PortSet, protocol: Protocol, port: number): boolean {
  return set[protocol].some(([lo, hi]) => lo <= port && port <= hi);
}

/** `tcp/3000, tcp/8000-8010, udp/53`, `all tcp`, `all ports`, or `none`. */
export function formatPortSet(set: PortSet): string {
  if (PROTOCOLS.every((p) => isAll(set[p]))) return 'all ports';
  const parts: string[] = [];
  for (const p of PROTOCOLS) {
    const name = p.toLowerCase();
    if (isAll(set[p])) parts.push(`all ${name}`);
    else for (const [lo, hi] of set[p]) parts.push(lo === hi ? `${name}/${lo}` : `${name}/${lo}-${hi}`);
  }
  return parts.length === 0 ? 'none' : parts.join(', ');
}

function isAll(ranges: readonly PortRange[]): boolean {
  return ranges.length === 1 && ranges[0]![0] <= 1 && ranges[0]![1] >= MAX_PORT;
}
