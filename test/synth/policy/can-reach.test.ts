import { describe, expect, it } from 'vitest';
import { canReach, defaultDenyPolicies, type NamespaceInfo, type NetworkPolicyObject, type PodEndpoint } from '../../../synth/policy';
import { tenantPolicies } from '../fixtures';

const namespaces: NamespaceInfo[] = [{ name: 'projects', labels: { 'platform/tenant': 'true' } }, { name: 'platform' }, { name: 'kube-system' }];
const tenant: PodEndpoint = { kind: 'pod', namespace: 'projects', labels: { app: 'x' }, ips: '10.42.0.0/16' };
const other: PodEndpoint = { kind: 'pod', namespace: 'projects', labels: { app: 'y' }, ips: '10.42.0.0/16' };
const dns: PodEndpoint = { kind: 'pod', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ips: '10.42.0.0/16' };
const traefik: PodEndpoint = { kind: 'pod', namespace: 'kube-system', labels: { 'app.kubernetes.io/name': 'traefik' }, ips: '10.42.0.0/16' };
const platform: PodEndpoint = { kind: 'pod', namespace: 'platform', labels: { app: 'gitea' }, ips: '10.42.0.0/16', namedPorts: { http: 3000 } };
const policies = tenantPolicies('projects') as unknown as NetworkPolicyObject[];

describe('canReach', () => {
  it('allows everything when no policy selects the pods', () => {
    const r = canReach([], namespaces, platform, tenant, 80, 'TCP');
    expect(r.allowed).toBe(true);
    expect(r.egress.isolated).toBe(false);
    expect(r.explanation).toMatch(/not isolated/);
  });

  it('tenant egress: DNS on UDP and TCP 53 only, public internet yes, private ranges and metadata no', () => {
    expect(canReach(policies, namespaces, tenant, dns, 53, 'UDP').allowed).toBe(true);
    expect(canReach(policies, namespaces, tenant, dns, 53, 'TCP').allowed).toBe(true);
    expect(canReach(policies, namespaces, tenant, dns, 54, 'UDP').allowed).toBe(false);
    expect(canReach(policies, namespaces, tenant, { kind: 'ip', cidr: '1.1.1.1' }, 443, 'TCP').allowed).toBe(true);
    expect(canReach(policies, namespaces, tenant, { kind: 'ip', cidr: '2606:4700::1111' }).allowed).toBe(true);
    for (const cidr of ['10.0.0.0/8', '10.43.0.1', '172.16.0.0/12', '192.168.1.1', '100.64.0.0/10', '169.254.169.254', 'fc00::/7', 'fe80::1']) {
      expect(canReach(policies, namespaces, tenant, { kind: 'ip', cidr }).allowed, cidr).toBe(false);
    }
  });

  it('is existential over a CIDR: one open address is enough', () => {
    // 0.0.0.0/0 minus private ranges still contains 11.0.0.0/8
    expect(canReach(policies, namespaces, tenant, { kind: 'ip', cidr: '8.0.0.0/5' }).allowed).toBe(true);
  });

  it('tenant ingress: same namespace and Traefik yes, platform no', () => {
    // ingress from the same namespace is allowed, but the sender's egress (DNS + internet only) is not
    const same = canReach(policies, namespaces, other, tenant, 8080, 'TCP');
    expect(same.ingress.allowedBy).toEqual(['projects/allow-ingress']);
    expect(same.egress.allowedBy).toEqual([]);
    expect(same.allowed).toBe(false);
    expect(canReach(policies, namespaces, traefik, tenant, 8080, 'TCP').allowed).toBe(true);
    const r = canReach(policies, namespaces, platform, tenant, 8080, 'TCP');
    expect(r.allowed).toBe(false);
    expect(r.ingress.isolatedBy).toContain('projects/default-deny');
    expect(r.ingress.allowedBy).toEqual([]);
  });

  it('tenants cannot reach the platform (ipBlock excepts exclude the pod CIDR)', () => {
    const r = canReach(policies, namespaces, tenant, platform);
    expect(r.allowed).toBe(false);
    expect(r.egress.allowedBy).toEqual([]);
  });

  it('an ipBlock without excepts reaches pods when their addresses fall inside it', () => {
    const open: NetworkPolicyObject = {
      kind: 'NetworkPolicy',
      metadata: { name: 'open', namespace: 'projects' },
      spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] },
    };
    expect(canReach([...policies, open], namespaces, tenant, platform, 3000, 'TCP').allowed).toBe(true);
    expect(canReach([...policies, open], namespaces, tenant, { ...platform, ips: undefined } as PodEndpoint, 3000, 'TCP').allowed).toBe(false);
  });

  it('resolves named ports against the destination pod and honours endPort and protocols', () => {
    const p: NetworkPolicyObject[] = [
      {
        kind: 'NetworkPolicy',
        metadata: { name: 'gitea', namespace: 'platform' },
        spec: {
          podSelector: { matchLabels: { app: 'gitea' } },
          ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'platform/tenant', operator: 'DoesNotExist' }] } }], ports: [{ port: 'http' }, { port: 2222, endPort: 2230, protocol: 'UDP' }] }],
        },
      },
    ];
    expect(canReach(p, namespaces, traefik, platform, 3000, 'TCP').allowed).toBe(true);
    expect(canReach(p, namespaces, traefik, platform, 3000, 'UDP').allowed).toBe(false);
    expect(canReach(p, namespaces, traefik, platform, 2225, 'UDP').allowed).toBe(true);
    expect(canReach(p, namespaces, traefik, platform, 2231, 'UDP').allowed).toBe(false);
    expect(canReach(p, namespaces, tenant, platform, 3000, 'TCP').allowed).toBe(false);
    expect(canReach(p, namespaces, traefik, platform).ports.toString()).toBe('TCP 3000, UDP 2222-2230');
  });

  it('finds default-deny policies per direction', () => {
    expect(defaultDenyPolicies(policies, 'projects', 'ingress')).toEqual(['projects/default-deny', 'projects/allow-ingress']);
    expect(defaultDenyPolicies(policies, 'platform', 'egress')).toEqual([]);
  });
});

describe('PortSet', () => {
  it('exposes its ranges and membership', async () => {
    const { PortSet } = await import('../../../synth/policy');
    const set = PortSet.of('UDP', 53).union(PortSet.of('TCP', 8000, 8080)).union(PortSet.of('TCP', 8081));
    expect(set.toRanges()).toEqual([
      { protocol: 'TCP', from: 8000, to: 8081 },
      { protocol: 'UDP', from: 53, to: 53 },
    ]);
    expect(set.has(8081, 'TCP')).toBe(true);
    expect(set.has(53, 'TCP')).toBe(false);
    expect(set.toString()).toBe('TCP 8000-8081, UDP 53');
    expect(PortSet.none.isEmpty()).toBe(true);
  });
});
