/**
 * Namespaces: a namespaced object names its namespace (kustomize would otherwise leave it to whatever
 * namespace kubectl defaults to), the namespace exists (in the output, built into k3s, or declared
 * external), and a cluster-scoped object has none.
 */
import type { CheckContext, LocatedObject } from './check-context';
import { BUILT_IN_NAMESPACES, CLUSTER_SCOPED_KINDS } from './cluster-scoped';

const EXTERNAL_FIX = "list it in composeRegion's `external` with the reason it exists";

export function checkMetadata(ctx: CheckContext, at: LocatedObject, clusterScoped: boolean): void {
  const ns = at.object.metadata.namespace;
  if (clusterScoped) {
    if (ns !== undefined) {
      ctx.report(at, {
        path: 'metadata.namespace',
        value: ns,
        problem: `is set on cluster-scoped ${at.object.kind}`,
        expected: 'no namespace',
        fix: 'remove metadata.namespace from this object',
      });
    }
    return;
  }
  if (ns === undefined || ns === '') {
    ctx.report(at, {
      path: 'metadata.namespace',
      value: ns,
      problem: 'is missing',
      expected: `the namespace of this ${at.object.kind}, e.g. '${ctx.region.platform.namespace}'`,
      fix: 'pass the namespace to the construct (or set it on the chart)',
    });
    return;
  }
  if (!BUILT_IN_NAMESPACES.has(ns) && !ctx.exists('Namespace', undefined, ns)) {
    ctx.report(at, {
      path: 'metadata.namespace',
      value: ns,
      problem: 'names a namespace that is not in the output',
      expected: `a Namespace object in the output or one of ${[...BUILT_IN_NAMESPACES].join(', ')}`,
      fix: `add a Namespace '${ns}' to the output or ${EXTERNAL_FIX}`,
    });
  }
}

export function isClusterScoped(kind: string, crdScope: 'Namespaced' | 'Cluster' | 'unknown' | undefined): boolean {
  if (crdScope === 'Cluster') return true;
  if (crdScope === 'Namespaced') return false;
  return CLUSTER_SCOPED_KINDS.has(kind);
}
