/**
 * Fixture dist trees for the review tests: a small but realistic region (namespaces, Gitea, Zot,
 * Woodpecker with RBAC, platform and tenant NetworkPolicies, a tenant-isolation component, a Secret and
 * a kustomization with a secretGenerator), written to temp dirs as multi-document YAML files the way
 * synth lays them out. Tests copy it, apply one crafted change, and diff.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';

export type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Secret values planted in the fixture: none of them may appear in any output. */
export const SECRETS = {
  secretData: 'c3VwZXItc2VjcmV0LWRhdGE=',
  envToken: 'tok-4f9a8e7d6c5b4a39',
  envPassword: 'hunter2-pw-81726354',
  literal: 'lit-secret-5a6b7c8d9e',
  iniSecret: 'ini-secret-1029384756',
} as const;

const labels = (name: string): Obj => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'rdev-platform' });

function namespaces(): Obj[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'platform', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'projects', labels: { 'platform/tenant': 'true' } } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'builds', labels: { 'platform/builds': 'true' } } },
  ];
}

function gitea(): Obj[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'gitea-config', namespace: 'platform' },
      data: { 'app.ini': `APP_NAME = Gitea\n[server]\nHTTP_PORT = 3000\nROOT_URL = https://git.example\n[security]\nINTERNAL_TOKEN = ${SECRETS.iniSecret}\nINSTALL_LOCK = true\n` },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'gitea', namespace: 'platform', labels: labels('gitea') },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels('gitea') },
        template: {
          metadata: { labels: labels('gitea') },
          spec: {
            securityContext: { fsGroup: 1000, runAsNonRoot: true },
            containers: [
              {
                name: 'gitea',
                image: 'docker.gitea.com/gitea:1.22.6-rootless',
                ports: [
                  { name: 'http', containerPort: 3000, protocol: 'TCP' },
                  { name: 'ssh', containerPort: 2222, protocol: 'TCP' },
                ],
                env: [
                  { name: 'GITEA__server__DOMAIN', value: 'git.example' },
                  { name: 'GITEA__security__INTERNAL_TOKEN', value: SECRETS.envToken },
                  { name: 'GITEA__database__PASSWD', value: SECRETS.envPassword },
                ],
                volumeMounts: [
                  { name: 'data', mountPath: '/var/lib/gitea' },
                  { name: 'config', mountPath: '/etc/gitea' },
                ],
                resources: { requests: { cpu: '100m', memory: '256Mi' } },
              },
            ],
            volumes: [
              { name: 'data', persistentVolumeClaim: { claimName: 'gitea-data' } },
              { name: 'config', configMap: { name: 'gitea-config' } },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'gitea-http', namespace: 'platform' },
      spec: { type: 'ClusterIP', selector: labels('gitea'), ports: [{ name: 'http', port: 3000, targetPort: 'http', protocol: 'TCP' }] },
    },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'gitea-data', namespace: 'platform' },
      spec: { storageClassName: 'local-path', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } },
    },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'gitea-admin', namespace: 'platform' }, type: 'Opaque', data: { password: SECRETS.secretData } },
  ];
}

function zot(): Obj[] {
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'zot', namespace: 'platform', labels: labels('zot') },
      spec: {
        serviceName: 'zot',
        replicas: 1,
        selector: { matchLabels: labels('zot') },
        template: {
          metadata: { labels: labels('zot') },
          spec: {
            containers: [{ name: 'zot', image: 'ghcr.io/project-zot/zot-linux-amd64:v2.1.2', ports: [{ name: 'registry', containerPort: 5000, protocol: 'TCP' }] }],
          },
        },
        volumeClaimTemplates: [
          { metadata: { name: 'data' }, spec: { storageClassName: 'local-path', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Gi' } } } },
        ],
      },
    },
  ];
}

function woodpecker(): Obj[] {
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'woodpecker-server', namespace: 'platform', labels: labels('woodpecker-server') },
      spec: {
        selector: { matchLabels: labels('woodpecker-server') },
        template: {
          metadata: { labels: labels('woodpecker-server') },
          spec: {
            containers: [
              {
                name: 'server',
                image: 'woodpeckerci/woodpecker-server:v2.8.3',
                ports: [
                  { name: 'http', containerPort: 8000, protocol: 'TCP' },
                  { name: 'grpc', containerPort: 9000, protocol: 'TCP' },
                ],
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'woodpecker-agent', namespace: 'platform', labels: labels('woodpecker-agent') },
      spec: {
        selector: { matchLabels: labels('woodpecker-agent') },
        template: {
          metadata: { labels: labels('woodpecker-agent') },
          spec: {
            serviceAccountName: 'woodpecker-agent',
            containers: [{ name: 'agent', image: 'woodpeckerci/woodpecker-agent:v2.8.3', args: ['--healthcheck', '--log-level=info'] }],
          },
        },
      },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'woodpecker-agent', namespace: 'platform' } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'woodpecker-agent', namespace: 'builds' },
      rules: [{ apiGroups: [''], resources: ['pods', 'persistentvolumeclaims', 'services'], verbs: ['create', 'delete', 'get', 'list', 'watch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'woodpecker-agent', namespace: 'builds' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'woodpecker-agent' },
      subjects: [{ kind: 'ServiceAccount', name: 'woodpecker-agent', namespace: 'platform' }],
    },
  ];
}

const TRAEFIK = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'traefik' } } };
const DNS = { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] };

