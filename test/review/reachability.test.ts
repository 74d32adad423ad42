import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDistTree } from '../../review/dist-tree';
import { formatReachability } from '../../review/format/reachability-text';
import { fromPolicyPortSet } from '../../review/reachability/evaluate';
import { formatPortSet, hasPort, isEmpty, type PortSet } from '../../review/reachability/port-set';
import { reachabilityReport, type ReachabilityReport } from '../../review/reachability/reachability';
import { PortSet as PolicyPortSet } from '../../synth/policy';
import { baseRegionFiles, clone, find, fixtureDirs, type RegionFiles } from './fixture-dist';
import { runCli, runReachability } from './run-cli';

const dirs = fixtureDirs();
afterAll(() => dirs.cleanup());
let counter = 0;

function reportOf(files: RegionFiles): ReachabilityReport {
  const dist = dirs.write(`dist-${++counter}`, { 'eu-test': files });
  const region = loadDistTree(dist).get('eu-test')!;
  return reachabilityReport('eu-test', region.objects);
}

/** Ports open from -> to ('none' when the pair is not in the report). */
function ports(report: ReachabilityReport, from: string, to: string): PortSet | undefined {
  return report.flows.find((f) => f.from === from && f.to === to)?.ports;
}

describe('reachabilityReport on the fixture region', () => {
  const report = reportOf(baseRegionFiles());

  it('lets a tenant reach DNS, the internet and itself, and nothing else', () => {
    expect(ports(report, 'projects/*', 'other-tenant/*')).toBeUndefined();
    expect(ports(report, 'other-tenant/*', 'projects/*')).toBeUndefined();
    expect(ports(report, 'projects/*', 'platform/gitea')).toBeUndefined();
    expect(ports(report, 'projects/*', 'metadata 169.254.169.254')).toBeUndefined();
    expect(ports(report, 'projects/*', 'private 10.0.0.1 (10.0.0.0/8)')).toBeUndefined();
    expect(formatPortSet(ports(report, 'projects/*', 'kube-system/coredns')!)).toBe('tcp/53, udp/53');
    expect(formatPortSet(ports(report, 'projects/*', 'internet 1.1.1.1')!)).toBe('all ports');
    expect(formatPortSet(ports(report, 'projects/*', 'projects/*')!)).toBe('all ports');
    expect(report.checks.length).toBeGreaterThan(10);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  });

  it('reports the platform flows the policies allow, on the named or numbered ports', () => {
    expect(formatPortSet(ports(report, 'kube-system/traefik', 'platform/gitea')!)).toBe('tcp/3000');
    expect(formatPortSet(ports(report, 'platform/woodpecker-agent', 'platform/woodpecker-server')!)).toBe('tcp/9000');
    expect(ports(report, 'platform/gitea', 'platform/woodpecker-server')).toBeUndefined();
    expect(ports(report, 'platform/zot', 'platform/gitea')).toBeUndefined();
  });

  it('stamps the component policies onto the simulated second tenant', () => {
    expect(report.policies).toEqual(expect.arrayContaining(['other-tenant/tenant-default-deny', 'other-tenant/tenant-allow']));
    const text = formatReachability(report, '10.42.0.0/16');
    expect(text).toContain('tenant -> other tenant:\n  (nothing reachable)');
    expect(text).toContain('Tenant isolation checks: ');
    expect(text).toContain('kube-system/traefik -> platform/gitea: tcp/3000');
  });

  it('fails the checks when a tenant policy opens a path', () => {
    const files = clone(baseRegionFiles());
    const allow = files['40-network-policies.yaml']!.find((d) => d.metadata.name === 'tenant-allow' && d.metadata.namespace === 'projects')!;
    allow.spec.egress.push({ to: [{ ipBlock: { cidr: '169.254.169.254/32' } }], ports: [{ port: 80 }] });
    allow.spec.ingress.push({ from: [{ namespaceSelector: {} }] });
    const opened = reportOf(files);
    expect(formatPortSet(ports(opened, 'projects/*', 'metadata 169.254.169.254')!)).toBe('tcp/80');
    expect(formatPortSet(ports(opened, 'platform/gitea', 'projects/*')!)).toBe('all ports');
    const failed = opened.checks.filter((c) => !c.ok).map((c) => `${c.description}: ${c.from} -> ${c.to}`);
    expect(failed).toEqual(['a tenant cannot reach the metadata service: projects/* -> metadata 169.254.169.254']);
    // The other-tenant copy comes from the component, which still isolates: other-tenant -> projects is
    // now open only on projects' ingress side, and other-tenant's egress still denies it.
    expect(ports(opened, 'other-tenant/*', 'projects/*')).toBeUndefined();
  });

  it('treats a pod selected by no policy as unrestricted', () => {
    const files = clone(baseRegionFiles());
    files['40-network-policies.yaml'] = files['40-network-policies.yaml']!.filter((d) => d.metadata.name !== 'platform-default-deny' && d.metadata.name !== 'gitea-ingress');
    find(files, 'Deployment', 'gitea'); // still there
    const open = reportOf(files);
    expect(formatPortSet(ports(open, 'platform/zot', 'platform/gitea')!)).toBe('tcp/2222, tcp/3000');
  });
});

