/**
 * One namespace per project: a namespace shared by several customers' projects lets each reach the others (the
 * tenant policies admit every pod of the same namespace). Refused: a tenant namespace (platform/tenant=true) in the
 * region's own manifests, rdev-api configured to deploy into one fixed namespace (DEPLOY_NAMESPACE), and a tenant
 * component that does not make the namespace it is stamped onto a tenant namespace pinned to the run pool.
 */
import { asObject, asString, asStringMap, type RegionManifests } from '../manifest';
import type { ManifestIssue } from '../synth-error';
import { NODE_SELECTOR_ANNOTATION } from './schedule';

const TENANT_LABEL = 'platform/tenant';
const FIX = 'give every project its own namespace: rdev-api creates <prefix>-<user>-<project> and stamps components/tenant-isolation onto it (constructs/tenant-namespace.ts)';

export function checkTenancy(manifests: RegionManifests): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const region = manifests.region.name;
  for (const f of manifests.files) {
    for (const o of f.objects) {
      if (o.kind === 'Namespace' && asStringMap(o.metadata.labels)[TENANT_LABEL] === 'true') {
        issues.push({
          region,
          object: `Namespace ${o.metadata.name}`,
          file: f.file,
          path: `metadata.labels.${TENANT_LABEL}`,
          value: 'true',
          problem: 'is one tenant namespace for every project deployed there: its allow-same-namespace policy lets each customer reach the others',
          expected: 'tenant namespaces only from the tenant component, one per project',
          fix: FIX,
        });
      }
      const fixed = o.kind === 'ConfigMap' ? asString(asObject(o.data)?.DEPLOY_NAMESPACE) : undefined;
      if (fixed !== undefined) {
        issues.push({
          region,
          object: `ConfigMap ${o.metadata.namespace ?? ''}/${o.metadata.name}`,
          file: f.file,
          path: 'data.DEPLOY_NAMESPACE',
          value: fixed,
          problem: 'makes rdev-api deploy every project into one namespace, where customers reach each other',
          expected: 'DEPLOY_NAMESPACE_PREFIX (a namespace per project)',
          fix: FIX,
        });
      }
    }
  }
  for (const c of manifests.components) {
    if (!c.objects.some((o) => o.kind === 'NetworkPolicy')) continue;
    const ns = c.objects.find((o) => o.kind === 'Namespace');
    const labels = asStringMap(ns?.metadata.labels);
    const annotations = asStringMap(ns?.metadata.annotations);
    if (!ns || labels[TENANT_LABEL] !== 'true' || !annotations[NODE_SELECTOR_ANNOTATION]) {
      issues.push({
        region,
        object: ns ? `Namespace ${ns.metadata.name}` : `Component ${c.name}`,
        file: `components/${c.name}`,
        path: ns ? 'metadata' : '',
        value: ns ? { labels, annotations } : undefined,
        problem: 'does not make the namespace it is stamped onto a tenant namespace pinned to the run pool',
        expected: `a Namespace labelled ${TENANT_LABEL}=true with the ${NODE_SELECTOR_ANNOTATION} annotation`,
        fix: 'add the TenantNamespace construct to the tenant component (regions/compose.ts)',
      });
    }
  }
  return issues;
}
