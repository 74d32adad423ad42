/**
 * resolveRegion: a region definition (unknown input) -> the resolved `Region` both engines consume.
 * Pure (no I/O): schema check, cross-field rules, then every @default of regions/types.ts applied.
 * Throws RegionValidationError carrying every issue found.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RegionValidationError, type RegionIssue } from './region-error';
import { checkRegionRules } from './rules';
import { checkRegionSchema } from './schema-check';
import {
  POOL_LABEL,
  POOL_NAMES,
  type PoolDefinition,
  type PoolName,
  type Region,
  type RegionDefinition,
  type ResolvedHost,
  type ResolvedPlatform,
} from './types';
import { resolveVersions } from './versions';

/** The repository root (the parent of regions/). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

export const DEFAULTS = {
  sshUser: 'root',
  sshPort: 22,
  vswitchMtu: 1400,
  flannelBackend: 'wireguard-native',
  acmeServer: 'https://acme-v02.api.letsencrypt.org/directory',
  namespace: 'platform',
  projectsNamespace: 'projects',
  // Not 22: the hosts' sshd keeps 22, and ServiceLB's hostPort would shadow it (regions/k3s-cluster.ts).
  giteaSshPort: 2222,
  giteaStorageSize: '20Gi',
  postgresSslMode: 'disable',
  zotStorageSize: '50Gi',
  zotGcDelay: '1h',
  zotDedupe: true,
  woodpeckerAgentReplicas: 2,
  woodpeckerBuildVolumeSize: '10Gi',
  woodpeckerStorageSize: '5Gi',
  rdevApiReplicas: 2,
} as const;

export interface ResolveOptions {
  /** The name the definition must carry (the file name); a mismatch is an issue. */
  readonly expectedName?: string;
  /** Directory relative ssh paths (knownHostsPath) are resolved from. @default the repository root */
  readonly baseDir?: string;
  /** known_hosts when the definition sets none. @default `<baseDir>/regions/<name>.known_hosts` */
  readonly defaultKnownHostsPath?: string;
}

