/**
 * The validation gate: everything a region's manifests must satisfy before a byte is written.
 *   1. layout (file names in apply order) and shape (apiVersion, kind, metadata.name present);
 *   2. strict schema (the Kubernetes minor of the region's k3s pin, cert-manager v1.21.1), unknown kinds rejected;
 *   3. namespaces set and existing (scope-aware), no duplicate objects;
 *   4. cross references: Service selectors, Ingress backends and TLS secrets, referenced
 *      Secrets/ConfigMaps/ServiceAccounts/PVCs/Roles/Issuers, storage classes;
 *   5. tenant isolation (NetworkPolicy analysis).
 * Components (kind: Component, applied to other namespaces) get the schema, duplicate and isolation
 * checks; their references resolve in the namespaces they are stamped onto, so they are not checked.
 */
import { asObject, isObject, type RegionManifests } from '../manifest';
import { SynthValidationError, type ManifestIssue } from '../synth-error';
import { CheckContext, type LocatedObject } from './check-context';
import { checkDuplicates } from './check-duplicates';
import { checkIngresses } from './check-ingress';
import { checkLayout } from './check-layout';
import { checkMetadata, isClusterScoped } from './check-metadata';
import { checkReferences } from './check-references';
import { checkSchema } from './check-schema';
import { checkServices } from './check-services';
import { checkStorage } from './check-storage';
import { checkTenantIsolation } from './check-tenant-isolation';
import { KUBERNETES_SCHEMAS, schemaRegistryFor } from './schema-registry';
import { kubernetesMinor } from '../../regions/versions';

function hasShape(ctx: CheckContext, at: LocatedObject): boolean {
  const o = at.object as unknown as Record<string, unknown>;
  const name = asObject(o.metadata)?.name;
  if (typeof o.apiVersion === 'string' && typeof o.kind === 'string' && isObject(o.metadata) && typeof name === 'string' && name !== '') {
    return true;
  }
  ctx.issues.push({
    region: ctx.region.name,
    object: `${String(o.kind)} ${String(name)}`,
    file: at.file,
    path: '',
    value: { apiVersion: o.apiVersion, kind: o.kind, name },
    problem: 'is not a Kubernetes object',
    expected: 'apiVersion, kind and metadata.name as strings',
    fix: 'emit the object through a cdk8s ApiObject',
  });
  return false;
}

/** Every issue of the region's manifests (empty when they pass). */
export function validateManifests(manifests: RegionManifests): ManifestIssue[] {
  const located = manifests.files.flatMap((f) => f.objects.map((object): LocatedObject => ({ object, file: f.file })));
  const components = manifests.components.map((c) => ({
    name: c.name,
    objects: c.objects.map((object): LocatedObject => ({ object, file: `components/${c.name}` })),
  }));
  const main = new CheckContext(manifests.region, [], manifests.secrets, manifests.external);
  const valid = located.filter((at) => hasShape(main, at));
  const ctx = new CheckContext(manifests.region, valid, manifests.secrets, manifests.external);
  ctx.issues.push(...main.issues);
  checkLayout(ctx, manifests);

  const minor = kubernetesMinor(manifests.region.versions.k3s);
  if (minor === undefined || KUBERNETES_SCHEMAS[minor] === undefined) {
    ctx.issues.push({
      region: manifests.region.name,
      object: '',
      file: '',
      path: 'versions.k3s',
      value: manifests.region.versions.k3s,
      problem: `runs Kubernetes ${minor ?? '(unknown)'}, whose schemas are not vendored, so its manifests cannot be validated`,
      expected: `a k3s release of Kubernetes ${Object.keys(KUBERNETES_SCHEMAS).join(' or ')}`,
      fix: `pin a k3s release of a vendored minor, or vendor kubernetes-v${minor ?? '1.x'}.0-definitions.json into schemas/ (see schemas/README.md) and list it in KUBERNETES_SCHEMAS`,
    });
    return ctx.issues;
  }
  const registry = schemaRegistryFor(minor);
  for (const at of valid) {
    if (!checkSchema(ctx, at, registry)) continue;
    const scope = registry.get(at.object.apiVersion, at.object.kind)?.scope;
    checkMetadata(ctx, at, isClusterScoped(at.object.kind, scope));
  }
  checkDuplicates(ctx, valid, manifests.secrets);
  checkServices(ctx);
  checkIngresses(ctx);
  checkReferences(ctx);
  checkStorage(ctx);

  const validComponents = components.map((c) => ({ name: c.name, objects: c.objects.filter((at) => hasShape(ctx, at)) }));
  for (const c of validComponents) {
    for (const at of c.objects) checkSchema(ctx, at, registry);
    checkDuplicates(ctx, c.objects, []);
  }
  checkTenantIsolation(ctx, validComponents);
  return ctx.issues;
}

/** Throws SynthValidationError listing every issue, when there is any. */
export function assertValidManifests(manifests: RegionManifests): void {
  const issues = validateManifests(manifests);
  if (issues.length > 0) throw new SynthValidationError(manifests.region.name, issues);
}
