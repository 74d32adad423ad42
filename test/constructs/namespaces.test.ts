import { describe, expect, it } from 'vitest';
import { Namespaces, NODE_SELECTOR_ANNOTATION, TENANT_LABEL } from '../../constructs/namespaces';
import { ConstructPropsError } from '../../constructs/construct-error';
import { find, synth } from './fixture';

const props = {
  platformNamespace: 'platform',
  projectsNamespace: 'projects',
  buildsNamespace: 'builds',
  tenantNodeSelector: { 'node.platform/pool': 'run' },
  buildsNodeSelector: { 'node.platform/pool': 'build' },
  version: 'v1.35.8+k3s1',
  kubernetesMinor: '1.35',
};

describe('Namespaces', () => {
  const objects = synth((chart) => new Namespaces(chart, 'namespaces', props));

  it('pins the tenant namespace to the run pool and labels it for isolation', () => {
    const projects = find(objects, 'Namespace', 'projects');
    expect(projects.metadata.annotations[NODE_SELECTOR_ANNOTATION]).toBe('node.platform/pool=run');
    expect(projects.metadata.labels[TENANT_LABEL]).toBe('true');
    expect(projects.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
  });

  it('runs the platform namespace under the restricted Pod Security Standard, unpinned', () => {
    const platform = find(objects, 'Namespace', 'platform');
    expect(platform.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(platform.metadata.annotations).toBeUndefined();
    expect(platform.metadata.labels['app.kubernetes.io/version']).toBe('v1.35.8_k3s1');
  });

  it('pins pipelines to the build pool and takes the API token away from default ServiceAccounts', () => {
    expect(find(objects, 'Namespace', 'builds').metadata.annotations[NODE_SELECTOR_ANNOTATION]).toBe('node.platform/pool=build');
    expect(find(objects, 'ServiceAccount', 'default', 'builds').automountServiceAccountToken).toBe(false);
    expect(find(objects, 'ServiceAccount', 'default', 'projects').automountServiceAccountToken).toBe(false);
  });

  it('leaves the builds namespace unpinned when the region has no build pool', () => {
    const { buildsNodeSelector: _, ...noBuild } = props;
    const out = synth((chart) => new Namespaces(chart, 'namespaces', noBuild));
    expect(find(out, 'Namespace', 'builds').metadata.annotations).toBeUndefined();
  });

  it('matches the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  it('fails when two namespaces share a name', () => {
    expect(() => synth((chart) => new Namespaces(chart, 'namespaces', { ...props, buildsNamespace: 'projects' }))).toThrow(ConstructPropsError);
    expect(() => synth((chart) => new Namespaces(chart, 'namespaces', { ...props, buildsNamespace: 'projects' }))).toThrow(
      /^Namespaces 'namespaces': namespaces \["platform","projects","projects"\] are not distinct/,
    );
  });

  it('fails when a namespace name is not a DNS label', () => {
    expect(() => synth((chart) => new Namespaces(chart, 'namespaces', { ...props, projectsNamespace: 'Projects_1' }))).toThrow(
      /^Namespaces 'namespaces': projectsNamespace 'Projects_1' is not a valid DNS label/,
    );
  });

  it('enforces the Pod Security Standards of the Kubernetes minor the cluster runs', () => {
    for (const ns of ['platform', 'projects', 'builds']) {
      expect(find(objects, 'Namespace', ns).metadata.labels['pod-security.kubernetes.io/enforce-version']).toBe('v1.35');
    }
    const on136 = synth((chart) => new Namespaces(chart, 'namespaces', { ...props, kubernetesMinor: '1.36' }));
    expect(find(on136, 'Namespace', 'platform').metadata.labels['pod-security.kubernetes.io/enforce-version']).toBe('v1.36');
    expect(() => synth((chart) => new Namespaces(chart, 'namespaces', { ...props, kubernetesMinor: 'v1.35.8' }))).toThrow(
      /^Namespaces 'namespaces': kubernetesMinor 'v1.35.8' is not a Kubernetes minor \(expected e.g. '1.35'\)/,
    );
  });

  it('fails when the tenant node selector is empty', () => {
    expect(() => synth((chart) => new Namespaces(chart, 'namespaces', { ...props, tenantNodeSelector: {} }))).toThrow(
      /^Namespaces 'namespaces': tenantNodeSelector \{\} is empty/,
    );
  });
});
