import { describe, expect, it } from 'vitest';
import { BUILDS_NAMESPACE, composeRegion, COMPONENT_FILES, TENANT_COMPONENT, type ComposedRegion } from '../../regions/compose';
import { ConstructPropsError } from '../../constructs/construct-error';
import { RegionValidationError } from '../../regions/region-error';
import type { Region } from '../../regions/types';
import { shippedRegion, withPlatform, type K8sObject } from '../constructs/fixture';
import { CLUSTER_SCOPED_KINDS } from '../../synth/validate/cluster-scoped';


function objectsOf(composed: ComposedRegion): K8sObject[] {
  return composed.components.flatMap((c) => c.chart.toJson());
}

/** Every Secret name a manifest references, as namespace/name/key. */
function secretRefs(objects: readonly K8sObject[]): string[] {
  const refs: string[] = [];
  const walk = (node: unknown, ns: string): void => {
    if (Array.isArray(node)) return node.forEach((n) => walk(n, ns));
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, K8sObject>;
    if (o.secretKeyRef) refs.push(`${ns}/${o.secretKeyRef.name}/${o.secretKeyRef.key}`);
    if (o.secret?.secretName) refs.push(`${ns}/${o.secret.secretName}/*`);
    if (o.secretRef?.name) refs.push(`${ns}/${o.secretRef.name}/*`);
    if (o.apiTokenSecretRef) refs.push(`${ns}/${o.apiTokenSecretRef.name}/${o.apiTokenSecretRef.key}`);
    for (const [k, v] of Object.entries(o)) if (k !== 'secretKeyRef' && k !== 'apiTokenSecretRef') walk(v, ns);
  };
  for (const o of objects) walk(o, o.metadata?.namespace ?? '');
  return refs;
}

