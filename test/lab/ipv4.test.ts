import { describe, expect, it } from 'vitest';
import { cidrRange, cidrsOverlap, ipToNumber } from '../../lab/ipv4';

describe('ipv4 helpers', () => {
  it('parses addresses and prefixes', () => {
    expect(ipToNumber('10.0.0.1')).toBe(167772161);
    expect(ipToNumber('10.0.0')).toBeUndefined();
    expect(ipToNumber('10.0.0.256')).toBeUndefined();
    expect(cidrRange('10.213.5.77/24')).toEqual([ipToNumber('10.213.5.0'), ipToNumber('10.213.5.255')]);
    expect(cidrRange('10.213.5.77')).toEqual([ipToNumber('10.213.5.77'), ipToNumber('10.213.5.77')]);
    expect(cidrRange('fd00::/8')).toBeUndefined();
  });

  it('tells overlapping prefixes apart', () => {
    expect(cidrsOverlap('10.213.5.0/24', '10.213.0.0/16')).toBe(true);
    expect(cidrsOverlap('10.213.5.0/24', '10.213.5.9/32')).toBe(true);
    expect(cidrsOverlap('10.213.5.0/24', '10.213.6.0/24')).toBe(false);
    expect(cidrsOverlap('10.213.5.0/24', '10.214.5.0/24')).toBe(false);
    expect(cidrsOverlap('10.0.0.0/8', 'fe80::/64')).toBe(false);
  });
});
