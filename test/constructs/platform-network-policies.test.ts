import { describe, expect, it } from 'vitest';
import { PlatformNetworkPolicies, type PlatformNetworkPoliciesProps } from '../../constructs/platform-network-policies';
import { synth } from './fixture';
import { allowed, ip, pod } from './reachability';

const L = (instance: string, name = instance): Record<string, string> => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': instance });
const props: PlatformNetworkPoliciesProps = {
  namespace: 'platform',
  buildsNamespace: 'builds',
  version: 'v1',
  gitea: { podLabels: L('gitea'), port: 3000, sshPort: 2222 },
  giteaDatabase: { kind: 'pods', namespace: 'databases', podLabels: { app: 'postgres' }, port: 5432 },
  zot: { podLabels: L('zot'), port: 5000 },
  zotPullCidrs: ['10.0.0.0/16'],
  woodpeckerServer: { podLabels: L('woodpecker-server', 'woodpecker'), port: 8000, grpcPort: 9000 },
  woodpeckerAgent: { podLabels: L('woodpecker-agent', 'woodpecker') },
  rdevApi: { podLabels: L('rdev-api'), port: 8080 },
  rdevApiDatabase: { kind: 'pods', namespace: 'databases', podLabels: { app: 'postgres' }, port: 5432 },
  apiServiceIp: '10.43.0.1',
  apiServerIps: ['10.0.0.11', '10.0.0.12'],
  extraDeniedCidrs: ['203.0.113.11/32'],
};

const gitea = pod('platform', L('gitea'));
const zot = pod('platform', L('zot'));
const server = pod('platform', L('woodpecker-server', 'woodpecker'));
const agent = pod('platform', L('woodpecker-agent', 'woodpecker'));
const rdev = pod('platform', L('rdev-api'));
const traefik = pod('kube-system', { 'app.kubernetes.io/name': 'traefik' });
const dns = pod('kube-system', { 'k8s-app': 'kube-dns' });
const pipeline = pod('builds', { 'app.kubernetes.io/name': 'woodpecker-pipeline' });
const tenant = pod('projects', { app: 'web' });
const postgres = pod('databases', { app: 'postgres' });
const otherDatabasePod = pod('databases', { app: 'mysql' });
const internet = ip('93.184.216.34');