/** The tenant policies (namespace left out: the component stamps them; the projects copy sets it). */
export function tenantPolicies(namespace?: string): Obj[] {
  const meta = (name: string): Obj => (namespace ? { name, namespace } : { name });
  return [
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta('tenant-default-deny'), spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta('tenant-allow'),
      spec: {
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [TRAEFIK, { podSelector: {} }] }],
        egress: [
          DNS,
          { to: [{ podSelector: {} }] },
          {
            to: [
              { ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'] } },
              { ipBlock: { cidr: '::/0', except: ['fc00::/7', 'fe80::/10'] } },
            ],
          },
        ],
      },
    },
  ];
}

function platformPolicies(): Obj[] {
  const np = (name: string, spec: Obj): Obj => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'platform' }, spec });
  return [
    np('platform-default-deny', { podSelector: {}, policyTypes: ['Ingress'] }),
    np('gitea-ingress', { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'gitea' } }, policyTypes: ['Ingress'], ingress: [{ from: [TRAEFIK], ports: [{ port: 'http', protocol: 'TCP' }] }] }),
    np('woodpecker-server-ingress', {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'woodpecker-server' } },
      policyTypes: ['Ingress'],
      ingress: [
        { from: [TRAEFIK], ports: [{ port: 8000, protocol: 'TCP' }] },
        { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'woodpecker-agent' } } }], ports: [{ port: 9000, protocol: 'TCP' }] },
      ],
    }),
    np('zot-ingress', { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'zot' } }, policyTypes: ['Ingress'], ingress: [{ from: [TRAEFIK], ports: [{ port: 5000, protocol: 'TCP' }] }] }),
  ];
}

/** File name (relative to the region dir) -> documents. */
export type RegionFiles = Record<string, Obj[]>;

export function baseRegionFiles(): RegionFiles {
  return {
    '00-namespaces.yaml': namespaces(),
    '10-gitea.yaml': gitea(),
    '20-zot.yaml': zot(),
    '30-woodpecker.yaml': woodpecker(),
    '40-network-policies.yaml': [...platformPolicies(), ...tenantPolicies('projects')],
    'kustomization.yaml': [
      {
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: ['00-namespaces.yaml', '10-gitea.yaml', '20-zot.yaml', '30-woodpecker.yaml', '40-network-policies.yaml'],
        secretGenerator: [{ name: 'woodpecker-agent', namespace: 'platform', literals: [`WOODPECKER_AGENT_SECRET=${SECRETS.literal}`], options: { disableNameSuffixHash: true } }],
      },
    ],
    'components/tenant-isolation/kustomization.yaml': [{ apiVersion: 'kustomize.config.k8s.io/v1alpha1', kind: 'Component', resources: ['network-policies.yaml'] }],
    'components/tenant-isolation/network-policies.yaml': tenantPolicies(),
  };
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Finds a document by kind and name in a region's files. */
export function find(files: RegionFiles, kind: string, name: string): Obj {
  for (const docs of Object.values(files)) {
    const found = docs.find((d) => d.kind === kind && d.metadata?.name === name);
    if (found) return found;
  }
  throw new Error(`fixture has no ${kind} ${name}`);
}

export interface FixtureDirs {
  readonly root: string;
  /** Writes a dist tree (region -> files) under root/<name>, returns its path. */
  write(name: string, regions: Record<string, RegionFiles>): string;
  cleanup(): void;
}

export function fixtureDirs(): FixtureDirs {
  const root = mkdtempSync(join(tmpdir(), 'review-test-'));
  return {
    root,
    write(name, regions) {
      const dist = join(root, name);
      mkdirSync(dist, { recursive: true });
      for (const [region, files] of Object.entries(regions)) {
        for (const [file, docs] of Object.entries(files)) {
          const path = join(dist, region, file);
          mkdirSync(dirname(path), { recursive: true });
          const header = `# Generated by npm run synth from regions/${region}.ts; do not edit.\n`;
          writeFileSync(path, header + docs.map((doc) => stringify(doc, { lineWidth: 0 })).join('---\n'));
        }
      }
      return dist;
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
