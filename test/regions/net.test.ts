import { describe, expect, it } from 'vitest';
import {
  cidrHost,
  cidrSize,
  classify,
  contains,
  formatCidr,
  formatIp,
  isCoveredBy,
  isIpv4,
  isIpv6,
  isLinkLocal,
  isLoopback,
  isPrivate,
  mustParseCidr,
  mustParseIp,
  normalizeIp,
  overlaps,
  parseCidr,
  parseIp,
  specialRange,
} from '../../regions/net';

const ip = mustParseIp;
const cidr = mustParseCidr;

describe('parseIp', () => {
  it.each(['10.0.1.12', '0.0.0.0', '255.255.255.255', '203.0.113.11'])('reads IPv4 %s', (text) => {
    const parsed = parseIp(text);
    expect(parsed?.family).toBe(4);
    expect(formatIp(parsed!)).toBe(text);
  });

  it.each(['10.0.0', '10.0.0.256', '010.0.0.1', '1.2.3.4.5', '1.2.3.-4', ' 1.2.3.4', '1.2.3.4 ', '', 'a.b.c.d', '1..2.3'])(
    'refuses %j as an address',
    (text) => {
      expect(parseIp(text)).toBeUndefined();
      expect(isIpv4(text)).toBe(false);
    },
  );

  it.each([
    ['::', '::'],
    ['::1', '::1'],
    ['2001:db8::1', '2001:db8::1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
    ['fe80::1:0:0:1', 'fe80::1:0:0:1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2:3:4:5:6'],
    ['2001:db8::0:1', '2001:db8::1'],
    ['1::', '1::'],
    ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
  ])('reads IPv6 %s canonically as %s', (text, canonical) => {
    expect(isIpv6(text)).toBe(true);
    expect(normalizeIp(text)).toBe(canonical);
  });

  it.each(['1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', 'g::1', '1:2:3:4:5:6:7::8', ':1:2:3:4:5:6:7', 'fe80::1%eth0', '1.2.3.4::'])(
    'refuses %j as an IPv6 address',
    (text) => expect(parseIp(text)).toBeUndefined(),
  );

  it('throws a message naming the value from mustParseIp', () => {
    expect(() => mustParseIp('10.0.0')).toThrow("'10.0.0' is not an IP address (expected e.g. 10.0.1.12 or 2001:db8::1)");
    expect(() => mustParseCidr('10.0.0.0')).toThrow("'10.0.0.0' is not a CIDR");
  });
});

describe('parseCidr', () => {
  it('reads network, prefix and family', () => {
    expect(parseCidr('10.0.0.0/16')).toEqual({ family: 4, network: 0x0a000000n, prefix: 16, hostBitsSet: false });
    expect(parseCidr('2001:db8::/32')?.family).toBe(6);
  });

  it('flags host bits and masks them', () => {
    const c = parseCidr('10.0.0.1/16');
    expect(c?.hostBitsSet).toBe(true);
    expect(formatCidr(c!)).toBe('10.0.0.0/16');
    expect(formatCidr(cidr('2001:db8::1/32'))).toBe('2001:db8::/32');
  });

  it.each(['10.0.0.0', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/08', '::/129', '10.0.0.0/16/8', 'x/8'])('refuses %j', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });

  it('reads /0 and full-length prefixes', () => {
    expect(cidrSize(cidr('0.0.0.0/0'))).toBe(2n ** 32n);
    expect(cidrSize(cidr('::/0'))).toBe(2n ** 128n);
    expect(cidrSize(cidr('10.0.0.1/32'))).toBe(1n);
  });
});

describe('containment and overlap', () => {
  it('contains addresses and whole CIDRs', () => {
    expect(contains(cidr('10.0.0.0/16'), ip('10.0.1.12'))).toBe(true);
    expect(contains(cidr('10.0.0.0/16'), ip('10.1.0.0'))).toBe(false);
    expect(contains(cidr('10.0.0.0/16'), cidr('10.0.1.0/24'))).toBe(true);
    expect(contains(cidr('10.0.1.0/24'), cidr('10.0.0.0/16'))).toBe(false);
    expect(contains(cidr('0.0.0.0/0'), ip('203.0.113.1'))).toBe(true);
    expect(contains(cidr('2001:db8::/32'), ip('2001:db8:ffff::1'))).toBe(true);
  });

  it('never mixes families', () => {
    expect(contains(cidr('0.0.0.0/0'), ip('::1'))).toBe(false);
    expect(contains(cidr('::/0'), ip('10.0.0.1'))).toBe(false);
    expect(overlaps(cidr('::/0'), cidr('0.0.0.0/0'))).toBe(false);
  });

  it('finds overlaps at the edges only when they share an address', () => {
    expect(overlaps(cidr('10.42.0.0/16'), cidr('10.43.0.0/16'))).toBe(false);
    expect(overlaps(cidr('10.42.0.0/15'), cidr('10.43.0.0/16'))).toBe(true);
    expect(overlaps(cidr('10.0.0.0/8'), cidr('10.255.255.255/32'))).toBe(true);
    expect(overlaps(cidr('10.0.0.0/16'), ip('10.0.255.255'))).toBe(true);
    expect(overlaps(cidr('10.0.0.0/16'), ip('10.1.0.0'))).toBe(false);
  });

  it('tells whether a union of CIDRs covers a range (ipBlock excepts)', () => {
    const halves = [cidr('10.0.0.0/9'), cidr('10.128.0.0/9')];
    expect(isCoveredBy(cidr('10.0.0.0/8'), halves)).toBe(true);
    expect(isCoveredBy(cidr('10.0.0.0/8'), [cidr('10.0.0.0/9')])).toBe(false);
    expect(isCoveredBy(cidr('10.0.0.0/8'), [cidr('10.128.0.0/9'), cidr('10.0.0.0/10'), cidr('10.64.0.0/10')])).toBe(true);
    expect(isCoveredBy(cidr('10.0.0.0/8'), [cidr('10.0.0.0/10'), cidr('10.128.0.0/9')])).toBe(false);
    expect(isCoveredBy(ip('169.254.169.254'), [cidr('169.254.0.0/16')])).toBe(true);
    expect(isCoveredBy(cidr('fc00::/7'), [cidr('fc00::/8'), cidr('fd00::/8')])).toBe(true);
    expect(isCoveredBy(cidr('fc00::/7'), [cidr('0.0.0.0/0')])).toBe(false);
  });
});

describe('cidrHost', () => {
  it('counts from the start and from the end', () => {
    expect(formatIp(cidrHost(cidr('10.43.0.0/16'), 1))).toBe('10.43.0.1');
    expect(formatIp(cidrHost(cidr('10.43.0.0/16'), -1))).toBe('10.43.255.255');
    expect(formatIp(cidrHost(cidr('2001:db8::/64'), 10))).toBe('2001:db8::a');
  });

  it('refuses an address outside the CIDR', () => {
    expect(() => cidrHost(cidr('10.0.1.0/24'), 256)).toThrow('address 256 is outside 10.0.1.0/24 (expected 0..255 or -1..-256)');
  });
});

describe('special ranges', () => {
  it('knows private ranges of both families', () => {
    for (const text of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', 'fd12::1']) {
      expect(isPrivate(ip(text)), text).toBe(true);
    }
    for (const text of ['172.32.0.1', '8.8.8.8', '203.0.113.1', '169.254.169.254', '2001:db8::1', '127.0.0.1']) {
      expect(isPrivate(ip(text)), text).toBe(false);
    }
    expect(isPrivate(cidr('10.0.0.0/8'))).toBe(true);
    expect(isPrivate(cidr('10.0.0.0/7'))).toBe(false);
  });

  it('knows link-local (the metadata service) and loopback', () => {
    expect(isLinkLocal(ip('169.254.169.254'))).toBe(true);
    expect(isLinkLocal(ip('fe80::1'))).toBe(true);
    expect(isLoopback(ip('127.0.0.53'))).toBe(true);
    expect(isLoopback(ip('::1'))).toBe(true);
    expect(isLoopback(ip('::2'))).toBe(false);
  });

  it('classifies addresses', () => {
    expect(classify(ip('203.0.113.10'))).toEqual(['documentation']);
    expect(classify(ip('1.1.1.1'))).toEqual([]);
    expect(classify(ip('10.0.0.1'))).toEqual(['rfc1918']);
    expect(specialRange('rfc1918').map(formatCidr)).toEqual(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);
  });
});
