/**
 * Every image a node must pull resolves from the node and is reachable there. containerd on the node resolves
 * registry names with the host's resolver (not cluster DNS) and speaks HTTPS: a cluster-internal name
 * (`*.svc`, `*.svc.cluster.local`, `*.cluster.local`) only works through a mirror in /etc/rancher/k3s/registries.yaml
 * (regions/k3s-cluster.ts registryMirrors, written by the k3s playbook) whose https endpoint is a public host
 * served by an Ingress that routes to that same registry Service.
 *
 * Credentials: an image the region says is private (platform.rdevApi.privateImage) is pulled by the kubelet only
 * with a pull Secret of type kubernetes.io/dockerconfigjson in the pod's namespace, referenced by the pod or its
 * ServiceAccount; a reference to a Secret the secretGenerator does not declare with that type fails the pull too
 * (the kubelet skips a missing or mistyped pull Secret and pulls anonymously).
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
    issues.push(...pullCredentialIssues(model, w));
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

const DOCKER_CONFIG_JSON = 'kubernetes.io/dockerconfigjson';

/** A private image without a usable pull Secret, and pull Secret references that name no dockerconfigjson Secret. */
function pullCredentialIssues(model: PlatformModel, w: PlatformModel['workloads'][number]): ManifestIssue[] {
  if (w.origin !== 'manifests') return [];
  const issues: ManifestIssue[] = [];
  const at = { object: w.id, file: w.file, path: `${w.path}.imagePullSecrets` };
  const refs = w.imagePullSecrets ?? [];
  const usable: string[] = [];
  for (const name of refs) {
    const secret = model.secrets.find((s) => s.name === name && s.namespace === w.namespace);
    if (secret && (secret.type ?? 'Opaque') === DOCKER_CONFIG_JSON) {
      usable.push(name);
      continue;
    }
    issues.push(issue(model, {
      ...at,
      value: name,
      problem: secret
        ? `names pull Secret ${w.namespace}/${name}, whose type is ${secret.type ?? 'Opaque'}: the kubelet uses only ${DOCKER_CONFIG_JSON} (or dockercfg) Secrets and pulls anonymously`
        : `names pull Secret ${w.namespace}/${name}, which no secretGenerator entry declares: the kubelet skips it and pulls anonymously`,
      expected: `a ${DOCKER_CONFIG_JSON} Secret declared in ${w.namespace} (constructs/pull-secret.ts pullSecretRequirement)`,
      fix: 'declare the pull Secret next to the workload that references it, or remove the reference',
    }));
  }
  for (const image of w.images) {
    if (!model.privateImages.has(image) || usable.length > 0) continue;
    issues.push(issue(model, {
      object: w.id,
      file: w.file,
      path: w.path,
      value: image,
      problem: `pulls ${image}, which the region says needs credentials (platform.rdevApi.privateImage), without a ${DOCKER_CONFIG_JSON} pull Secret (pod or ServiceAccount imagePullSecrets): the registry answers 401/403 and the pods end in ImagePullBackOff`,
      expected: `imagePullSecrets naming a declared ${DOCKER_CONFIG_JSON} Secret in ${w.namespace}`,
      fix: 'reference the pull Secret from the pod spec (RdevApi privateImage), or set privateImage: false if the image is public',
    }));
  }
  return issues;
}
