/**
 * Hand-written manifests for the synth tests: a small platform (namespaces, a Deployment behind a
 * Service and a TLS Ingress, a StatefulSet with a claim, a declared Secret) plus a tenant namespace
 * with the isolation policies. `validManifests()` passes the gate; tests break one thing each.
 */
import type { SecretRequirement } from '../../constructs/secret-requirement';
import { loadRegion } from '../../regions/load';
import type { Region } from '../../regions/types';
import type { KubeObject, ManifestComponent, ManifestFile, RegionManifests } from '../../synth/manifest';

let region: Region | undefined;

export async function fixtureRegion(): Promise<Region> {
  region ??= await loadRegion('eu-central-1');
  return region;
}

const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'];

export function tenantPolicies(namespace?: string): KubeObject[] {
  const meta = (name: string) => ({ name, ...(namespace ? { namespace } : {}) });
  return [
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta('default-deny'), spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta('allow-ingress'),
      spec: {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [
          { from: [{ podSelector: {} }] },
          { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'traefik' } } }] },
        ],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta('allow-dns'),
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta('allow-internet'),
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE } }, { ipBlock: { cidr: '::/0', except: ['fc00::/7', 'fe80::/10'] } }] }],
      },
    },
  ];
}

const labels = { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'web' };

function objects(): ManifestFile[] {
  return [
    {
      file: '10-namespaces.yaml',
      objects: [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'platform' } },
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'projects', labels: { 'platform/tenant': 'true' } } },
      ],
    },
    {
      file: '20-network-policies.yaml',
      objects: [
        ...tenantPolicies('projects'),
        { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: 'platform' }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } },
      ],
    },
    {
      file: '30-web.yaml',
      objects: [
        {
          apiVersion: 'cert-manager.io/v1',
          kind: 'Certificate',
          metadata: { name: 'wildcard', namespace: 'platform' },
          spec: { secretName: 'wildcard-tls', dnsNames: ['*.threesix.example'], issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer' } },
        },
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web', namespace: 'platform', labels },
          spec: {
            selector: { matchLabels: labels },
            template: {
              metadata: { labels: { ...labels, tier: 'front' } },
              spec: {
                containers: [
                  {
                    name: 'web',
                    image: 'nginx:1.27.3',
                    ports: [{ name: 'http', containerPort: 8080 }],
                    env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'web-secrets', key: 'token' } } }],
                  },
                ],
              },
            },
          },
        },
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web', namespace: 'platform' },
          spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
        },
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: { name: 'web', namespace: 'platform' },
          spec: {
            tls: [{ hosts: ['web.threesix.example'], secretName: 'wildcard-tls' }],
            rules: [
              {
                host: 'web.threesix.example',
                http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] },
              },
            ],
          },
        },
        {
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          metadata: { name: 'db', namespace: 'platform' },
          spec: {
            serviceName: 'db',
            selector: { matchLabels: { app: 'db' } },
            template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:16.6' }] } },
            volumeClaimTemplates: [
              { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'local-path', resources: { requests: { storage: '1Gi' } } } },
            ],
          },
        },
      ],
    },
  ];
}

export const WEB_SECRET: SecretRequirement = {
  name: 'web-secrets',
  namespace: 'platform',
  description: 'token of the web app',
  keys: [
    { key: 'token', source: 'generate' },
    { key: 'upstream-key', source: 'supply', help: 'ask upstream' },
  ],
};

export async function validManifests(): Promise<RegionManifests> {
  const components: ManifestComponent[] = [{ name: 'tenant-isolation', objects: tenantPolicies() }];
  return {
    region: await fixtureRegion(),
    files: objects(),
    components,
    secrets: [WEB_SECRET],
    external: [{ kind: 'ClusterIssuer', name: 'letsencrypt', reason: 'fixture' }],
  };
}

/**
 * The object named `name` of `kind` in the manifests (mutable: tests edit it in place); namespace
 * undefined = any, null = an object without namespace (the component's).
 */
export function objectOf(m: RegionManifests, kind: string, name: string, namespace?: string | null): KubeObject & Record<string, any> {
  for (const f of [...m.files, ...m.components]) {
    for (const o of f.objects) {
      const nsOk = namespace === undefined || (namespace === null ? o.metadata.namespace === undefined : o.metadata.namespace === namespace);
      if (o.kind === kind && o.metadata.name === name && nsOk) return o as KubeObject & Record<string, any>;
    }
  }
  throw new Error(`fixture has no ${kind} ${name}`);
}