describe('PlatformNetworkPolicies', () => {
  const objects = synth((chart) => new PlatformNetworkPolicies(chart, 'platform', props));

  it('denies by default in the platform and builds namespaces', () => {
    for (const ns of ['platform', 'builds']) {
      const deny = objects.find((o) => o.metadata.namespace === ns && o.metadata.name === 'default-deny-all');
      expect(deny?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    }
  });

  // [from, to, port, expected, why]
  const matrix: [string, ReturnType<typeof pod>, ReturnType<typeof pod>, number, boolean][] = [
    ['Traefik -> Gitea HTTP', traefik, gitea, 3000, true],
    ['Traefik -> Zot', traefik, zot, 5000, true],
    ['Traefik -> Woodpecker HTTP', traefik, server, 8000, true],
    ['Traefik -> rdev-api', traefik, rdev, 8080, true],
    ['Traefik -> Woodpecker gRPC', traefik, server, 9000, false],
    ['internet -> Gitea SSH (LoadBalancer)', internet, gitea, 2222, true],
    ['internet -> Gitea HTTP directly', internet, gitea, 3000, false],
    ['internet -> Zot directly', internet, zot, 5000, false],
    ['Gitea -> Woodpecker webhooks', gitea, server, 8000, true],
    ['Gitea -> its PostgreSQL', gitea, postgres, 5432, true],
    ['Gitea -> another pod of the database namespace', gitea, otherDatabasePod, 5432, false],
    ['Gitea -> internet', gitea, internet, 443, false],
    ['agent -> server gRPC', agent, server, 9000, true],
    ['agent -> API service', agent, ip('10.43.0.1'), 443, true],
    ['agent -> API server', agent, ip('10.0.0.12'), 6443, true],
    ['agent -> internet', agent, internet, 443, false],
    ['server -> Gitea', server, gitea, 3000, true],
    ['server -> Gitea public URL', server, internet, 443, true],
    ['rdev-api -> Gitea', rdev, gitea, 3000, true],
    ['rdev-api -> Woodpecker', rdev, server, 8000, true],
    ['rdev-api -> Zot', rdev, zot, 5000, true],
    ['rdev-api -> API service', rdev, ip('10.43.0.1'), 443, true],
    ['rdev-api -> API server', rdev, ip('10.0.0.11'), 6443, true],
    ['rdev-api -> Cloudflare', rdev, internet, 443, true],
    ['rdev-api -> node public IP', rdev, ip('203.0.113.11'), 443, false],
    ['rdev-api -> metadata service', rdev, ip('169.254.169.254'), 80, false],
    // rdev-api's database: exactly its pods (namespace + the Service's selector) on the database port
    ['rdev-api -> its PostgreSQL', rdev, postgres, 5432, true],
    ['rdev-api -> its PostgreSQL, another port', rdev, postgres, 5433, false],
    ['rdev-api -> another pod of the database namespace', rdev, otherDatabasePod, 5432, false],
    ['rdev-api -> a PostgreSQL port in a tenant namespace', rdev, pod('projects', { app: 'postgres' }), 5432, false],
    ['rdev-api -> a private address on the database port', rdev, ip('10.0.1.50'), 5432, false],
    ['rdev-api -> the internet on the database port', rdev, internet, 5432, false],
    ['pipeline -> rdev-api\'s PostgreSQL', pipeline, postgres, 5432, false],
    ['Zot -> rdev-api\'s PostgreSQL', zot, postgres, 5432, false],
    ['Zot -> internet', zot, internet, 443, false],
    ['every platform pod -> DNS', zot, dns, 53, true],
    ['pipeline -> Zot push', pipeline, zot, 5000, true],
    ['node (containerd) -> Zot pull', ip('10.0.1.21'), zot, 5000, true],
    ['pipeline -> internet', pipeline, internet, 443, true],
    ['pipeline -> DNS', pipeline, dns, 53, true],
    ['pipeline -> Gitea internal', pipeline, gitea, 3000, false],
    ['pipeline -> Woodpecker gRPC', pipeline, server, 9000, false],
    ['pipeline -> rdev-api', pipeline, rdev, 8080, false],
    ['pipeline -> API service', pipeline, ip('10.43.0.1'), 443, false],
    ['pipeline -> API server', pipeline, ip('10.0.0.11'), 6443, false],
    ['pipeline -> metadata service', pipeline, ip('169.254.169.254'), 80, false],
    ['tenant -> rdev-api', tenant, rdev, 8080, false],
    ['tenant -> Woodpecker gRPC', tenant, server, 9000, false],
    ['Gitea -> rdev-api', gitea, rdev, 8080, false],
  ];
  it.each(matrix)('%s: %s', (_name, from, to, port, expected) => {
    expect(allowed(objects, from, to, port)).toBe(expected);
  });

  it("lets Gitea's users Job reach Gitea's HTTP port and Gitea's database, nothing else; nobody reaches the Job", () => {
    const usersJob = pod('platform', L('gitea-users'));
    const out = synth((chart) => new PlatformNetworkPolicies(chart, 'platform', { ...props, giteaUsersJob: { podLabels: L('gitea-users') } }));
    expect(allowed(out, usersJob, gitea, 3000)).toBe(true);
    expect(allowed(out, usersJob, postgres, 5432)).toBe(true);
    expect(allowed(out, usersJob, dns, 53)).toBe(true);
    for (const [to, port] of [[gitea, 2222], [server, 8000], [zot, 5000], [rdev, 8080], [internet, 443], [ip('10.43.0.1'), 443], [ip('169.254.169.254'), 80]] as const) {
      expect(allowed(out, usersJob, to, port), `${port}`).toBe(false);
    }
    for (const from of [traefik, gitea, rdev, pipeline, tenant]) expect(allowed(out, from, usersJob, 3000)).toBe(false);
    // without the Job, its pods (were there any) get no Gitea access: the ingress rule lists it only with the Job
    expect(allowed(objects, usersJob, gitea, 3000)).toBe(false);
    // sqlite: no database rule for the Job either
    const sqlite = synth((chart) => {
      const { giteaDatabase: _db, ...rest } = props;
      return new PlatformNetworkPolicies(chart, 'platform', { ...rest, giteaUsersJob: { podLabels: L('gitea-users') } });
    });
    expect(allowed(sqlite, usersJob, postgres, 5432)).toBe(false);
    expect(allowed(sqlite, usersJob, gitea, 3000)).toBe(true);
  });

  it('reaches the database by address when it is outside the cluster', () => {
    const out = synth((chart) => new PlatformNetworkPolicies(chart, 'platform', { ...props, giteaDatabase: { kind: 'addresses', addresses: ['10.0.1.50'], port: 5432 } }));
    expect(allowed(out, gitea, ip('10.0.1.50'), 5432)).toBe(true);
    expect(allowed(out, gitea, ip('10.0.1.51'), 5432)).toBe(false);
    expect(allowed(out, gitea, postgres, 5432)).toBe(false);
  });

  it("reaches rdev-api's database by address, each a /32 or /128, and nothing wider", () => {
    const out = synth((chart) =>
      new PlatformNetworkPolicies(chart, 'platform', { ...props, rdevApiDatabase: { kind: 'addresses', addresses: ['10.0.1.50', '2001:db8::50'], port: 5432 } }),
    );
    const rule = out.find((o) => o.metadata.name === 'rdev-api').spec.egress.at(-1);
    expect(rule).toEqual({ to: [{ ipBlock: { cidr: '10.0.1.50/32' } }, { ipBlock: { cidr: '2001:db8::50/128' } }], ports: [{ protocol: 'TCP', port: 5432 }] });
    expect(allowed(out, rdev, ip('10.0.1.50'), 5432)).toBe(true);
    expect(allowed(out, rdev, ip('2001:db8::50'), 5432)).toBe(true);
    expect(allowed(out, rdev, ip('10.0.1.51'), 5432)).toBe(false);
    expect(allowed(out, rdev, ip('10.0.1.50'), 22)).toBe(false);
    expect(allowed(out, rdev, postgres, 5432)).toBe(false);
    // the database port opens for rdev-api only (tenants: test/review/reachability.test.ts, with the tenant policies)
    expect(allowed(out, gitea, ip('10.0.1.50'), 5432)).toBe(false);
  });

  it("fails when rdev-api's database would be selected too widely", () => {
    expect(() => synth((chart) => new PlatformNetworkPolicies(chart, 'platform', { ...props, rdevApiDatabase: { kind: 'pods', namespace: 'databases', podLabels: {}, port: 5432 } }))).toThrow(
      /^PlatformNetworkPolicies 'platform': rdevApiDatabase.podLabels \{\} is empty, which selects every pod of the namespace/,
    );
    expect(() => synth((chart) => new PlatformNetworkPolicies(chart, 'platform', { ...props, rdevApiDatabase: { kind: 'addresses', addresses: ['10.0.1.0/24'], port: 5432 } }))).toThrow(
      /^PlatformNetworkPolicies 'platform': rdevApiDatabase.addresses '10.0.1.0\/24' is not an IP address/,
    );
    expect(() => synth((chart) => new PlatformNetworkPolicies(chart, 'platform', { ...props, rdevApiDatabase: { kind: 'addresses', addresses: [], port: 5432 } }))).toThrow(
      /^PlatformNetworkPolicies 'platform': rdevApiDatabase.addresses \[\] is empty/,
    );
  });

  it('matches the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  it('fails when no API server address is given', () => {
    expect(() => synth((chart) => new PlatformNetworkPolicies(chart, 'platform', { ...props, apiServerIps: [] }))).toThrow(
      /^PlatformNetworkPolicies 'platform': apiServerIps \[\] is empty/,
    );
  });

  it('fails when a port is out of range', () => {
    expect(() => synth((chart) => new PlatformNetworkPolicies(chart, 'platform', { ...props, zot: { ...props.zot, port: 70000 } }))).toThrow(
      /^PlatformNetworkPolicies 'platform': zot.port 70000 is not a port number/,
    );
  });
});
