import { describe, expect, it } from 'vitest';
import { selectHosts, type InventoryHost } from '../../../playbooks/core';

const h = (name: string, group: string): InventoryHost => ({ name, address: '10.0.0.1', port: 22, user: 'root', groups: [group], vars: {} });
const hosts = [h('ctrl-1', 'ctrl'), h('ctrl-2', 'ctrl'), h('run-1', 'run'), h('run-2', 'run'), h('ops-1', 'ops')];
const names = (p: string[]) => selectHosts(hosts, p, 'test').map((x) => x.name);

describe('host patterns', () => {
  it('selects by name, group, glob and all, in inventory order', () => {
    expect(names(['all'])).toHaveLength(5);
    expect(names(['run'])).toEqual(['run-1', 'run-2']);
    expect(names(['ops-1,ctrl-2'])).toEqual(['ctrl-2', 'ops-1']);
    expect(names(['*-1'])).toEqual(['ctrl-1', 'run-1', 'ops-1']);
    expect(names(['ctrl-[12]'])).toEqual(['ctrl-1', 'ctrl-2']);
  });
  it('excludes with !', () => {
    expect(names(['all', '!run'])).toEqual(['ctrl-1', 'ctrl-2', 'ops-1']);
    expect(names(['!ctrl'])).toEqual(['run-1', 'run-2', 'ops-1']);
  });
  it('a typo is an error naming what exists; a glob may match nothing', () => {
    expect(() => names(['crtl'])).toThrow("test: pattern 'crtl' matches no host or group (expected one of: all, ctrl-1, ctrl, ctrl-2, run-1, run, run-2, ops-1, ops; or a glob like 'run-*')");
    expect(names(['build-*'])).toEqual([]);
  });
});
