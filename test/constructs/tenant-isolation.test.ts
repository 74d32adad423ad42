import { describe, expect, it } from 'vitest';
import { TENANT_POLICY_NAMES, TenantIsolation } from '../../constructs/tenant-isolation';
import { synth } from './fixture';
import { allowed, ip, pod } from './reachability';

const traefik = pod('kube-system', { 'app.kubernetes.io/name': 'traefik' });
const dns = pod('kube-system', { 'k8s-app': 'kube-dns' });
const app = pod('projects', { app: 'web' });
const db = pod('projects', { app: 'db' });

describe('TenantIsolation', () => {
  const objects = synth((chart) => new TenantIsolation(chart, 'projects', { namespace: 'projects', version: 'v1', extraDeniedCidrs: ['203.0.113.11/32'] }));

  it('emits the named policies in the namespace, default deny both ways first', () => {
    expect(objects.map((o) => o.metadata.name)).toEqual(Object.values(TENANT_POLICY_NAMES));
    expect(objects.every((o) => o.metadata.namespace === 'projects')).toBe(true);
    expect(objects[0].spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  it('lets traffic in from Traefik and the namespace itself only', () => {
    expect(allowed(objects, traefik, app, 8080)).toBe(true);
    expect(allowed(objects, db, app, 8080)).toBe(true);
    expect(allowed(objects, pod('other-tenant', { app: 'web' }), app, 8080)).toBe(false);
    expect(allowed(objects, pod('platform', { 'app.kubernetes.io/name': 'rdev-api' }), app, 8080)).toBe(false);
    expect(allowed(objects, pod('kube-system', { app: 'other' }), app, 8080)).toBe(false);
    expect(allowed(objects, ip('198.51.100.7'), app, 8080)).toBe(false);
  });

  it('lets traffic out to DNS (UDP and TCP 53), the namespace itself and the public internet only', () => {
    expect(allowed(objects, app, dns, 53, 'UDP')).toBe(true);
    expect(allowed(objects, app, dns, 53, 'TCP')).toBe(true);
    expect(allowed(objects, app, dns, 9153)).toBe(false);
    expect(allowed(objects, app, db, 5432)).toBe(true);
    expect(allowed(objects, app, ip('93.184.216.34'), 443)).toBe(true);
    expect(allowed(objects, app, ip('2606:4700:4700::1111'), 443)).toBe(true);
  });

  it('never reaches private, CGNAT, metadata, loopback, IPv6 private ranges, other namespaces or denied addresses', () => {
    for (const address of ['10.43.0.1', '10.0.0.11', '172.16.5.5', '192.168.1.1', '100.64.0.1', '169.254.169.254', '127.0.0.1', 'fd00::1', 'fe80::1', '::ffff:10.0.0.1', '203.0.113.11']) {
      expect(allowed(objects, app, ip(address), 443), address).toBe(false);
    }
    expect(allowed(objects, app, pod('platform', { 'app.kubernetes.io/name': 'gitea' }), 3000)).toBe(false);
    expect(allowed(objects, app, pod('other-tenant'), 80)).toBe(false);
  });

  it('omits the namespace when used as a Kustomize component', () => {
    const component = synth((chart) => new TenantIsolation(chart, 'tenant', { version: 'v1' }));
    expect(component.map((o) => o.metadata.namespace)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('matches the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  it('fails when an extra denied CIDR is not a CIDR', () => {
    expect(() => synth((chart) => new TenantIsolation(chart, 'projects', { namespace: 'projects', version: 'v1', extraDeniedCidrs: ['203.0.113.11'] }))).toThrow(
      /^TenantIsolation 'projects': extraDeniedCidrs '203.0.113.11' is not a CIDR/,
    );
  });
});