describe('fromPolicyPortSet', () => {
  it("reads synth/policy's port sets", () => {
    const set = fromPolicyPortSet(PolicyPortSet.of('TCP', 3000).union(PolicyPortSet.of('UDP', 1, 65535)));
    expect(hasPort(set, 'TCP', 3000)).toBe(true);
    expect(hasPort(set, 'TCP', 3001)).toBe(false);
    expect(formatPortSet(set)).toBe('tcp/3000, all udp');
    expect(isEmpty(fromPolicyPortSet(PolicyPortSet.none))).toBe(true);
  });
});

describe('reachability of the shipped regions (synthesized into a temp dir)', { timeout: 180_000 }, () => {
  let out: string;
  let reports: ReachabilityReport[];
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'review-synth-'));
    const synth = runCli('synth', ['--out', out]);
    if (synth.status !== 0) throw new Error(`synth failed:\n${synth.stderr}\n${synth.stdout}`);
    reports = [...loadDistTree(out).values()].map((r) => reachabilityReport(r.region, r.objects));
  }, 180_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('ships at least two regions', () => {
    expect(reports.map((r) => r.region)).toEqual(expect.arrayContaining(['eu-central-1']));
    expect(reports.length).toBeGreaterThanOrEqual(2);
  });

  it('isolates tenants and keeps the platform flows open, in every region', () => {
    for (const report of reports) {
      const tenant = report.endpoints.find((e) => e.role === 'tenant' && e.id !== 'other-tenant/*')!.id;
      const where = `${report.region} ${tenant}`;
      expect(ports(report, tenant, 'other-tenant/*'), where).toBeUndefined();
      for (const platform of report.endpoints.filter((e) => e.role === 'platform')) {
        expect(ports(report, tenant, platform.id), `${where} -> ${platform.id}`).toBeUndefined();
      }
      expect(hasPort(ports(report, tenant, 'internet 1.1.1.1')!, 'TCP', 443), where).toBe(true);
      expect(ports(report, tenant, 'private 10.0.0.1 (10.0.0.0/8)'), where).toBeUndefined();
      expect(ports(report, tenant, 'metadata 169.254.169.254'), where).toBeUndefined();
      expect(hasPort(ports(report, 'kube-system/traefik', 'platform/gitea')!, 'TCP', 3000), where).toBe(true);
      const agent = report.endpoints.find((e) => e.id.startsWith('platform/woodpecker-agent'))!.id;
      const server = report.endpoints.find((e) => e.id.startsWith('platform/woodpecker-server'))!.id;
      expect(hasPort(ports(report, agent, server)!, 'TCP', 9000), where).toBe(true);
      expect(report.checks.filter((c) => !c.ok), report.region).toEqual([]);
    }
  });

  it('one namespace per project: tenant A (the component stamped onto a project namespace) cannot reach tenant B, either way', () => {
    for (const report of reports) {
      const checks = report.checks.filter((c) => c.from === 'tenant-a/*' || c.to === 'tenant-a/*');
      expect(checks.find((c) => c.description === 'a tenant cannot reach another tenant'), report.region).toMatchObject({ from: 'tenant-a/*', to: 'other-tenant/*', ok: true });
      expect(checks.find((c) => c.description === 'another tenant cannot reach this tenant'), report.region).toMatchObject({ from: 'other-tenant/*', to: 'tenant-a/*', ok: true });
      expect(formatPortSet(ports(report, 'tenant-a/*', 'tenant-a/*')!)).toBe('all ports');
      expect(report.policies).toEqual(expect.arrayContaining(['tenant-a/allow-same-namespace', 'other-tenant/allow-same-namespace']));
    }
  });

  it('fails the tenant A/B checks when the component lets a tenant in from any namespace', () => {
    const region = [...loadDistTree(out).values()].find((r) => r.region === 'eu-central-1')!;
    const widened = region.objects.map((o) =>
      o.object.kind === 'NetworkPolicy' && o.object.metadata?.name === 'allow-same-namespace' && o.ref.scope !== ''
        ? { ...o, object: { ...o.object, spec: { ...(o.object.spec as object), ingress: [{ from: [{ namespaceSelector: {} }] }], egress: [{ to: [{ namespaceSelector: {} }] }] } } }
        : o,
    );
    const report = reachabilityReport(region.region, widened);
    expect(report.checks.filter((c) => !c.ok).map((c) => `${c.description}: ${c.from} -> ${c.to}`)).toEqual(
      expect.arrayContaining(['a tenant cannot reach another tenant: tenant-a/* -> other-tenant/*', 'another tenant cannot reach this tenant: other-tenant/* -> tenant-a/*']),
    );
  });

  it("shows rdev-api reaching exactly its database, and nobody else reaching it", () => {
    const eu = reports.find((r) => r.region === 'eu-central-1')!;
    const db = 'databases/{app.kubernetes.io/instance=postgres,app.kubernetes.io/name=postgresql}';
    expect(eu.endpoints).toContainEqual({ id: db, role: 'platform' });
    expect(formatPortSet(ports(eu, 'platform/rdev-api', db)!)).toBe('tcp/5432');
    // any other pod of the database namespace: not rdev-api's (Gitea's own rule is namespace-wide)
    expect(ports(eu, 'platform/rdev-api', 'databases/*')).toBeUndefined();
    for (const from of ['platform/zot', 'platform/woodpecker-server', 'platform/woodpecker-agent', 'builds/*', 'tenant-a/*', 'other-tenant/*']) {
      expect(ports(eu, from, db), from).toBeUndefined();
    }
    // pods outside dist are destinations only
    expect(eu.flows.some((f) => f.from === db)).toBe(false);
    const tenantToDb = eu.checks.find((c) => c.from === 'tenant-a/*' && c.to === db);
    expect(tenantToDb).toMatchObject({ description: 'a tenant cannot reach platform pods', ok: true });

    const us = reports.find((r) => r.region === 'us-east-1')!;
    expect(us.endpoints).toContainEqual({ id: 'address 10.0.0.50', role: 'private' });
    expect(formatPortSet(ports(us, 'platform/rdev-api', 'address 10.0.0.50')!)).toBe('tcp/5432');
    expect(ports(us, 'platform/gitea', 'address 10.0.0.50')).toBeUndefined();
    expect(ports(us, 'builds/*', 'address 10.0.0.50')).toBeUndefined();
    expect(us.checks.find((c) => c.from === 'tenant-a/*' && c.to === 'address 10.0.0.50')).toMatchObject({ description: 'a tenant cannot reach private ranges', ok: true });
  });

  it('npm run reachability prints the report and exits 0', () => {
    const r = runCli('reachability', ['--dist', out, 'eu-central-1']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Reachability in eu-central-1');
    expect(r.stdout).toMatch(/Tenant isolation checks: \d+ passed, 0 failed/);
    const bad = runReachability(['--dist', out, 'mars-1']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("region 'mars-1' is not in");
  });
});
