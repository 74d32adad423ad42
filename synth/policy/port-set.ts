/**
 * Sets of (protocol, port) as inclusive port ranges per protocol: what a direction of traffic allows.
 * NetworkPolicy ports are TCP (the default), UDP or SCTP; a rule without ports allows every port of
 * every protocol.
 */

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

type Range = readonly [number, number];

export class PortSet {
  private constructor(private readonly ranges: ReadonlyMap<Protocol, readonly Range[]>) {}

  static readonly none = new PortSet(new Map());
  static readonly all = new PortSet(new Map(PROTOCOLS.map((p) => [p, [[1, 65535]] as const])));

  static of(protocol: Protocol, from: number, to: number = from): PortSet {
    return new PortSet(new Map([[protocol, [[from, to] as const]]]));
  }

  isEmpty(): boolean {
    return [...this.ranges.values()].every((r) => r.length === 0);
  }

  union(other: PortSet): PortSet {
    const out = new Map<Protocol, Range[]>();
    for (const p of PROTOCOLS) {
      const merged = normalize([...(this.ranges.get(p) ?? []), ...(other.ranges.get(p) ?? [])]);
      if (merged.length > 0) out.set(p, merged);
    }
    return new PortSet(out);
  }

  intersect(other: PortSet): PortSet {
    const out = new Map<Protocol, Range[]>();
    for (const p of PROTOCOLS) {
      const result: Range[] = [];
      for (const [a1, a2] of this.ranges.get(p) ?? []) {
        for (const [b1, b2] of other.ranges.get(p) ?? []) {
          const lo = Math.max(a1, b1);
          const hi = Math.min(a2, b2);
          if (lo <= hi) result.push([lo, hi]);
        }
      }
      if (result.length > 0) out.set(p, normalize(result));
    }
    return new PortSet(out);
  }

  /** Restricts to one port and/or protocol (undefined = any). */
  restrict(port?: number, protocol?: Protocol): PortSet {
    const protos = protocol ? [protocol] : PROTOCOLS;
    const out = new Map<Protocol, Range[]>();
    for (const p of protos) out.set(p, port === undefined ? [[1, 65535]] : [[port, port]]);
    return this.intersect(new PortSet(out));
  }

  /** The set as inclusive ranges, by protocol (TCP, UDP, SCTP) then port: `[{ protocol: 'UDP', from: 53, to: 53 }]`. */
  toRanges(): { readonly protocol: Protocol; readonly from: number; readonly to: number }[] {
    return PROTOCOLS.flatMap((protocol) => (this.ranges.get(protocol) ?? []).map(([from, to]) => ({ protocol, from, to })));
  }

  /** Whether the set contains that port of that protocol. */
  has(port: number, protocol: Protocol): boolean {
    return (this.ranges.get(protocol) ?? []).some(([a, b]) => a <= port && port <= b);
  }

  /** `TCP 53, UDP 53`, `TCP 1-65535`, `none`. */
  toString(): string {
    const parts: string[] = [];
    for (const p of PROTOCOLS) {
      for (const [a, b] of this.ranges.get(p) ?? []) parts.push(`${p} ${a === b ? a : `${a}-${b}`}`);
    }
    return parts.length === 0 ? 'none' : parts.join(', ');
  }
}

function normalize(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}
