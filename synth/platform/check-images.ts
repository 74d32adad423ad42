/**
 * Every image a node must pull resolves from the node and is reachable there. containerd on the node resolves
 * registry names with the host's resolver (not cluster DNS) and speaks HTTPS: a cluster-internal name
 * (`*.svc`, `*.svc.cluster.local`, `*.cluster.local`) only works through a mirror in /etc/rancher/k3s/registries.yaml
 * (regions/k3s-cluster.ts registryMirrors, written by the k3s playbook) whose https endpoint is a public host
 * served by an Ingress that routes to that same registry Service.
 */
import { asArray, asObject, asString } from '../manifest';
import type { ManifestIssue } from '../synth-error';
import { issue } from './issues';
import type { PlatformModel } from './model';

const CLUSTER_INTERNAL = /(\.svc|\.svc\.cluster\.local|\.cluster\.local)(:\d+)?$/;

/** The registry host of an image reference (`docker.io` when the first segment is not a host). */
export function registryOf(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

export function checkImages(model: PlatformModel): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const ingressHosts = new Map<string, { namespace: string; service: string }>();
  for (const { object } of model.objects) {
    if (object.kind !== 'Ingress') continue;
    for (const rule of asArray(asObject(object.spec)?.rules)) {
      const host = asString(asObject(rule)?.host);
      const service = asString(asObject(asObject(asObject(asArray(asObject(asObject(rule)?.http)?.paths)[0])?.backend)?.service)?.name);
      if (host && service) ingressHosts.set(host, { namespace: object.metadata.namespace ?? 'default', service });
    }
  }
  const seen = new Set<string>();
  for (const w of model.workloads) {
    for (const image of w.images) {
      const registry = registryOf(image);
      if (!CLUSTER_INTERNAL.test(registry) || seen.has(`${w.id}\u0000${registry}`)) continue;
      seen.add(`${w.id}\u0000${registry}`);
      const at = { object: w.id, file: w.file, path: w.path };
      const mirror = model.settings.registryMirrors.find((m) => m.name === registry);
      if (!mirror) {
        issues.push(issue(model, {
          ...at,
          value: image,
          problem: `names registry '${registry}', which the nodes' containerd cannot resolve (host resolver, not cluster DNS), so its pods end in ImagePullBackOff`,
          expected: 'a public registry, or a registries.yaml mirror for that name',
          fix: `mirror '${registry}' to the registry's public https host in /etc/rancher/k3s/registries.yaml (regions/k3s-cluster.ts registryMirrors, written by the k3s playbook)`,
        }));
        continue;
      }
      const endpoint = /^https:\/\/([^/:]+)(:\d+)?\/?$/.exec(mirror.endpoint);
      const served = endpoint ? ingressHosts.get(endpoint[1] ?? '') : undefined;
      const [serviceName = '', serviceNamespace = ''] = registry.split('.');
      if (!endpoint || !served || served.service !== serviceName || served.namespace !== serviceNamespace) {
        issues.push(issue(model, {
          ...at,
          value: mirror,
          problem: `is pulled through the mirror ${mirror.endpoint}, which ${!endpoint ? 'is not an https URL' : !served ? 'no Ingress serves' : `routes to Service ${served.namespace}/${served.service}, not ${serviceNamespace}/${serviceName}`}`,
          expected: `an https endpoint whose host an Ingress routes to Service ${serviceNamespace}/${serviceName}`,
          fix: 'point the mirror at the registry\'s public host (platform.zot.host)',
        }));
      }
    }
  }
  return issues;
}
