import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CONFIG_CHECKSUM_ANNOTATION, sha256 } from './checksum';
import { checkDnsLabel, checkDnsSubdomain, checkHostName, checkPinnedVersion, checkQuantity, fail } from './construct-error';
import { appLabels, selectorLabels } from './labels';
import { placementSpec, type Placement } from './placement';
import { TlsIngress } from './tls-ingress';
import { checkResources, claimSpec, containerSecurityContext, httpProbe, podSecurityContext, resources, tcpProbe, type ResourceSpec } from './workload';

export const ZOT_PORT = 5000;
const UID = 1000;
const ROOT_DIRECTORY = '/var/lib/registry';

export interface ZotProps {
  readonly namespace: string;
  /** zot release, e.g. `v2.1.2`; the image is `ghcr.io/project-zot/zot-linux-amd64:<version>`. */
  readonly version: string;
  /** Public host of the registry UI/API, e.g. `registry.example.com`. */
  readonly host: string;
  readonly storageClassName: string;
  /** @default '50Gi' */
  readonly storageSize?: string;
  /** Delay before garbage collection removes unreferenced blobs. @default '1h' */
  readonly gcDelay?: string;
  /** @default true */
  readonly dedupe?: boolean;
  readonly tlsSecretName: string;
  /** @default no node selector, no tolerations */
  readonly placement?: Placement;
  /** @default 100m/128Mi requested, 1 CPU/512Mi limit */
  readonly resources?: ResourceSpec;
}

const DEFAULT_RESOURCES: ResourceSpec = { cpuRequest: '100m', memoryRequest: '128Mi', cpuLimit: '1', memoryLimit: '512Mi' };

/** Renders zot's config.json (stable key order, two-space indent). */
export function renderZotConfig(options: { readonly gcDelay: string; readonly dedupe: boolean; readonly port: number }): string {
  const config = {
    distSpecVersion: '1.1.0',
    storage: { rootDirectory: ROOT_DIRECTORY, gc: true, gcDelay: options.gcDelay, dedupe: options.dedupe },
    http: { address: '0.0.0.0', port: String(options.port) },
    log: { level: 'info' },
    extensions: { search: { enable: true }, ui: { enable: true } },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/**
 * zot OCI registry: config.json in a ConfigMap (a sha256 of it on the pod template rolls the pod when it
 * changes), StatefulSet with a storage claim, ClusterIP Service (in-cluster `zot.<ns>:5000`), Ingress.
 */
export class Zot extends Construct {
  readonly name = 'zot';
  readonly namespace: string;
  readonly serviceName = 'zot';
  readonly port = ZOT_PORT;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly config: string;
  readonly statefulSet: k8s.KubeStatefulSet;

  constructor(scope: Construct, id: string, props: ZotProps) {
    super(scope, id);
    const where = `Zot '${id}'`;
    checkDnsLabel(where, 'namespace', props.namespace);
    checkPinnedVersion(where, 'version', props.version, 'v2.1.2');
    checkHostName(where, 'host', props.host);
    checkDnsSubdomain(where, 'storageClassName', props.storageClassName);
    const storageSize = props.storageSize ?? '50Gi';
    checkQuantity(where, 'storageSize', storageSize);
    const gcDelay = props.gcDelay ?? '1h';
    if (!/^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$/.test(gcDelay)) {
      fail(where, 'gcDelay', gcDelay, 'is not a Go duration', "e.g. '1h' or '30m'", 'write a number with a unit');
    }
    const res = props.resources ?? DEFAULT_RESOURCES;
    checkResources(where, 'resources', res);

    this.namespace = props.namespace;
    const ns = props.namespace;
    const version = props.version;
    const labels = appLabels({ name: 'zot', component: 'registry', version });
    this.podLabels = selectorLabels({ name: 'zot', component: 'registry', version });
    this.config = renderZotConfig({ gcDelay, dedupe: props.dedupe ?? true, port: ZOT_PORT });

    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: 'zot-config', namespace: ns, labels },
      data: { 'config.json': this.config },
    });

    new k8s.KubeService(this, 'Service', {
      metadata: { name: this.serviceName, namespace: ns, labels },
      spec: {
        type: 'ClusterIP',
        selector: { ...this.podLabels },
        ports: [{ name: 'http', port: ZOT_PORT, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });

    this.statefulSet = new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: { name: 'zot', namespace: ns, labels },
      spec: {
        serviceName: this.serviceName,
        replicas: 1,
        selector: { matchLabels: { ...this.podLabels } },
        template: {
          metadata: { labels, annotations: { [CONFIG_CHECKSUM_ANNOTATION]: sha256(this.config) } },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: podSecurityContext(UID),
            ...placementSpec(props.placement),
            containers: [
              {
                name: 'zot',
                image: `ghcr.io/project-zot/zot-linux-amd64:${version}`,
                imagePullPolicy: 'IfNotPresent',
                args: ['serve', '/etc/zot/config.json'],
                ports: [{ name: 'http', containerPort: ZOT_PORT, protocol: 'TCP' }],
                livenessProbe: tcpProbe('http', { initialDelaySeconds: 10 }),
                readinessProbe: httpProbe('/v2/', 'http', { initialDelaySeconds: 5 }),
                resources: resources(res),
                securityContext: containerSecurityContext({ readOnlyRootFilesystem: true }),
                volumeMounts: [
                  { name: 'data', mountPath: ROOT_DIRECTORY },
                  { name: 'config', mountPath: '/etc/zot', readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: 'zot-config' } },
              { name: 'tmp', emptyDir: {} },
            ],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: 'data', labels }, spec: claimSpec(props.storageClassName, storageSize) }],
      },
    });

    new TlsIngress(this, 'Ingress', {
      name: 'zot',
      namespace: ns,
      labels,
      host: props.host,
      serviceName: this.serviceName,
      servicePort: ZOT_PORT,
      tlsSecretName: props.tlsSecretName,
    });
  }
}
