import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labLayout, poolsFor, subnetIndexOf } from '../../lab/addressing';

describe('lab addressing', () => {
  it('puts 1 host in ctrl below 7 hosts and 3 from 7 on, the rest round-robin over run, build, ops', () => {
    expect(poolsFor(1)).toEqual(['ctrl']);
    expect(poolsFor(5)).toEqual(['ctrl', 'run', 'build', 'ops', 'run']);
    expect(poolsFor(7)).toEqual(['ctrl', 'ctrl', 'ctrl', 'run', 'build', 'ops', 'run']);
    expect(poolsFor(20).filter((p) => p === 'ctrl')).toHaveLength(3);
  });

  it('derives the subnets from the id, deterministically and in 1..254', () => {
    expect(subnetIndexOf('lab')).toBe(subnetIndexOf('lab'));
    expect(subnetIndexOf('lab')).not.toBe(subnetIndexOf('lab-it'));
    for (const id of ['a', 'lab', 'runner-it', 'x9']) {
      const k = subnetIndexOf(id);
      expect(k).toBeGreaterThanOrEqual(1);
      expect(k).toBeLessThanOrEqual(254);
    }
    const layout = labLayout('lab', 2);
    const k = subnetIndexOf('lab');
    expect(layout.publicCidr).toBe(`10.213.${k}.0/24`);
    expect(layout.privateCidr).toBe(`10.214.${k}.0/24`);
    expect(layout.gatewayIp).toBe(`10.213.${k}.1`);
  });

  it('gives every lab id used by the tests of this repository its own subnets', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
    const ids = new Set(['lab']);
    for (const f of files(join(__dirname, '..'))) {
      for (const m of readFileSync(f, 'utf8').matchAll(/(?:useLab|labUp)\(\{ id: '([a-z0-9-]+)'/g)) if (m[1]) ids.add(m[1]);
    }
    expect(ids.size).toBeGreaterThan(2);
    const byIndex = new Map<number, string[]>();
    for (const id of ids) byIndex.set(subnetIndexOf(id), [...(byIndex.get(subnetIndexOf(id)) ?? []), id]);
    expect([...byIndex.values()].filter((group) => group.length > 1)).toEqual([]);
  });

  it('gives every host fixed addresses, MACs and interface names that fit the kernel limit', () => {
    const layout = labLayout('runner-it', 40, 254);
    const h = layout.hosts[39];
    expect(h).toMatchObject({
      name: 'lab-40',
      publicIp: '10.213.254.50',
      privateIp: '10.214.254.50',
      publicMac: '02:1a:fe:28:00:01',
      privateMac: '02:1a:fe:28:00:02',
      netns: 'lab-runner-it-lab-40',
    });
    const names = layout.hosts.flatMap((x) => [x.publicVeth, x.privateVeth]).concat(layout.publicBridge, layout.privateBridge);
    for (const n of names) expect(n.length).toBeLessThanOrEqual(15);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(layout.hosts.map((x) => x.publicMac)).size).toBe(40);
  });

  it('fails on a bad id or host count, naming the value and the fix', () => {
    expect(() => labLayout('Bad_Id', 2)).toThrow(/^lab id 'Bad_Id' is not valid \(expected .*\); pick another --id/);
    expect(() => labLayout('lab', 0)).toThrow(/^lab 'lab': host count 0 is not valid \(expected an integer 1\.\.40\)/);
    expect(() => labLayout('lab', 41)).toThrow(/host count 41 is not valid/);
    expect(() => labLayout('lab', 2.5)).toThrow(/host count 2.5 is not valid/);
  });
});
