import { describe, expect, it } from 'vitest';
import { Namespaces, NODE_SELECTOR_ANNOTATION, TENANT_LABEL } from '../../constructs/namespaces';
import { ConstructPropsError } from '../../constructs/construct-error';
import { TENANT_NAMESPACE_PLACEHOLDER, TenantNamespace } from '../../constructs/tenant-namespace';
import { find, synth } from './fixture';

const props = {
  platformNamespace: 'platform',
  buildsNamespace: 'builds',
  buildsNodeSelector: { 'node.platform/pool': 'build' },
  version: 'v1.35.8+k3s1',
  kubernetesMinor: '1.35',
};

describe('Namespaces', () => {
  const objects = synth((chart) => new Namespaces(chart, 'namespaces', props));

  it('has no shared tenant namespace: each project gets its own from the tenant component', () => {
    expect(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).toEqual(['platform', 'builds']);
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
    expect(() => synth((chart) => new Namespaces(chart, 'namespaces', { ...props, buildsNamespace: 'platform' }))).toThrow(ConstructPropsError);
    expect(() => synth((chart) => new Namespaces(chart, 'namespaces', { ...props, buildsNamespace: 'platform' }))).toThrow(
      /^Namespaces 'namespaces': namespaces \["platform","platform"\] are not distinct/,
    );
  });

  it('fails when a namespace name is not a DNS label', () => {
    expect(() => synth((chart) => new Namespaces(chart, 'namespaces', { ...props, buildsNamespace: 'Builds_1' }))).toThrow(
      /^Namespaces 'namespaces': buildsNamespace 'Builds_1' is not a valid DNS label/,
    );
  });

  it('enforces the Pod Security Standards of the Kubernetes minor the cluster runs', () => {
    for (const ns of ['platform', 'builds']) {
      expect(find(objects, 'Namespace', ns).metadata.labels['pod-security.kubernetes.io/enforce-version']).toBe('v1.35');
    }
    const on136 = synth((chart) => new Namespaces(chart, 'namespaces', { ...props, kubernetesMinor: '1.36' }));
    expect(find(on136, 'Namespace', 'platform').metadata.labels['pod-security.kubernetes.io/enforce-version']).toBe('v1.36');
    expect(() => synth((chart) => new Namespaces(chart, 'namespaces', { ...props, kubernetesMinor: 'v1.35.8' }))).toThrow(
      /^Namespaces 'namespaces': kubernetesMinor 'v1.35.8' is not a Kubernetes minor \(expected e.g. '1.35'\)/,
    );
  });

});

describe('TenantNamespace', () => {
  const out = synth((chart) => new TenantNamespace(chart, 'namespace', {
    nodeSelector: { 'node.platform/pool': 'run' },
    orchestratorClusterRole: 'rdev-api-project',
    orchestratorServiceAccount: { name: 'rdev-api', namespace: 'platform' },
    version: 'v1.35.8+k3s1',
    kubernetesMinor: '1.35',
  }));

  it('is a tenant namespace pinned to the run pool, baseline, with a token-less default ServiceAccount and rdev-api bound to its project role', () => {
    const ns = find(out, 'Namespace', TENANT_NAMESPACE_PLACEHOLDER);
    expect(ns.metadata.annotations[NODE_SELECTOR_ANNOTATION]).toBe('node.platform/pool=run');
    expect(ns.metadata.labels[TENANT_LABEL]).toBe('true');
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
    expect(find(out, 'ServiceAccount', 'default').automountServiceAccountToken).toBe(false);
    const binding = find(out, 'RoleBinding', 'rdev-api');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'rdev-api-project' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'rdev-api', namespace: 'platform' }]);
    expect(out.every((o) => o.metadata.namespace === undefined)).toBe(true);
  });

  it('fails when the tenant node selector is empty', () => {
    expect(() => synth((chart) => new TenantNamespace(chart, 'namespace', { nodeSelector: {}, orchestratorClusterRole: 'r', orchestratorServiceAccount: { name: 'a', namespace: 'platform' }, version: 'v1', kubernetesMinor: '1.35' }))).toThrow(
      /^TenantNamespace 'namespace': nodeSelector \{\} is empty/,
    );
  });
});
