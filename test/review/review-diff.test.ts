import { afterAll, describe, expect, it } from 'vitest';
import { loadDistTree } from '../../review/dist-tree';
import { formatJson } from '../../review/format/json';
import { formatMarkdown } from '../../review/format/markdown';
import { formatTerminal } from '../../review/format/terminal';
import { formatPortSet } from '../../review/reachability/port-set';
import { diffTrees } from '../../review/review-diff';
import type { Review } from '../../review/review-model';
import { baseRegionFiles, clone, find, fixtureDirs, SECRETS, type RegionFiles } from './fixture-dist';

const dirs = fixtureDirs();
afterAll(() => dirs.cleanup());
const baseDir = dirs.write('base', { 'eu-test': baseRegionFiles() });
let counter = 0;

/** Diffs the base fixture against a copy changed by `edit`. */
function review(edit: (files: RegionFiles) => void): Review {
  const head = clone(baseRegionFiles());
  edit(head);
  const headDir = dirs.write(`head-${++counter}`, { 'eu-test': head });
  return diffTrees(loadDistTree(baseDir), loadDistTree(headDir), { baseLabel: 'base', headLabel: 'head' });
}

const region = (r: Review) => r.regions.find((x) => x.region === 'eu-test')!;
const allFormats = (r: Review): string[] => [formatTerminal(r), formatTerminal(r, { color: true }), formatMarkdown(r), formatJson(r)];