/** Issues are reported once per path: a rule issue replaces a schema format issue at the same path. */
function mergeIssues(schemaIssues: RegionIssue[], ruleIssues: RegionIssue[]): RegionIssue[] {
  const rulePaths = new Set(ruleIssues.map((i) => i.path));
  const formatProblems = new Set(['does not have the expected format', 'is empty', 'has too few items']);
  const kept = schemaIssues.filter((i) => !(rulePaths.has(i.path) && formatProblems.has(i.problem)));
  const seen = new Set<string>();
  return [...kept, ...ruleIssues].filter((i) => {
    const key = `${i.path}\u0000${i.problem}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function regionLabel(definition: unknown, source: string): string {
  const name = (definition as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== '' && name.length <= 63 && !/[\s'"\\]/.test(name) ? name : source;
}

/**
 * Validates a region definition and returns the resolved region.
 * @param definition what a region file default-exports (or a parsed lab.region.json)
 * @param source where it came from, shown in the error header (e.g. `regions/eu-central-1.ts`)
 */
export function resolveRegion(definition: unknown, source: string, options: ResolveOptions = {}): Region {
  const label = options.expectedName ?? regionLabel(definition, source);
  if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) {
    throw new RegionValidationError(label, source, [
      {
        region: label,
        path: '',
        value: Array.isArray(definition) ? 'a list' : definition === null ? 'null' : typeof definition,
        problem: 'is not a region definition',
        expected: 'an object: export default defineRegion({ name, network, k3s, pools, platform })',
      },
    ]);
  }
  const issues = mergeIssues(checkRegionSchema(definition, label), checkRegionRules(definition, label, { giteaSshPort: DEFAULTS.giteaSshPort }));
  const name = (definition as { name?: unknown }).name;
  if (options.expectedName !== undefined && typeof name === 'string' && name !== options.expectedName) {
    issues.unshift({
      region: label,
      path: 'name',
      value: name,
      problem: `does not match the file name (${options.expectedName})`,
      expected: `'${options.expectedName}'`,
      fix: `set name: '${options.expectedName}' or rename the file to ${name}.ts`,
    });
  }
  if (issues.length > 0) throw new RegionValidationError(label, source, issues);
  return deepFreeze(applyDefaults(definition as RegionDefinition, options));
}

/** The resolved region is shared by every engine: freeze it so no consumer can change it for the others. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function resolveHosts(def: RegionDefinition): { hosts: ResolvedHost[]; pools: Partial<Record<PoolName, ResolvedHost[]>> } {
  const hosts: ResolvedHost[] = [];
  const pools: Partial<Record<PoolName, ResolvedHost[]>> = {};
  const sshPort = def.ssh?.port ?? DEFAULTS.sshPort;
  for (const pool of POOL_NAMES) {
    const p: PoolDefinition | undefined = def.pools[pool];
    if (!p || p.hosts.length === 0) continue;
    const members = p.hosts.map(
      (h): ResolvedHost => ({
        name: h.name,
        pool,
        provider: h.provider,
        publicIp: h.publicIp,
        privateIp: h.privateIp,
        sshHost: h.publicIp,
        sshPort: h.sshPort ?? sshPort,
        labels: { ...(p.labels ?? {}), ...(h.labels ?? {}), [POOL_LABEL]: pool },
        taints: (p.taints ?? []).map((t) => ({ ...t })),
        vars: { ...(p.vars ?? {}), ...(h.vars ?? {}) },
      }),
    );
    pools[pool] = members;
    hosts.push(...members);
  }
  return { hosts, pools };
}

function resolvePlatform(def: RegionDefinition): ResolvedPlatform {
  const p = def.platform;
  const domain = p.domain;
  const giteaHost = p.gitea.host ?? `git.${domain}`;
  const database =
    p.gitea.database.type === 'postgres'
      ? { ...p.gitea.database, sslMode: p.gitea.database.sslMode ?? DEFAULTS.postgresSslMode }
      : { ...p.gitea.database };
  const defaultStorageClass = p.storageClasses[0];
  if (defaultStorageClass === undefined) throw new Error('unreachable: storageClasses is checked non-empty');
  return {
    domain,
    acmeEmail: p.acmeEmail,
    acmeServer: p.acmeServer ?? DEFAULTS.acmeServer,
    namespace: p.namespace ?? DEFAULTS.namespace,
    projectsNamespace: p.projectsNamespace ?? DEFAULTS.projectsNamespace,
    storageClasses: [...p.storageClasses],
    defaultStorageClass,
    gitea: {
      host: giteaHost,
      sshHost: p.gitea.sshHost ?? giteaHost,
      sshPort: p.gitea.sshPort ?? DEFAULTS.giteaSshPort,
      database,
      storageSize: p.gitea.storageSize ?? DEFAULTS.giteaStorageSize,
      defaultOrg: p.gitea.defaultOrg,
    },
    zot: {
      host: p.zot?.host ?? `registry.${domain}`,
      storageSize: p.zot?.storageSize ?? DEFAULTS.zotStorageSize,
      gcDelay: p.zot?.gcDelay ?? DEFAULTS.zotGcDelay,
      dedupe: p.zot?.dedupe ?? DEFAULTS.zotDedupe,
    },
    woodpecker: {
      host: p.woodpecker.host ?? `ci.${domain}`,
      admins: [...p.woodpecker.admins],
      agentReplicas: p.woodpecker.agentReplicas ?? DEFAULTS.woodpeckerAgentReplicas,
      buildVolumeSize: p.woodpecker.buildVolumeSize ?? DEFAULTS.woodpeckerBuildVolumeSize,
      storageSize: p.woodpecker.storageSize ?? DEFAULTS.woodpeckerStorageSize,
    },
    rdevApi: {
      host: p.rdevApi.host ?? `rdev.${domain}`,
      replicas: p.rdevApi.replicas ?? DEFAULTS.rdevApiReplicas,
      database: {
        ...p.rdevApi.database,
        ...(p.rdevApi.database.podLabels ? { podLabels: { ...p.rdevApi.database.podLabels } } : {}),
        ...(p.rdevApi.database.addresses ? { addresses: [...p.rdevApi.database.addresses] } : {}),
      },
      privateImage: p.rdevApi.privateImage ?? false,
    },
  };
}

function applyDefaults(def: RegionDefinition, options: ResolveOptions): Region {
  const baseDir = options.baseDir ?? REPO_ROOT;
  const knownHosts = def.ssh?.knownHostsPath;
  const knownHostsPath =
    knownHosts !== undefined
      ? isAbsolute(knownHosts)
        ? knownHosts
        : resolve(baseDir, knownHosts)
      : (options.defaultKnownHostsPath ?? resolve(baseDir, 'regions', `${def.name}.known_hosts`));
  const { hosts, pools } = resolveHosts(def);
  const n = def.network;
  return {
    name: def.name,
    description: def.description ?? '',
    ssh: {
      user: def.ssh?.user ?? DEFAULTS.sshUser,
      initialUser: def.ssh?.initialUser ?? 'root',
      port: def.ssh?.port ?? DEFAULTS.sshPort,
      ...(def.ssh?.privateKeyPath !== undefined ? { privateKeyPath: def.ssh.privateKeyPath } : {}),
      ...(def.ssh?.bastion !== undefined ? { bastion: def.ssh.bastion } : {}),
      knownHostsPath,
    },
    network: {
      privateCidr: n.privateCidr,
      ...(n.vswitch ? { vswitch: { ...n.vswitch, mtu: n.vswitch.mtu ?? DEFAULTS.vswitchMtu } } : {}),
      clusterCidr: n.clusterCidr,
      serviceCidr: n.serviceCidr,
      adminCidrs: [...n.adminCidrs],
      loadBalancerIps: [...n.loadBalancerIps],
      cloudflareCidrs: [...n.cloudflareCidrs],
    },
    versions: resolveVersions(def.versions),
    k3s: {
      flannelBackend: def.k3s?.flannelBackend ?? DEFAULTS.flannelBackend,
      ...(def.k3s?.mirrorUrl !== undefined ? { mirrorUrl: def.k3s.mirrorUrl } : {}),
      etcdSnapshots: {
        scheduleCron: def.k3s?.etcdSnapshots?.scheduleCron ?? '0 */6 * * *',
        retention: def.k3s?.etcdSnapshots?.retention ?? 28,
        ...(def.k3s?.etcdSnapshots?.s3 ? { s3: { ...def.k3s.etcdSnapshots.s3 } } : {}),
      },
    },
    ...(def.airgap ? { airgap: { bundleDir: resolve(baseDir, def.airgap.bundleDir) } } : {}),
    hosts,
    pools,
    platform: resolvePlatform(def),
    dangerousOptIns: { ...(def.dangerousOptIns ?? {}) },
  };
}
