/**
 * Pod and container building blocks every platform workload shares: the restricted security
 * context, resource requirements and probes. Pure helpers returning L1 (k8s.*) structs.
 */
import { k8s } from 'cdk8s-plus-28';
import { checkQuantity } from './construct-error';

/** CPU and memory for one container. */
export interface ResourceSpec {
  readonly cpuRequest: string;
  readonly memoryRequest: string;
  readonly cpuLimit: string;
  readonly memoryLimit: string;
}

/** Checks every quantity of a ResourceSpec. */
export function checkResources(where: string, field: string, spec: ResourceSpec): void {
  checkQuantity(where, `${field}.cpuRequest`, spec.cpuRequest);
  checkQuantity(where, `${field}.memoryRequest`, spec.memoryRequest);
  checkQuantity(where, `${field}.cpuLimit`, spec.cpuLimit);
  checkQuantity(where, `${field}.memoryLimit`, spec.memoryLimit);
}

export function resources(spec: ResourceSpec): k8s.ResourceRequirements {
  return {
    requests: { cpu: k8s.Quantity.fromString(spec.cpuRequest), memory: k8s.Quantity.fromString(spec.memoryRequest) },
    limits: { cpu: k8s.Quantity.fromString(spec.cpuLimit), memory: k8s.Quantity.fromString(spec.memoryLimit) },
  };
}

/**
 * Pod security context for images that run as an unprivileged uid: runAsNonRoot, the image's
 * uid/gid, fsGroup so mounted volumes are writable, seccomp RuntimeDefault.
 */
export function podSecurityContext(uid: number, gid: number = uid): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup: gid,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container security context meeting the Pod Security Standard "restricted". */
export function containerSecurityContext(options: { readonly readOnlyRootFilesystem: boolean }): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: options.readOnlyRootFilesystem,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function httpProbe(path: string, port: string | number, options: { readonly initialDelaySeconds?: number; readonly periodSeconds?: number; readonly failureThreshold?: number } = {}): k8s.Probe {
  return {
    httpGet: { path, port: typeof port === 'number' ? k8s.IntOrString.fromNumber(port) : k8s.IntOrString.fromString(port) },
    initialDelaySeconds: options.initialDelaySeconds ?? 10,
    periodSeconds: options.periodSeconds ?? 10,
    timeoutSeconds: 5,
    failureThreshold: options.failureThreshold ?? 6,
  };
}

export function tcpProbe(port: string | number, options: { readonly initialDelaySeconds?: number; readonly periodSeconds?: number } = {}): k8s.Probe {
  return {
    tcpSocket: { port: typeof port === 'number' ? k8s.IntOrString.fromNumber(port) : k8s.IntOrString.fromString(port) },
    initialDelaySeconds: options.initialDelaySeconds ?? 10,
    periodSeconds: options.periodSeconds ?? 10,
    timeoutSeconds: 5,
    failureThreshold: 6,
  };
}

/** An env var read from one key of a Secret. */
export function secretEnv(name: string, secretName: string, key: string): k8s.EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secretName, key } } };
}

/** A ReadWriteOnce claim template / claim spec on the given storage class. */
export function claimSpec(storageClassName: string, size: string): k8s.PersistentVolumeClaimSpec {
  return {
    accessModes: ['ReadWriteOnce'],
    storageClassName,
    resources: { requests: { storage: k8s.Quantity.fromString(size) } },
  };
}