describe.each(['eu-central-1', 'us-east-1'] as const)('composeRegion(%s)', (name) => {
  let region: Region;
  let composed: ComposedRegion;
  let objects: K8sObject[];

  it('composes the shipped region', async () => {
    region = await shippedRegion(name);
    composed = composeRegion(region);
    objects = objectsOf(composed);
    expect(composed.region).toBe(region);
    expect(objects.length).toBeGreaterThan(40);
  });

  it('lists the components in apply order with NN- file names', () => {
    const files = composed.components.map((c) => c.file);
    expect(files).toEqual(Object.values(COMPONENT_FILES));
    expect([...files].sort()).toEqual(files);
    for (const f of files) expect(f).toMatch(/^[0-9]{2}-[a-z0-9-]+\.yaml$/);
    // Namespaces before anything namespaced; policies before the workloads they protect.
    const first = composed.components[0]?.chart.toJson() ?? [];
    expect(first.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name).sort()).toEqual([BUILDS_NAMESPACE, region.platform.namespace].sort());
  });

  it('has no duplicate objects, explicit names, and a namespace on every namespaced object', () => {
    const keys = objects.map((o) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(keys.length).toBe(new Set(keys).size);
    for (const o of objects) {
      expect(o.metadata.name, `${o.kind}`).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
      if (!CLUSTER_SCOPED_KINDS.has(o.kind)) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBeTruthy();
    }
    const namespaces = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
    for (const o of objects) if (o.metadata.namespace) expect(namespaces.has(o.metadata.namespace), `${o.kind}/${o.metadata.name}`).toBe(true);
  });

  it('creates no Secret object and declares every Secret (and key) the manifests reference', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const declared = new Set(composed.secrets.flatMap((s) => [`${s.namespace}/${s.name}/*`, ...s.keys.map((k) => `${s.namespace}/${s.name}/${k.key}`)]));
    const external = new Set(composed.external.filter((e) => e.kind === 'Secret').map((e) => `${e.namespace}/${e.name}/`));
    const refs = secretRefs(objects);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      const isExternal = [...external].some((e) => ref.startsWith(e));
      expect(declared.has(ref) || isExternal, ref).toBe(true);
    }
    const names = composed.secrets.map((s) => `${s.namespace}/${s.name}`);
    expect(names.length).toBe(new Set(names).size);
    for (const s of composed.secrets) for (const k of s.keys) if (k.source === 'supply') expect(k.help, `${s.name}.${k.key}`).toBeTruthy();
  });

  it('lists what others create: the wildcard certificate Secret, Traefik, the storage class', () => {
    const ext = composed.external.map((e) => `${e.kind}/${e.namespace ?? ''}/${e.name}`);
    expect(ext).toContain(`Secret/${region.platform.namespace}/wildcard-tls`);
    expect(ext).toContain('IngressClass//traefik');
    expect(ext).toContain(`StorageClass//${region.platform.defaultStorageClass}`);
    for (const e of composed.external) expect(e.reason.length).toBeGreaterThan(10);
  });

  it('pins every workload image and gives every container probes, resources and a hardened securityContext', () => {
    const podSpecs = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet').map((o) => o.spec.template.spec);
    expect(podSpecs.length).toBe(5);
    for (const spec of podSpecs) {
      expect(spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
        expect(c.image).toMatch(/:[^:/]+$/);
        expect(c.image).not.toMatch(/:latest$/);
        expect(c.resources.requests && c.resources.limits, c.name).toBeTruthy();
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      }
      for (const c of spec.containers) expect(c.livenessProbe && c.readinessProbe, c.name).toBeTruthy();
    }
  });

  it('wires the apps to each other and to the region', () => {
    const rdevConfig = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'rdev-api-config');
    expect(rdevConfig.data.REGISTRY_URL).toBe(`zot.${region.platform.namespace}.svc.cluster.local:5000`);
    // rdev-api pushes as the user zot lets push, with the password from zot's declared users Secret.
    const zotConfig = JSON.parse(objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'zot-config').data['config.json']);
    expect(zotConfig.http.accessControl.repositories['**'].policies[0].users).toEqual([rdevConfig.data.REGISTRY_USERNAME]);
    const rdevEnv = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'rdev-api').spec.template.spec.containers[0].env;
    expect(rdevEnv).toContainEqual({ name: 'REGISTRY_PASSWORD', valueFrom: { secretKeyRef: { name: 'zot-users', key: 'ci-password' } } });
    const zotUsers = composed.secrets.find((s) => s.name === 'zot-users');
    expect(zotUsers?.namespace).toBe(region.platform.namespace);
    expect(zotUsers?.keys.map((k) => [k.key, k.source])).toEqual([['ci-password', 'generate'], ['admin-password', 'generate']]);
    // one namespace per project, stamped with the tenant component (which carries the HTTP-01 Issuer)
    expect(rdevConfig.data.DEPLOY_NAMESPACE).toBeUndefined();
    expect(rdevConfig.data.DEPLOY_NAMESPACE_PREFIX).toBe(`${region.platform.projectsNamespace}-`);
    expect(rdevConfig.data.DEPLOY_NAMESPACE_COMPONENT).toBe(TENANT_COMPONENT);
    expect(rdevConfig.data.DEPLOY_RUNTIME_CLASS).toBe('gvisor');
    const issuer = (composed.kustomizeComponents[0]?.chart.toJson() ?? []).find((o) => o.kind === 'Issuer');
    expect(rdevConfig.data.DEPLOY_TLS_ISSUER).toBe(issuer.metadata.name);
    const solver = issuer.spec.acme.solvers[0].http01.ingress.podTemplate.spec;
    expect(solver.tolerations.map((t: { key: string }) => t.key)).toEqual(region.pools.run?.[0]?.taints.map((t) => t.key));
    const rc = objects.find((o) => o.kind === 'RuntimeClass');
    expect(rc.scheduling.tolerations.map((t: { key: string }) => t.key)).toEqual(region.pools.run?.[0]?.taints.map((t) => t.key));
    const apiRules = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'rdev-api').spec.egress.flatMap((r: K8sObject) => r.to ?? []);
    expect(apiRules).toContainEqual({ ipBlock: { cidr: region.network.serviceCidr.replace(/\.0\/\d+$/, '.1/32') } });
    for (const host of region.pools.ctrl ?? []) expect(apiRules).toContainEqual({ ipBlock: { cidr: `${host.privateIp}/32` } });
    const ini: string = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'gitea-config').data['app.ini'];
    expect(ini).toContain(`DB_TYPE = ${region.platform.gitea.database.type}`);
  });

  it('references only objects that exist: selectors, backends, service names, roles, accounts, config maps', () => {
    const byKind = (kind: string, ns: string, name: string): K8sObject | undefined =>
      objects.find((o) => o.kind === kind && o.metadata.name === name && (o.metadata.namespace ?? '') === ns);
    const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
    for (const svc of objects.filter((o) => o.kind === 'Service')) {
      const matching = workloads.filter(
        (w) => w.metadata.namespace === svc.metadata.namespace && Object.entries(svc.spec.selector).every(([k, v]) => w.spec.template.metadata.labels[k] === v),
      );
      expect(matching.length, `Service ${svc.metadata.name}`).toBe(1);
      const ports = matching[0].spec.template.spec.containers.flatMap((c: K8sObject) => c.ports.map((p: K8sObject) => p.name));
      for (const port of svc.spec.ports) expect(ports, `Service ${svc.metadata.name} targetPort`).toContain(port.targetPort);
    }
    for (const w of workloads) {
      expect(Object.entries(w.spec.selector.matchLabels).every(([k, v]) => w.spec.template.metadata.labels[k] === v)).toBe(true);
      if (w.kind === 'StatefulSet') expect(byKind('Service', w.metadata.namespace, w.spec.serviceName), w.metadata.name).toBeDefined();
      const spec = w.spec.template.spec;
      if (spec.serviceAccountName) expect(byKind('ServiceAccount', w.metadata.namespace, spec.serviceAccountName)).toBeDefined();
      for (const v of spec.volumes ?? []) if (v.configMap) expect(byKind('ConfigMap', w.metadata.namespace, v.configMap.name), v.name).toBeDefined();
      for (const c of spec.containers) for (const e of c.envFrom ?? []) if (e.configMapRef) expect(byKind('ConfigMap', w.metadata.namespace, e.configMapRef.name)).toBeDefined();
    }
    for (const ing of objects.filter((o) => o.kind === 'Ingress')) {
      const backend = ing.spec.rules[0].http.paths[0].backend.service;
      const svc = byKind('Service', ing.metadata.namespace, backend.name);
      expect(svc?.spec.ports.map((p: K8sObject) => p.port), ing.metadata.name).toContain(backend.port.number);
      expect(ing.spec.tls[0].secretName).toBe('wildcard-tls');
    }
    for (const rb of objects.filter((o) => o.kind === 'RoleBinding')) {
      expect(byKind('Role', rb.metadata.namespace, rb.roleRef.name), rb.metadata.name).toBeDefined();
      for (const s of rb.subjects) expect(byKind('ServiceAccount', s.namespace, s.name), rb.metadata.name).toBeDefined();
    }
    const cert = objects.find((o) => o.kind === 'Certificate');
    expect(byKind('Issuer', cert.metadata.namespace, cert.spec.issuerRef.name)).toBeDefined();
  });

  it('emits the tenant-isolation Kustomize component without namespaces', () => {
    expect(composed.kustomizeComponents.map((c) => c.name)).toEqual([TENANT_COMPONENT]);
    const component = composed.kustomizeComponents[0]?.chart.toJson() ?? [];
    expect(component.map((o) => o.kind).sort()).toEqual(['Issuer', 'Namespace', 'NetworkPolicy', 'NetworkPolicy', 'NetworkPolicy', 'NetworkPolicy', 'NetworkPolicy', 'RoleBinding', 'ServiceAccount']);
    expect(component.every((o) => o.metadata.namespace === undefined)).toBe(true);
  });

  it('is deterministic', () => {
    const again = objectsOf(composeRegion(region));
    expect(JSON.stringify(again)).toBe(JSON.stringify(objects));
  });
});

