import { describe, expect, it } from 'vitest';
import { CertManager } from '../../constructs/cert-manager';
import { cloudflareSecretRequirement } from '../../constructs/cloudflare-secret';
import { Http01Issuer } from '../../constructs/http01-issuer';
import { find, synth } from './fixture';

const props = {
  domain: 'threesix.example',
  acmeEmail: 'ops@threesix.example',
  certManagerVersion: 'v1.16.2',
  platformNamespace: 'platform',
  cloudflareSecretName: 'cloudflare',
};

describe('CertManager', () => {
  const objects = synth((chart) => new CertManager(chart, 'cert-manager', props));

  it('uses namespaced Issuers only (a ClusterIssuer cannot read the Cloudflare Secret from the platform namespace)', () => {
    expect(objects.filter((o) => o.kind === 'ClusterIssuer')).toEqual([]);
    expect(objects.map((o) => o.apiVersion)).toEqual(['cert-manager.io/v1', 'cert-manager.io/v1']);
  });

  it('solves DNS-01 through Cloudflare with the token Secret of its own namespace', () => {
    const issuer = find(objects, 'Issuer', 'letsencrypt-dns01', 'platform');
    expect(issuer.spec.acme.server).toBe('https://acme-v02.api.letsencrypt.org/directory');
    expect(issuer.spec.acme.solvers).toEqual([
      { selector: { dnsZones: ['threesix.example'] }, dns01: { cloudflare: { apiTokenSecretRef: { name: 'cloudflare', key: 'api-token' } } } },
    ]);
  });

  it('requests the wildcard certificate for the domain and *.domain from the DNS-01 Issuer', () => {
    const cert = find(objects, 'Certificate', 'wildcard', 'platform');
    expect(cert.spec.dnsNames).toEqual(['threesix.example', '*.threesix.example']);
    expect(cert.spec.secretName).toBe('wildcard-tls');
    expect(cert.spec.issuerRef).toEqual({ name: 'letsencrypt-dns01', kind: 'Issuer', group: 'cert-manager.io' });
  });

  it('has no HTTP-01 Issuer: that one is stamped onto each project namespace by the tenant component', () => {
    expect(objects.filter((o) => o.kind === 'Issuer').map((o) => o.metadata.name)).toEqual(['letsencrypt-dns01']);
  });

  it('lets HTTP-01 solver pods tolerate the run pool they are pinned to in tenant namespaces', () => {
    const placement = { nodeSelector: { 'node.platform/pool': 'run' }, tolerateTaints: [{ key: 'platform/run', value: 'gvisor', effect: 'NoSchedule' as const }] };
    const out = synth((chart) => new Http01Issuer(chart, 'http01', { name: 'letsencrypt-http01', acmeEmail: 'ops@threesix.example', certManagerVersion: 'v1.16.2', solverPlacement: placement }));
    expect(find(out, 'Issuer', 'letsencrypt-http01').spec.acme.solvers[0].http01.ingress.podTemplate).toEqual({
      spec: {
        nodeSelector: { 'node.platform/pool': 'run' },
        tolerations: [{ key: 'platform/run', operator: 'Equal', value: 'gvisor', effect: 'NoSchedule' }],
      },
    });
  });

  it('honours a staging ACME server', () => {
    const staging = 'https://acme-staging-v02.api.letsencrypt.org/directory';
    const out = synth((chart) => new CertManager(chart, 'cert-manager', { ...props, acmeServer: staging }));
    expect(out.filter((o) => o.kind === 'Issuer').map((o) => o.spec.acme.server)).toEqual([staging]);
  });

  it('matches the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  it('fails when the domain is not a DNS name', () => {
    expect(() => synth((chart) => new CertManager(chart, 'cert-manager', { ...props, domain: 'https://threesix.example' }))).toThrow(
      /^CertManager 'cert-manager': domain 'https:\/\/threesix.example' is not a fully qualified DNS name/,
    );
  });

  it('fails when the ACME e-mail is not an address', () => {
    expect(() => synth((chart) => new CertManager(chart, 'cert-manager', { ...props, acmeEmail: 'ops' }))).toThrow(
      /^CertManager 'cert-manager': acmeEmail 'ops' is not an e-mail address/,
    );
  });
});

describe('Http01Issuer', () => {
  it('omits the namespace for a Kustomize component', () => {
    const out = synth((chart) => new Http01Issuer(chart, 'http01', { name: 'letsencrypt-http01', acmeEmail: 'ops@threesix.example', certManagerVersion: 'v1.16.2' }));
    expect(out).toHaveLength(1);
    expect(out[0].metadata.namespace).toBeUndefined();
    expect(out[0].spec.acme.privateKeySecretRef).toEqual({ name: 'letsencrypt-http01-account-key' });
  });

  it('fails when the name is not a DNS label', () => {
    expect(() => synth((chart) => new Http01Issuer(chart, 'http01', { name: 'LetsEncrypt', acmeEmail: 'ops@threesix.example', certManagerVersion: 'v1.16.2' }))).toThrow(
      /^Http01Issuer 'LetsEncrypt': name 'LetsEncrypt' is not a valid DNS label/,
    );
  });
});

describe('cloudflareSecretRequirement', () => {
  const secret = cloudflareSecretRequirement('cloudflare', 'platform', 'threesix.example');
  const token = secret.keys.find((k) => k.key === 'api-token');

  // cert-manager v1.21 docs (dns01/cloudflare, "API Tokens"): Zone - DNS - Edit and Zone - Zone - Read. The solver
  // looks the zone up by name first (GET /zones?name=, cloudflare.go:125 at v1.21.1), which needs Zone:Zone:Read.
  it('names both token permissions cert-manager needs, not the "Edit zone DNS" template alone', () => {
    expect(token?.source).toBe('supply');
    expect(token?.help).toContain('Zone:DNS:Edit');
    expect(token?.help).toContain('Zone:Zone:Read');
    expect(token?.help).toContain('Create Custom Token');
    expect(token?.help).not.toMatch(/template "Edit zone DNS", zone/);
  });

  it('limits the token to the region\'s zone', () => {
    expect(token?.help).toContain('Include > Specific zone > threesix.example');
  });
});
