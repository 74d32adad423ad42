import { describe, expect, it } from 'vitest';
import { TlsIngress, type TlsIngressProps } from '../../constructs/tls-ingress';
import { find, synth } from './fixture';

const props: TlsIngressProps = {
  name: 'gitea',
  namespace: 'platform',
  labels: { 'app.kubernetes.io/name': 'gitea' },
  host: 'git.threesix.example',
  serviceName: 'gitea-http',
  servicePort: 3000,
  tlsSecretName: 'wildcard-tls',
};

describe('TlsIngress', () => {
  const objects = synth((chart) => new TlsIngress(chart, 'ingress', props));

  it('routes the host to the Service port through Traefik with TLS from the given Secret', () => {
    const ingress = find(objects, 'Ingress', 'gitea', 'platform');
    expect(ingress.spec.ingressClassName).toBe('traefik');
    expect(ingress.spec.tls).toEqual([{ hosts: ['git.threesix.example'], secretName: 'wildcard-tls' }]);
    expect(ingress.spec.rules).toEqual([
      { host: 'git.threesix.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'gitea-http', port: { number: 3000 } } } }] } },
    ]);
    // websecure only: on web the HTTP->HTTPS redirect answers (docs/platform.md)
    expect(ingress.metadata.annotations).toEqual({ 'traefik.ingress.kubernetes.io/router.entrypoints': 'websecure', 'traefik.ingress.kubernetes.io/router.tls': 'true' });
  });

  it('matches the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  it('fails when the host is a wildcard or a URL', () => {
    expect(() => synth((chart) => new TlsIngress(chart, 'ingress', { ...props, host: '*.threesix.example' }))).toThrow(
      /^TlsIngress 'gitea': host '\*.threesix.example' is not a fully qualified DNS name/,
    );
  });

  it('fails when the service port is out of range', () => {
    expect(() => synth((chart) => new TlsIngress(chart, 'ingress', { ...props, servicePort: 0 }))).toThrow(/^TlsIngress 'gitea': servicePort 0 is not a port number/);
  });
});
