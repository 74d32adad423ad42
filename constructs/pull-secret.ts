/**
 * A registry pull Secret a person supplies: type `kubernetes.io/dockerconfigjson`, one key `.dockerconfigjson`
 * holding `{"auths":{"<registry>":{"auth":"<base64 of user:token>"}}}` (what `kubectl create secret docker-registry`
 * writes). The kubelet looks the image's registry up in `auths` (kubernetes pkg/credentialprovider keyring: the key's
 * host must be the image's registry host); a Secret without that entry pulls anonymously and the pod ends in
 * ImagePullBackOff, so `npm run secrets` checks the value before `kubectl apply`.
 */
import type { SecretRequirement } from './secret-requirement';

export const DOCKER_CONFIG_JSON_TYPE = 'kubernetes.io/dockerconfigjson';
export const DOCKER_CONFIG_JSON_KEY = '.dockerconfigjson';

/** The registry host of an image reference (`docker.io` when the first segment is not a host). */
export function registryHostOf(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** The registry host an `auths` key names (`https://index.docker.io/v1/` -> `index.docker.io`, `ghcr.io/org` -> `ghcr.io`). */
function authsKeyHost(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').split('/')[0]?.toLowerCase() ?? '';
}

/** The problem with a supplied `.dockerconfigjson` value for pulling from `registry`, or undefined. Never echoes the value. */
export function dockerConfigJsonProblem(value: string, registry: string): string | undefined {
  const form = `expected {"auths":{"${registry}":{"auth":"<base64 of user:token>"}}} on one line`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return `is not JSON (${form})`;
  }
  const auths = typeof parsed === 'object' && parsed !== null ? (parsed as { auths?: unknown }).auths : undefined;
  if (typeof auths !== 'object' || auths === null || Array.isArray(auths)) return `has no "auths" object (${form})`;
  const want = registry.toLowerCase();
  const matches = (host: string): boolean => host === want || (DOCKER_HUB.has(want) && DOCKER_HUB.has(host));
  const entry = Object.entries(auths as Record<string, unknown>).find(([k]) => matches(authsKeyHost(k)))?.[1];
  if (entry === undefined) return `has no credentials for ${registry} in "auths" (the registry of the image; ${form})`;
  const e = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : {};
  if (typeof e.auth === 'string' && e.auth !== '') {
    const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
    if (!/^[^:]+:.+$/s.test(decoded)) return `has an "auth" for ${registry} that is not base64 of user:token (${form})`;
    return undefined;
  }
  if (typeof e.username === 'string' && e.username !== '' && typeof e.password === 'string' && e.password !== '') return undefined;
  return `has an entry for ${registry} without "auth" (or username and password) (${form})`;
}

/** Help for creating the value without putting the token on a command line. */
export function pullSecretHelp(image: string): string {
  const registry = registryHostOf(image);
  const token =
    registry === 'ghcr.io'
      ? `a GitHub personal access token (classic) with only the read:packages scope, of a user who may read ${image.replace(/[:@].*$/, '')}`
      : `a read-only token of a ${registry} user who may pull ${image.replace(/[:@].*$/, '')}`;
  return (
    `${token}, as one line .dockerconfigjson={"auths":{"${registry}":{"auth":"<base64 of user:token>"}}}; ` +
    `make it with read -rs TOKEN; printf '.dockerconfigjson={"auths":{"%s":{"auth":"%s"}}}\\n' ${registry} "$(printf '%s:%s' <user> "$TOKEN" | base64 | tr -d '\\n')" >> <this env file>`
  );
}

/** The supplied pull Secret for one image. */
export function pullSecretRequirement(name: string, namespace: string, image: string, what: string): SecretRequirement {
  const registry = registryHostOf(image);
  return {
    name,
    namespace,
    type: DOCKER_CONFIG_JSON_TYPE,
    description: `credentials to pull ${what}'s image from ${registry} (kubernetes.io/dockerconfigjson)`,
    keys: [{ key: DOCKER_CONFIG_JSON_KEY, source: 'supply', help: pullSecretHelp(image), check: { kind: 'dockerconfigjson', registry } }],
  };
}