describe('composeRegion variants', () => {
  it('fails when the region has no run pool', async () => {
    const region = await shippedRegion('us-east-1');
    const { run: _, ...pools } = region.pools;
    expect(() => composeRegion({ ...region, pools })).toThrow(RegionValidationError);
    expect(() => composeRegion({ ...region, pools })).toThrow(/\nregion 'us-east-1': pools.run has no hosts \(expected at least one run-pool host with a taint\)/);
  });

  it('names the region when a construct rejects a mapped value', async () => {
    const region = await shippedRegion('eu-central-1');
    const variant = { ...region, versions: { ...region.versions, zot: 'latest' } };
    expect(() => composeRegion(variant)).toThrow(ConstructPropsError);
    expect(() => composeRegion(variant)).toThrow(/^region 'eu-central-1': Zot 'zot': version 'latest' is not a pinned version/);
  });

  it('refuses a run pool without taints (non-gVisor pods could land on it)', async () => {
    const region = await shippedRegion('eu-central-1');
    const run = (region.pools.run ?? []).map((h) => ({ ...h, taints: [] }));
    expect(() => composeRegion({ ...region, pools: { ...region.pools, run } })).toThrow(/^region 'eu-central-1': GvisorRuntimeClass 'gvisor': runPoolTaints \[\] is empty/);
  });

  it('reaches an external PostgreSQL by address', async () => {
    const region = await shippedRegion('eu-central-1');
    const variant = withPlatform(region, { gitea: { ...region.platform.gitea, database: { type: 'postgres', host: '10.0.1.50:5432', name: 'gitea', user: 'gitea' } } });
    const gitea = objectsOf(composeRegion(variant)).find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'gitea');
    expect(gitea.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.0.1.50/32' } }], ports: [{ protocol: 'TCP', port: 5432 }] });
  });
});
