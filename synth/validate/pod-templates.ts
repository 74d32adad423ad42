/**
 * The pod templates of the workloads in the output (Pod, Deployment, StatefulSet, DaemonSet,
 * ReplicaSet, Job, CronJob), with where they sit, for selector, reference and isolation checks.
 */
import { asObject, asStringMap, type JsonObject } from '../manifest';
import type { LocatedObject } from './check-context';

export interface PodTemplate {
  readonly at: LocatedObject;
  readonly namespace: string | undefined;
  /** Path of the template inside the object: `spec.template`, `spec.jobTemplate.spec.template`, `` for a Pod. */
  readonly path: string;
  readonly labels: Record<string, string>;
  /** The pod spec. */
  readonly spec: JsonObject;
}

const TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

export function podTemplates(objects: readonly LocatedObject[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const at of objects) {
    const { kind } = at.object;
    let template: JsonObject | undefined;
    let path: string;
    if (kind === 'Pod') {
      template = at.object;
      path = '';
    } else {
      const segments = TEMPLATE_PATHS[kind];
      if (!segments) continue;
      let node: JsonObject | undefined = at.object;
      for (const s of segments) node = asObject(node?.[s]);
      template = node;
      path = segments.join('.');
    }
    const spec = asObject(template?.spec);
    if (!template || !spec) continue;
    out.push({
      at,
      namespace: at.object.metadata.namespace,
      path,
      labels: asStringMap(asObject(template.metadata)?.labels),
      spec,
    });
  }
  return out;
}

/** `spec.template.spec`, or `spec` for a Pod. */
export function specPath(t: PodTemplate): string {
  return t.path === '' ? 'spec' : `${t.path}.spec`;
}