describe('diffTrees', () => {
  it('finds no difference between identical trees', () => {
    const r = review(() => {});
    expect(r.different).toBe(false);
    expect(region(r).status).toBe('unchanged');
    expect(formatTerminal(r)).toContain('eu-test: unchanged');
  });

  it('reports a field change with its path, old and new value', () => {
    const r = review((f) => {
      find(f, 'Deployment', 'gitea').spec.template.spec.containers[0].image = 'docker.gitea.com/gitea:1.23.1-rootless';
    });
    const [object] = region(r).objects;
    expect(object?.status).toBe('changed');
    expect(object?.changes).toMatchObject([
      { path: 'spec.template.spec.containers[gitea].image', old: 'docker.gitea.com/gitea:1.22.6-rootless', new: 'docker.gitea.com/gitea:1.23.1-rootless', security: ['image'] },
    ]);
    expect(formatTerminal(r)).toContain('spec.template.spec.containers[gitea].image: docker.gitea.com/gitea:1.22.6-rootless -> docker.gitea.com/gitea:1.23.1-rootless');
    expect(r.different).toBe(true);
  });

  it('does not report reordered containers, ports, env, volumes, volumeMounts or documents', () => {
    const r = review((f) => {
      const spec = find(f, 'Deployment', 'gitea').spec.template.spec;
      spec.containers[0].ports.reverse();
      spec.containers[0].env.reverse();
      spec.containers[0].volumeMounts.reverse();
      spec.volumes.reverse();
      f['10-gitea.yaml']!.reverse();
      find(f, 'NetworkPolicy', 'woodpecker-server-ingress').spec.ingress.reverse();
    });
    expect(r.different).toBe(false);
  });

  it('detects a renamed object and shows its other changes', () => {
    const r = review((f) => {
      const service = find(f, 'Service', 'gitea-http');
      service.metadata.name = 'gitea-web';
      service.metadata.labels = { tier: 'web' };
    });
    const objects = region(r).objects;
    expect(objects).toHaveLength(1);
    expect(objects[0]).toMatchObject({ status: 'renamed', oldRef: { name: 'gitea-http' }, ref: { name: 'gitea-web' } });
    expect(objects[0]?.changes.map((c) => c.path)).toEqual(['metadata.labels']);
    expect(formatTerminal(r)).toContain('Service platform/gitea-http -> platform/gitea-web (renamed');
  });

  it('reports an unrelated removal and addition of one kind as such, not as a rename', () => {
    const r = review((f) => {
      f['10-gitea.yaml'] = f['10-gitea.yaml']!.filter((d) => d.kind !== 'Service');
      f['10-gitea.yaml']!.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'other', namespace: 'builds' }, spec: { type: 'ExternalName', externalName: 'x.example' } });
    });
    expect(region(r).objects.map((o) => o.status).sort()).toEqual(['added', 'removed']);
  });

  it('never shows a secret value, in any format, and still shows that it changed', () => {
    const r = review((f) => {
      find(f, 'Secret', 'gitea-admin').data.password = 'bmV3LXNlY3JldC12YWx1ZQ==';
      find(f, 'Deployment', 'gitea').spec.template.spec.containers[0].env[1].value = 'tok-new-value-0000';
      find(f, 'Deployment', 'gitea').spec.template.spec.containers[0].env[2].value = 'hunter3-pw-new';
      const k = f['kustomization.yaml']![0]!;
      k.secretGenerator[0].literals = ['WOODPECKER_AGENT_SECRET=lit-new-secret-value'];
      const cm = find(f, 'ConfigMap', 'gitea-config');
      cm.data['app.ini'] = cm.data['app.ini'].replace(SECRETS.iniSecret, 'ini-new-secret-value');
      // A whole new Secret and a removed one appear in full in the markdown and JSON outputs.
      f['10-gitea.yaml']!.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'extra', namespace: 'platform' }, stringData: { token: 'added-secret-value' } });
    });
    const secrets = [...Object.values(SECRETS), 'bmV3LXNlY3JldC12YWx1ZQ==', 'tok-new-value-0000', 'hunter3-pw-new', 'lit-new-secret-value', 'ini-new-secret-value', 'added-secret-value'];
    const outputs = allFormats(r);
    for (const output of outputs) {
      for (const secret of secrets) expect(output).not.toContain(secret);
      expect(output).toMatch(/<redacted:[0-9a-f]{8}>/);
    }
    const changedPaths = region(r).objects.flatMap((o) => o.changes.map((c) => c.path));
    expect(changedPaths).toEqual(
      expect.arrayContaining(['data.password', 'spec.template.spec.containers[gitea].env[GITEA__security__INTERNAL_TOKEN].value', 'secretGenerator[woodpecker-agent].literals', 'data["app.ini"]']),
    );
  });

  it('warns about fields Kubernetes will not change in place', () => {
    const r = review((f) => {
      find(f, 'StatefulSet', 'zot').spec.volumeClaimTemplates[0].spec.resources.requests.storage = '100Gi';
      find(f, 'RoleBinding', 'woodpecker-agent').roleRef.name = 'woodpecker-admin';
      find(f, 'PersistentVolumeClaim', 'gitea-data').spec.storageClassName = 'hcloud-volumes';
      find(f, 'Deployment', 'woodpecker-server').spec.selector.matchLabels.extra = 'x';
    });
    const warnings = region(r).objects.flatMap((o) => o.warnings.map((w) => `${o.ref.kind} ${w.field}`));
    expect(warnings.sort()).toEqual(['Deployment spec.selector', 'PersistentVolumeClaim spec.storageClassName', 'RoleBinding roleRef', 'StatefulSet spec.volumeClaimTemplates']);
    expect(region(r).counts.warnings).toBe(4);
    expect(formatTerminal(r)).toContain('! warning: StatefulSet spec.volumeClaimTemplates cannot be changed in place');
    expect(formatMarkdown(r)).toContain('#### Warnings: fields Kubernetes will not change in place');
  });

  it('does not warn about mutable fields (replicas, PVC size growth)', () => {
    const r = review((f) => {
      find(f, 'Deployment', 'gitea').spec.replicas = 2;
      find(f, 'PersistentVolumeClaim', 'gitea-data').spec.resources.requests.storage = '40Gi';
    });
    expect(region(r).counts.warnings).toBe(0);
    expect(region(r).counts.changed).toBe(2);
  });

  it('shows a NetworkPolicy change that opens a path as newly reachable and security-relevant', () => {
    // Opening Gitea's ingress to every namespace alone opens nothing for tenants: their egress stays closed.
    const ingressOnly = review((f) => {
      find(f, 'NetworkPolicy', 'gitea-ingress').spec.ingress[0].from.push({ namespaceSelector: {} });
    });
    expect(region(ingressOnly).reachability?.changes.some((c) => c.from === 'projects/*')).toBe(false);
    // Together with a tenant egress rule that no longer excludes 10.0.0.0/8 it does.
    const r = review((f) => {
      find(f, 'NetworkPolicy', 'gitea-ingress').spec.ingress[0].from.push({ namespaceSelector: {} });
      const egress = f['40-network-policies.yaml']!.find((d) => d.metadata.name === 'tenant-allow' && d.metadata.namespace === 'projects')!.spec.egress;
      egress[2].to[0].ipBlock.except = egress[2].to[0].ipBlock.except.filter((c: string) => c !== '10.0.0.0/8');
    });
    const reach = region(r).reachability!;
    const opened = reach.changes.filter((c) => c.from === 'projects/*' && c.to === 'platform/gitea');
    expect(opened).toHaveLength(1);
    expect(formatPortSet(opened[0]!.opened)).toBe('tcp/3000');
    const toPrivate = reach.changes.find((c) => c.from === 'projects/*' && c.to.startsWith('private 10.0.0.1'));
    expect(formatPortSet(toPrivate!.opened)).toBe('all ports');
    expect(reach.newlyFailingChecks.map((c) => c.description)).toContain('a tenant cannot reach private ranges');
    expect(reach.newlyFailingChecks.map((c) => `${c.from} -> ${c.to}`)).toContain('projects/* -> platform/gitea');
    const terminal = formatTerminal(r);
    expect(terminal).toContain('+ opened projects/* -> platform/gitea: tcp/3000');
    expect(terminal).toContain('! check fails a tenant cannot reach platform pods: projects/* -> platform/gitea');
    expect(terminal.indexOf('! security: reachability opened')).toBeLessThan(terminal.indexOf('NetworkPolicy platform/gitea-ingress'));
    expect(formatMarkdown(r)).toContain('**reachability opened**: `projects/*` → `platform/gitea` on tcp/3000');
    expect(region(r).objects[0]?.security).toContain('network-policy');
  });

  it('probes a destination outside dist on both sides: one only the new policies name opens nothing by itself', () => {
    const egressTo = (name: string, app: string, peer: Record<string, unknown>) => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name, namespace: 'platform' },
      spec: { podSelector: { matchLabels: { 'app.kubernetes.io/name': app } }, policyTypes: ['Egress'], egress: [{ to: [peer], ports: [{ port: 5432, protocol: 'TCP' }] }] },
    });
    const databases = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'databases' } } };
    const withGitea = (f: RegionFiles): void => {
      f['40-network-policies.yaml']!.push(egressTo('gitea-database', 'gitea', databases));
    };
    const base = clone(baseRegionFiles());
    withGitea(base);
    const head = clone(base);
    // zot now names the database pods by label too: a new destination `databases/{app=postgres}`
    head['40-network-policies.yaml']!.push(egressTo('zot-database', 'zot', { ...databases, podSelector: { matchLabels: { app: 'postgres' } } }));
    const r = diffTrees(loadDistTree(dirs.write(`base-db-${++counter}`, { 'eu-test': base })), loadDistTree(dirs.write(`head-db-${++counter}`, { 'eu-test': head })), { baseLabel: 'base', headLabel: 'head' });
    const changes = region(r).reachability!.changes;
    // Gitea could reach every pod of `databases` before: the labelled pods are no news for it
    expect(changes.filter((c) => c.from === 'platform/gitea')).toEqual([]);
    // zot's egress got narrower (it had none): nothing opened anywhere, its path to the database kept on 5432
    expect(changes.every((c) => formatPortSet(c.opened) === 'none')).toBe(true);
    expect(changes.find((c) => c.from === 'platform/zot' && c.to === 'databases/{app=postgres}')).toMatchObject({ from: 'platform/zot' });
    expect(formatPortSet(changes.find((c) => c.from === 'platform/zot' && c.to === 'databases/{app=postgres}')!.after)).toBe('tcp/5432');
  });

  it('shows a closed path as closed, not as a security finding', () => {
    const r = review((f) => {
      find(f, 'NetworkPolicy', 'woodpecker-server-ingress').spec.ingress.pop();
    });
    const changes = region(r).reachability!.changes;
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ from: 'platform/woodpecker-agent', to: 'platform/woodpecker-server' });
    expect(formatPortSet(changes[0]!.closed)).toBe('tcp/9000');
    expect(formatPortSet(changes[0]!.opened)).toBe('none');
  });

  it('sorts security-relevant changes first', () => {
    const r = review((f) => {
      find(f, 'Deployment', 'gitea').spec.replicas = 3;
      find(f, 'ConfigMap', 'gitea-config').data.extra = 'x';
      find(f, 'Service', 'gitea-http').spec.type = 'LoadBalancer';
      find(f, 'Role', 'woodpecker-agent').rules[0].verbs.push('patch');
      find(f, 'Deployment', 'woodpecker-agent').spec.template.spec.hostNetwork = true;
    });
    const order = region(r).objects.map((o) => `${o.ref.kind}/${o.ref.name}`);
    expect(order).toEqual(['Role/woodpecker-agent', 'Deployment/woodpecker-agent', 'Service/gitea-http', 'ConfigMap/gitea-config', 'Deployment/gitea']);
    expect(region(r).objects.map((o) => o.security)).toEqual([['rbac'], ['host-exposure'], ['service-exposure'], [], []]);
    // Within an object too: the security-relevant field first.
    const r2 = review((f) => {
      const spec = find(f, 'Deployment', 'gitea').spec;
      spec.replicas = 2;
      spec.template.spec.containers[0].securityContext = { privileged: true };
    });
    expect(region(r2).objects[0]?.changes.map((c) => c.path)).toEqual(['spec.template.spec.containers[gitea].securityContext', 'spec.replicas']);
  });

  it('reports added and removed regions and objects', () => {
    const head = dirs.write('two-regions', { 'eu-test': baseRegionFiles(), 'us-test': { '00-namespaces.yaml': [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'platform' } }] } });
    const r = diffTrees(loadDistTree(baseDir), loadDistTree(head));
    expect(r.regions.map((x) => [x.region, x.status])).toEqual([
      ['eu-test', 'unchanged'],
      ['us-test', 'added'],
    ]);
    expect(r.regions[1]?.counts.added).toBe(1);
    const back = diffTrees(loadDistTree(head), loadDistTree(baseDir));
    expect(back.regions[1]?.status).toBe('removed');
    expect(formatTerminal(back)).toContain('kubectl apply -k does not delete removed objects');
  });

  it('renders all three formats', () => {
    const r = review((f) => {
      find(f, 'Deployment', 'gitea').spec.template.spec.containers[0].image = 'docker.gitea.com/gitea:1.23.1-rootless';
    });
    const json = JSON.parse(formatJson(r));
    expect(json).toMatchObject({ version: 1, different: true, regions: [{ region: 'eu-test', status: 'changed', counts: { changed: 1, security: 1 } }] });
    const md = formatMarkdown(r);
    expect(md).toContain('| `eu-test` | changed | 0 | 0 | 1 | 0 | **1** | 0 |');
    expect(md).toContain('<details>');
    expect(md).toMatch(/```diff\n~ spec\.template\.spec\.containers\[gitea\]\.image: /);
    const colored = formatTerminal(r, { color: true });
    expect(colored).toContain('\u001b[');
    expect(formatTerminal(r)).not.toContain('\u001b[');
  });
});
