import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SchemaRegistry } from '../../../synth/validate/schema-registry';

const cacheRoot = await mkdtemp(join(tmpdir(), 'synth-validators-'));
afterAll(async () => {
  await rm(cacheRoot, { recursive: true, force: true });
});

const bad = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'x', namespace: 'y', bogus: true },
  spec: {
    selector: { matchLabels: { a: 'b' } },
    template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: '80' }] }] } },
  },
};

function errorsOf(registry: SchemaRegistry): string[] {
  const schema = registry.get('apps/v1', 'Deployment');
  expect(schema?.validate(bad)).toBe(false);
  return (schema?.validate.errors ?? []).map((e) => `${e.instancePath} ${e.keyword} ${JSON.stringify(e.params)}`);
}

describe('SchemaRegistry', () => {
  it('knows Kubernetes 1.28 and cert-manager kinds and nothing else', () => {
    const registry = new SchemaRegistry({ cacheDir: null });
    expect(registry.get('apps/v1', 'Deployment')?.source).toBe('io.k8s.api.apps.v1.Deployment');
    expect(registry.get('cert-manager.io/v1', 'ClusterIssuer')?.scope).toBe('Cluster');
    expect(registry.get('extensions/v1beta1', 'Ingress')).toBeUndefined();
    expect(registry.get('v1', 'Gitea')).toBeUndefined();
  });

  it('caches compiled validators on disk and the cached code reports the same errors', () => {
    const compiled = new SchemaRegistry({ cacheDir: cacheRoot });
    const fresh = errorsOf(compiled);
    expect(fresh).toEqual([
      '/metadata additionalProperties {"additionalProperty":"bogus"}',
      '/spec/template/spec/containers/0/ports/0/containerPort type {"type":"integer"}',
    ]);
    const [fingerprint] = readdirSync(cacheRoot);
    expect(existsSync(join(cacheRoot, fingerprint ?? '', 'apps_v1_Deployment.cjs'))).toBe(true);
    expect(existsSync(join(cacheRoot, fingerprint ?? '', 'index.json'))).toBe(true);
    const cached = new SchemaRegistry({ cacheDir: cacheRoot });
    expect(errorsOf(cached)).toEqual(fresh);
    expect(errorsOf(new SchemaRegistry({ cacheDir: null }))).toEqual(fresh);
  });

  it('finds the schema node and definition at a data path, for messages', () => {
    const registry = new SchemaRegistry({ cacheDir: null });
    const at = registry.schemaAt('apps/v1', 'Deployment', ['spec', 'template', 'spec', 'containers', 0]);
    expect(at?.definition).toBe('io.k8s.api.core.v1.Container');
    expect(Object.keys((at?.node.properties as object) ?? {})).toContain('imagePullPolicy');
    expect(registry.schemaAt('cert-manager.io/v1', 'Certificate', ['metadata'])?.definition).toBe('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
  });
});
