/**
 * IPv4/IPv6 address and CIDR helpers: parse, format, containment, overlap, coverage and the special
 * ranges (private, link-local, loopback...). Pure, no dependencies; used by the region rules, the synth
 * NetworkPolicy analyzer and the firewall playbook.
 *
 * Addresses are numbers (bigint) so every comparison is exact for both families:
 *   const c = mustParseCidr('10.0.0.0/16');
 *   contains(c, mustParseIp('10.0.1.12'));            // true
 *   overlaps(c, mustParseCidr('10.0.128.0/17'));      // true
 *   isCoveredBy(mustParseCidr('10.1.0.0/16'), [mustParseCidr('10.0.0.0/8')]); // true
 */

export type IpFamily = 4 | 6;

export interface IpAddress {
  readonly family: IpFamily;
  /** The address as an unsigned integer (32 bits for IPv4, 128 for IPv6). */
  readonly value: bigint;
}

export interface Cidr {
  readonly family: IpFamily;
  /** The network address (host bits cleared). */
  readonly network: bigint;
  readonly prefix: number;
  /** True when the text had host bits set (e.g. `10.0.0.1/16`); `network` is still the masked address. */
  readonly hostBitsSet: boolean;
}

/** An inclusive range of addresses of one family. */
export interface IpRange {
  readonly family: IpFamily;
  readonly start: bigint;
  readonly end: bigint;
}

const BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };

export function familyBits(family: IpFamily): number {
  return BITS[family];
}

/* ---------------------------------------------------------------- parsing */

const V4_OCTET = /^(0|[1-9][0-9]{0,2})$/;

/** Dotted quad, no leading zeros (so `010.0.0.1` is refused instead of read as octal by some tools). */
function parseV4Value(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!V4_OCTET.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

const V6_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseV6Groups(text: string): number[] | undefined {
  if (text === '') return [];
  const groups: number[] = [];
  const parts = text.split(':');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (i === parts.length - 1 && part.includes('.')) {
      const v4 = parseV4Value(part);
      if (v4 === undefined) return undefined;
      groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else {
      if (!V6_GROUP.test(part)) return undefined;
      groups.push(parseInt(part, 16));
    }
  }
  return groups;
}

/** RFC 4291 text forms, including `::` compression and an embedded IPv4 tail; zone ids are refused. */
function parseV6Value(text: string): bigint | undefined {
  if (text.length === 0 || text.length > 45) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const head = parseV6Groups(halves[0] ?? '');
    const tail = parseV6Groups(halves[1] ?? '');
    if (!head || !tail) return undefined;
    // an IPv4 tail is only allowed at the very end
    if ((halves[0] ?? '').includes('.')) return undefined;
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    const all = parseV6Groups(text);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  }
  if (groups.length !== 8) return undefined;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** Parses an IPv4 or IPv6 address; undefined when the text is not one. */
export function parseIp(text: string): IpAddress | undefined {
  if (typeof text !== 'string') return undefined;
  if (text.includes(':')) {
    const value = parseV6Value(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseV4Value(text);
  return value === undefined ? undefined : { family: 4, value };
}

export function isIpv4(text: string): boolean {
  return parseIp(text)?.family === 4;
}

export function isIpv6(text: string): boolean {
  return parseIp(text)?.family === 6;
}

export function isIp(text: string): boolean {
  return parseIp(text) !== undefined;
}

function mask(family: IpFamily, prefix: number): bigint {
  const bits = BigInt(BITS[family]);
  const all = (1n << bits) - 1n;
  return (all >> BigInt(prefix)) ^ all;
}

/** Parses `address/prefix` (the prefix is required). Host bits are allowed but flagged in `hostBitsSet`. */
export function parseCidr(text: string): Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  if (slash < 0 || slash !== text.lastIndexOf('/')) return undefined;
  const ip = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!ip || !/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > BITS[ip.family]) return undefined;
  const network = ip.value & mask(ip.family, prefix);
  return { family: ip.family, network, prefix, hostBitsSet: network !== ip.value };
}

export function isCidr(text: string): boolean {
  return parseCidr(text) !== undefined;
}

export function mustParseIp(text: string): IpAddress {
  const ip = parseIp(text);
  if (!ip) throw new Error(`'${String(text)}' is not an IP address (expected e.g. 10.0.1.12 or 2001:db8::1)`);
  return ip;
}

export function mustParseCidr(text: string): Cidr {
  const cidr = parseCidr(text);
  if (!cidr) throw new Error(`'${String(text)}' is not a CIDR (expected e.g. 10.0.0.0/16 or 2001:db8::/32)`);
  return cidr;
}

/* ---------------------------------------------------------------- formatting */

function formatV4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
}

/** RFC 5952 canonical form: lower case, leading zeros dropped, the longest run (>= 2) of zero groups as `::`. */
function formatV6(value: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}

export function formatIp(ip: IpAddress): string {
  return ip.family === 4 ? formatV4(ip.value) : formatV6(ip.value);
}

/** Canonical text of a CIDR, with host bits cleared: `10.0.0.0/16`. */
export function formatCidr(cidr: Cidr): string {
  return `${formatIp({ family: cidr.family, value: cidr.network })}/${cidr.prefix}`;
}

/** Canonical text of an address (`2001:DB8:0::1` -> `2001:db8::1`); undefined when not an address. */
export function normalizeIp(text: string): string | undefined {
  const ip = parseIp(text);
  return ip ? formatIp(ip) : undefined;
}

/* ---------------------------------------------------------------- ranges and set operations */

