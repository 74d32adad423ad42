import { describe, expect, it } from 'vitest';
import { diffValues } from '../../review/field-diff';

const deployment = (containers: unknown[]): Record<string, unknown> => ({ spec: { template: { spec: { containers } } } });

describe('diffValues', () => {
  it('reports a changed field with a path that names list entries by key', () => {
    const changes = diffValues(deployment([{ name: 'gitea', image: 'a:1' }, { name: 'sidecar', image: 's:1' }]), deployment([{ name: 'gitea', image: 'a:2' }, { name: 'sidecar', image: 's:1' }]));
    expect(changes).toEqual([{ path: 'spec.template.spec.containers[gitea].image', fieldPath: 'spec.template.spec.containers.image', op: 'changed', old: 'a:1', new: 'a:2' }]);
  });

  it('does not report a reorder of a keyed list (containers, ports, env, volumes)', () => {
    const a = deployment([
      { name: 'a', ports: [{ name: 'http', containerPort: 80 }, { name: 'ssh', containerPort: 22 }], env: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }] },
      { name: 'b' },
    ]);
    const b = deployment([
      { name: 'b' },
      { name: 'a', env: [{ name: 'Y', value: '2' }, { name: 'X', value: '1' }], ports: [{ name: 'ssh', containerPort: 22 }, { name: 'http', containerPort: 80 }] },
    ]);
    expect(diffValues(a, b)).toEqual([]);
  });

  it('matches unnamed ports by port and protocol', () => {
    const a = { ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] };
    const b = { ports: [{ port: 53, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }, { port: 9153, protocol: 'TCP' }] };
    expect(diffValues(a, b)).toEqual([{ path: 'ports[9153/TCP]', fieldPath: 'ports', op: 'added', new: { port: 9153, protocol: 'TCP' } }]);
  });

  it('matches keyless object lists by content, so moved rules are not changes', () => {
    const a = { rules: [{ verbs: ['get'] }, { verbs: ['list'] }] };
    expect(diffValues(a, { rules: [{ verbs: ['list'] }, { verbs: ['get'] }] })).toEqual([]);
    const changed = diffValues(a, { rules: [{ verbs: ['list'] }, { verbs: ['get'] }, { verbs: ['delete'] }] });
    expect(changed.map((c) => [c.op, c.path])).toEqual([['added', 'rules[2]']]);
  });

  it('reports a reorder of a scalar list, where order matters (args)', () => {
    const [change] = diffValues({ args: ['--a', '--b'] }, { args: ['--b', '--a'] });
    expect(change?.op).toBe('reordered');
  });

  it('reports added and removed keys, and quotes keys that are not plain identifiers', () => {
    const changes = diffValues({ metadata: { labels: { 'app.kubernetes.io/name': 'x' } } }, { metadata: { labels: { team: 'y' } } });
    expect(changes.map((c) => `${c.op} ${c.path}`)).toEqual(['removed metadata.labels["app.kubernetes.io/name"]', 'added metadata.labels.team']);
  });

  it('diffs multi-line strings line by line', () => {
    const [change] = diffValues({ data: { 'app.ini': 'a = 1\nb = 2\nc = 3\n' } }, { data: { 'app.ini': 'a = 1\nb = 3\nc = 3\n' } });
    expect(change?.lines?.filter((l) => l.op !== ' ')).toEqual([
      { op: '-', text: 'b = 2' },
      { op: '+', text: 'b = 3' },
    ]);
  });

  it('skips ignored field paths', () => {
    expect(diffValues({ metadata: { name: 'a' }, x: 1 }, { metadata: { name: 'b' }, x: 1 }, ['metadata.name'])).toEqual([]);
  });
});

describe('diffValues on scalar lists', () => {
  it('shows the entries that left or arrived, one by one', () => {
    const changes = diffValues({ except: ['10.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12'] }, { except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] });
    expect(changes.map((c) => [c.op, c.path, c.old ?? c.new])).toEqual([
      ['removed', 'except', '169.254.0.0/16'],
      ['added', 'except', '192.168.0.0/16'],
    ]);
  });
});
