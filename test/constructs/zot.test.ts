import { describe, expect, it } from 'vitest';
import { CONFIG_CHECKSUM_ANNOTATION, sha256 } from '../../constructs/checksum';
import { Zot, type ZotProps } from '../../constructs/zot';
import { find, synth } from './fixture';

const props: ZotProps = {
  namespace: 'platform',
  version: 'v2.1.2',
  host: 'registry.threesix.example',
  storageClassName: 'local-path',
  tlsSecretName: 'wildcard-tls',
};

describe('Zot', () => {
  const objects = synth((chart) => new Zot(chart, 'zot', props));
  const sts = find(objects, 'StatefulSet', 'zot', 'platform');
  const container = sts.spec.template.spec.containers[0];
  const configText: string = find(objects, 'ConfigMap', 'zot-config').data['config.json'];

  it('runs the pinned image with the config from the ConfigMap', () => {
    expect(container.image).toBe('ghcr.io/project-zot/zot-linux-amd64:v2.1.2');
    expect(container.args).toEqual(['serve', '/etc/zot/config.json']);
    expect(container.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/zot', readOnly: true });
  });

  it('renders storage, gc, dedupe, http, log and the search+ui extensions', () => {
    const config = JSON.parse(configText);
    expect(config.storage).toEqual({ rootDirectory: '/var/lib/registry', gc: true, gcDelay: '1h', dedupe: true });
    expect(config.http).toEqual({ address: '0.0.0.0', port: '5000' });
    expect(config.log).toEqual({ level: 'info' });
    expect(config.extensions).toEqual({ search: { enable: true }, ui: { enable: true } });
  });

  it('rolls the pod when the config changes, without hash-suffixed names', () => {
    expect(sts.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION]).toBe(sha256(configText));
    const other = synth((chart) => new Zot(chart, 'zot', { ...props, gcDelay: '2h', dedupe: false }));
    const otherSts = find(other, 'StatefulSet', 'zot');
    expect(otherSts.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION]).not.toBe(sts.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION]);
    expect(find(other, 'ConfigMap', 'zot-config').metadata.name).toBe('zot-config');
    expect(JSON.parse(find(other, 'ConfigMap', 'zot-config').data['config.json']).storage).toMatchObject({ gcDelay: '2h', dedupe: false });
  });

  it('stores blobs on a claim and serves a Service and an Ingress on port 5000', () => {
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('50Gi');
    expect(find(objects, 'Service', 'zot').spec.ports).toEqual([{ name: 'http', port: 5000, targetPort: 'http', protocol: 'TCP' }]);
    expect(find(objects, 'Ingress', 'zot').spec.rules[0].host).toBe('registry.threesix.example');
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container.readinessProbe.httpGet.path).toBe('/v2/');
  });

  it('matches the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  it('fails when gcDelay is not a duration', () => {
    expect(() => synth((chart) => new Zot(chart, 'zot', { ...props, gcDelay: 'one hour' }))).toThrow(/^Zot 'zot': gcDelay 'one hour' is not a Go duration/);
  });

  it('fails when the storage size is not a quantity', () => {
    expect(() => synth((chart) => new Zot(chart, 'zot', { ...props, storageSize: '50 GB' }))).toThrow(/^Zot 'zot': storageSize '50 GB' is not a Kubernetes quantity/);
  });
});
