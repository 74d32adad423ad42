/**
 * Sets of IP addresses as sorted inclusive ranges, for NetworkPolicy ipBlocks (`cidr` minus `except`).
 * CIDR parsing and range math come from regions/net.ts.
 */
import { mustParseCidr, parseCidr, parseIp, rangeOf, type IpRange } from '../../regions/net';

/** A CIDR (`10.0.0.0/8`) or a single address (`10.0.0.1`) as a range. Throws on anything else. */
export function parseAddressRange(text: string): IpRange {
  const cidr = parseCidr(text);
  if (cidr) return rangeOf(cidr);
  const ip = parseIp(text);
  if (ip) return rangeOf(ip);
  return rangeOf(mustParseCidr(text));
}

/** `cidr` minus every `except` range: what an ipBlock matches. */
export function ipBlockRanges(cidr: string, except: readonly string[] = []): IpRange[] {
  let ranges: IpRange[] = [parseAddressRange(cidr)];
  for (const ex of except.map(parseAddressRange)) {
    const next: IpRange[] = [];
    for (const r of ranges) {
      if (r.family !== ex.family || ex.end < r.start || ex.start > r.end) {
        next.push(r);
        continue;
      }
      if (ex.start > r.start) next.push({ family: r.family, start: r.start, end: ex.start - 1n });
      if (ex.end < r.end) next.push({ family: r.family, start: ex.end + 1n, end: r.end });
    }
    ranges = next;
  }
  return ranges;
}

/** Whether any address of `target` lies in `ranges`. */
export function intersectsAny(ranges: readonly IpRange[], target: IpRange): boolean {
  return ranges.some((r) => r.family === target.family && r.start <= target.end && target.start <= r.end);
}