export function rangeOf(x: Cidr | IpAddress): IpRange {
  if ('prefix' in x) {
    const size = 1n << BigInt(BITS[x.family] - x.prefix);
    return { family: x.family, start: x.network, end: x.network + size - 1n };
  }
  return { family: x.family, start: x.value, end: x.value };
}

/** Number of addresses in the CIDR. */
export function cidrSize(cidr: Cidr): bigint {
  return 1n << BigInt(BITS[cidr.family] - cidr.prefix);
}

/**
 * The n-th address of a CIDR (0 = network address; negative counts from the end, -1 = last),
 * like Terraform's cidrhost(): `cidrHost(mustParseCidr('10.43.0.0/16'), 1)` is 10.43.0.1, the
 * address of the `kubernetes` Service in k3s.
 */
export function cidrHost(cidr: Cidr, n: number | bigint): IpAddress {
  const size = cidrSize(cidr);
  const offset = BigInt(n) < 0n ? size + BigInt(n) : BigInt(n);
  if (offset < 0n || offset >= size) {
    throw new Error(`address ${String(n)} is outside ${formatCidr(cidr)} (expected 0..${String(size - 1n)} or -1..-${String(size)})`);
  }
  return { family: cidr.family, value: cidr.network + offset };
}

/** Whether `outer` contains the address or the whole CIDR `inner` (false across families). */
export function contains(outer: Cidr, inner: Cidr | IpAddress): boolean {
  if (outer.family !== inner.family) return false;
  const a = rangeOf(outer);
  const b = rangeOf(inner);
  return a.start <= b.start && b.end <= a.end;
}

/** Whether two CIDRs (or addresses) share at least one address (false across families). */
export function overlaps(a: Cidr | IpAddress, b: Cidr | IpAddress): boolean {
  if (a.family !== b.family) return false;
  const x = rangeOf(a);
  const y = rangeOf(b);
  return x.start <= y.end && y.start <= x.end;
}

/** Whether every address of `target` lies in the union of `cidrs` (e.g. "do the ipBlock excepts cover 10/8?"). */
export function isCoveredBy(target: Cidr | IpAddress, cidrs: readonly Cidr[]): boolean {
  const want = rangeOf(target);
  const ranges = cidrs
    .filter((c) => c.family === target.family)
    .map(rangeOf)
    .sort((p, q) => (p.start < q.start ? -1 : p.start > q.start ? 1 : 0));
  let next = want.start; // first address not yet covered
  for (const r of ranges) {
    if (r.start > next) break;
    if (r.end >= next) next = r.end + 1n;
    if (next > want.end) return true;
  }
  return next > want.end;
}

/* ---------------------------------------------------------------- special ranges */

function cidrs(...texts: string[]): readonly Cidr[] {
  return texts.map(mustParseCidr);
}

/** Named special-purpose ranges (IANA registries), as CIDR text. */
export const SPECIAL_RANGES = {
  /** RFC 1918 private IPv4. */
  rfc1918: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'],
  /** RFC 6598 shared address space (carrier-grade NAT; also Tailscale and some provider networks). */
  sharedAddressSpace: ['100.64.0.0/10'],
  /** RFC 4193 unique local IPv6. */
  uniqueLocal: ['fc00::/7'],
  /** RFC 3927 / RFC 4291 link-local; 169.254.169.254 is the cloud metadata service. */
  linkLocal: ['169.254.0.0/16', 'fe80::/10'],
  loopback: ['127.0.0.0/8', '::1/128'],
  unspecified: ['0.0.0.0/8', '::/128'],
  multicast: ['224.0.0.0/4', 'ff00::/8'],
  /** RFC 5737 / RFC 3849 documentation ranges (used by the example regions). */
  documentation: ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32'],
} as const satisfies Record<string, readonly string[]>;

export type SpecialRange = keyof typeof SPECIAL_RANGES;

const PARSED_SPECIAL: Record<SpecialRange, readonly Cidr[]> = Object.fromEntries(
  Object.entries(SPECIAL_RANGES).map(([k, v]) => [k, cidrs(...v)]),
) as Record<SpecialRange, readonly Cidr[]>;

/** The parsed CIDRs of one special range, e.g. `specialRange('rfc1918')`. */
export function specialRange(name: SpecialRange): readonly Cidr[] {
  return PARSED_SPECIAL[name];
}

/** Names of the special ranges the address or CIDR lies entirely inside (empty for global unicast). */
export function classify(x: Cidr | IpAddress): SpecialRange[] {
  return (Object.keys(PARSED_SPECIAL) as SpecialRange[]).filter((k) => PARSED_SPECIAL[k].some((c) => contains(c, x)));
}

/** Inside a private network range: RFC 1918, 100.64.0.0/10 or fc00::/7. */
export function isPrivate(x: Cidr | IpAddress): boolean {
  return [...PARSED_SPECIAL.rfc1918, ...PARSED_SPECIAL.sharedAddressSpace, ...PARSED_SPECIAL.uniqueLocal].some((c) =>
    contains(c, x),
  );
}

export function isLoopback(x: Cidr | IpAddress): boolean {
  return PARSED_SPECIAL.loopback.some((c) => contains(c, x));
}

export function isLinkLocal(x: Cidr | IpAddress): boolean {
  return PARSED_SPECIAL.linkLocal.some((c) => contains(c, x));
}

/** Whether the CIDR is a whole address family (`0.0.0.0/0` or `::/0`). */
export function isWholeFamily(cidr: Cidr): boolean {
  return cidr.prefix === 0;
}
