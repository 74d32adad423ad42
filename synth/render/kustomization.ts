/**
 * dist/<region>/kustomization.yaml: the resources in apply order and one secretGenerator entry per
 * SecretRequirement (env file in the git-ignored secrets/ folder, no hash suffix so the names the
 * manifests use are the names that exist). Components live under components/<name>/ with their own
 * `kind: Component` kustomization; the region's kustomization does not include them, because they are
 * meant for the namespaces rdev-api creates.
 */
import type { SecretRequirement } from '../../constructs/secret-requirement';
import { secretEnvFile } from './header';

export interface Kustomization {
  apiVersion: 'kustomize.config.k8s.io/v1beta1';
  kind: 'Kustomization';
  resources: string[];
  secretGenerator?: {
    name: string;
    namespace: string;
    envs: string[];
    type: 'Opaque' | 'kubernetes.io/dockerconfigjson';
    options: { disableNameSuffixHash: true };
  }[];
}

export function regionKustomization(files: readonly string[], secrets: readonly SecretRequirement[]): Kustomization {
  const k: Kustomization = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [...files] };
  if (secrets.length > 0) {
    k.secretGenerator = secrets.map((s) => ({
      name: s.name,
      namespace: s.namespace,
      envs: [secretEnvFile(s.name)],
      type: s.type ?? 'Opaque',
      options: { disableNameSuffixHash: true },
    }));
  }
  return k;
}

export function componentKustomization(files: readonly string[]): object {
  return { apiVersion: 'kustomize.config.k8s.io/v1alpha1', kind: 'Component', resources: [...files] };
}
