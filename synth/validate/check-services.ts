/**
 * Services reach pods: a Service's selector matches the labels of some pod template in its
 * namespace, and a named targetPort is a container port name of those pods.
 */
import { pathOf } from '../../regions/region-error';
import { asArray, asObject, asString, asStringMap } from '../manifest';
import type { CheckContext } from './check-context';
import { podTemplates, type PodTemplate } from './pod-templates';

function containerPortNames(t: PodTemplate): string[] {
  return asArray(t.spec.containers).flatMap((c) =>
    asArray(asObject(c)?.ports).flatMap((p) => {
      const name = asString(asObject(p)?.name);
      return name === undefined ? [] : [name];
    }),
  );
}

export function checkServices(ctx: CheckContext): void {
  const templates = podTemplates(ctx.objects);
  for (const at of ctx.ofKind('Service')) {
    const spec = asObject(at.object.spec);
    if (asString(spec?.type) === 'ExternalName') continue;
    const selector = asStringMap(spec?.selector);
    if (Object.keys(selector).length === 0) continue; // endpoints managed elsewhere
    const ns = at.object.metadata.namespace;
    const matching = templates.filter(
      (t) => t.namespace === ns && Object.entries(selector).every(([k, v]) => t.labels[k] === v),
    );
    if (matching.length === 0) {
      const candidates = templates.filter((t) => t.namespace === ns).map((t) => `${t.at.object.kind} ${t.at.object.metadata.name} ${JSON.stringify(t.labels)}`);
      ctx.report(at, {
        path: 'spec.selector',
        value: selector,
        problem: `matches no pod template in namespace '${ns ?? ''}'`,
        expected: candidates.length > 0 ? `labels of one of: ${candidates.join('; ')}` : 'a workload in the same namespace',
        fix: 'make the selector a subset of the pod template labels of the workload it fronts (use selectorLabels() of constructs/labels.ts)',
      });
      continue;
    }
    const names = new Set(matching.flatMap(containerPortNames));
    asArray(spec?.ports).forEach((p, i) => {
      const target = asObject(p)?.targetPort;
      if (typeof target !== 'string' || names.has(target)) return;
      ctx.report(at, {
        path: pathOf('spec', 'ports', i, 'targetPort'),
        value: target,
        problem: 'is not a container port name of the selected pods',
        expected: names.size > 0 ? `one of ${[...names].join(', ')} or a port number` : 'a port number (the selected containers name no ports)',
        fix: 'name the container port or use its number',
      });
    });
  }
}
