/**
 * The new-region scaffold: options -> a region definition with sensible defaults and documentation-range
 * placeholders -> regions/<name>.ts and regions/<name>.known_hosts rendered from templates/*.hbs.
 *
 * Nothing is written unless the rendered region file, imported as it will be written, passes resolveRegion,
 * and neither file exists yet (files are created exclusively, so a concurrent run cannot overwrite either).
 */
import { mkdtemp, readFile, rm, writeFile, access, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Handlebars from 'handlebars';
import { dnsLabelProblem } from './formats';
import { LAB_REGION, REGIONS_DIR } from './load';
import { cidrHost, formatCidr, formatIp, mustParseCidr, parseCidr, type Cidr } from './net';
import { REPO_ROOT, resolveRegion } from './resolve';
import type { HostDefinition, PoolDefinition, PoolName, Provider, Region, RegionDefinition, Taint } from './types';

export const TEMPLATES_DIR = join(REPO_ROOT, 'templates');

export type ScaffoldProvider = 'hetzner' | 'contabo';
export const SCAFFOLD_PROVIDERS: readonly ScaffoldProvider[] = ['hetzner', 'contabo'];

/** Cloudflare IPv4 edge ranges, https://www.cloudflare.com/ips-v4 (kept equal to eu-central-1's by a test). */
export const CLOUDFLARE_IPV4 = [
  '173.245.48.0/20', '103.21.244.0/22', '103.22.200.0/22', '103.31.4.0/22', '141.101.64.0/18',
  '108.162.192.0/18', '190.93.240.0/20', '188.114.96.0/20', '197.234.240.0/22', '198.41.128.0/17',
  '162.158.0.0/15', '104.16.0.0/13', '104.24.0.0/14', '172.64.0.0/13', '131.0.72.0/22',
] as const;

export interface NewRegionOptions {
  readonly name: string;
  readonly provider: ScaffoldProvider;
  /** @default `<name>.example` (a TODO) */
  readonly domain?: string;
  /** k3s servers (odd). @default 3 */
  readonly servers?: number;
  /** Hosts of the run pool (0 = no pool). @default 2 */
  readonly run?: number;
  /** @default 1 */
  readonly build?: number;
  /** @default 1 */
  readonly ops?: number;
  /** Hetzner only: pools on dedicated (Robot) machines, joined through a vSwitch. @default none */
  readonly dedicated?: readonly PoolName[];
  /** @default '10.0.0.0/16' */
  readonly privateCidr?: string;
  /** @default ['198.51.100.0/28'] (a TODO) */
  readonly adminCidrs?: readonly string[];
  /** @default 'root' */
  readonly sshUser?: string;
  /** @default `ops@<domain>` (a TODO) */
  readonly acmeEmail?: string;
  /** @default <repo>/regions */
  readonly regionsDir?: string;
  /** The command line shown in the file header. @default built from the options */
  readonly command?: string;
}

/** Bad scaffold input (before anything is rendered): the option, the bad value, what was expected. */
export class ScaffoldError extends Error {
  override readonly name = 'ScaffoldError';
}

function fail(option: string, value: unknown, problem: string, expected: string): never {
  throw new ScaffoldError(`new-region: ${option} ${JSON.stringify(value)} ${problem} (expected ${expected})`);
}

export interface ScaffoldFile {
  readonly path: string;
  readonly content: string;
}

export interface ScaffoldPlan {
  readonly name: string;
  readonly regionsDir: string;
  readonly definition: RegionDefinition;
  /** regions/<name>.ts then regions/<name>.known_hosts. */
  readonly files: readonly ScaffoldFile[];
}

const MAX_PER_POOL = 9;
const POOL_OFFSET: Record<PoolName, number> = { ctrl: 10, run: 20, build: 30, ops: 40 };
const POOL_HELP: Record<PoolName, string> = {
  ctrl: 'k3s servers (embedded etcd): keep an odd number.',
  run: 'tenant workloads under gVisor; the taint keeps everything else off.',
  build: 'CI pipeline pods.',
  ops: 'stateful platform apps (Gitea, Zot); give it redundant disks.',
};

function count(option: string, value: number | undefined, fallback: number, min: number): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < min || n > MAX_PER_POOL) {
    fail(option, value, 'is out of range', `a whole number from ${min} to ${MAX_PER_POOL}; add more hosts by hand afterwards`);
  }
  return n;
}

function taintsOf(pool: PoolName, servers: number): Taint[] {
  if (pool === 'run') return [{ key: 'platform/run', value: 'gvisor', effect: 'NoSchedule' }];
  if (pool === 'build') return [{ key: 'platform/build', value: 'ci', effect: 'NoSchedule' }];
  // a dedicated control plane when there are enough servers; a single server also runs workloads
  if (pool === 'ctrl' && servers >= 3) return [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }];
  return [];
}

/** Builds the definition a new region starts with (validated later, through the rendered file). */
export function newRegionDefinition(options: NewRegionOptions): RegionDefinition {
  const { name, provider } = options;
  const nameProblem = dnsLabelProblem(name);
  if (nameProblem) fail('name', name, nameProblem, 'a region name like eu-west-1 (lower case letters, digits, -)');
  if (name === LAB_REGION) fail('name', name, 'is reserved for the local lab', 'another name');
  if (!SCAFFOLD_PROVIDERS.includes(provider)) fail('--provider', provider, 'is not a known provider', `one of: ${SCAFFOLD_PROVIDERS.join(', ')}`);

  const counts: Record<PoolName, number> = {
    ctrl: count('--servers', options.servers, 3, 1),
    run: count('--run', options.run, 2, 0),
    build: count('--build', options.build, 1, 0),
    ops: count('--ops', options.ops, 1, 0),
  };
  const dedicated = new Set(options.dedicated ?? []);
  if (dedicated.size > 0 && provider !== 'hetzner') fail('--dedicated', [...dedicated].join(','), 'needs --provider hetzner', 'no --dedicated for contabo');
  for (const pool of dedicated) {
    if (!(pool in counts)) fail('--dedicated', pool, 'is not a pool', 'a comma-separated list of ctrl, run, build, ops');
    if (counts[pool] === 0) fail('--dedicated', pool, 'names a pool without hosts', 'only pools that have hosts');
  }

  // Contabo assigns its private network (at most a /22, regions/rules.ts): the /22 is a placeholder to replace with
  // what the Contabo panel shows
  const privateText = options.privateCidr ?? (provider === 'contabo' ? '10.0.0.0/22' : '10.0.0.0/16');
  const privateCidr = parseCidr(privateText);
  if (!privateCidr || privateCidr.family !== 4 || privateCidr.hostBitsSet) {
    fail('--private-cidr', privateText, 'is not an IPv4 network', 'e.g. 10.0.0.0/16');
  }
  if (privateCidr.prefix > (dedicated.size > 0 ? 23 : 24)) {
    fail('--private-cidr', privateText, 'is too small', dedicated.size > 0 ? 'a /23 or larger (the vSwitch takes the second /24)' : 'a /24 or larger');
  }
  // the vSwitch subnet is the second /24 of the private network
  const vswitchCidr: Cidr | undefined = dedicated.size > 0 ? { family: 4, network: privateCidr.network + 256n, prefix: 24, hostBitsSet: false } : undefined;

  const hostProvider = (pool: PoolName): Provider =>
    provider === 'contabo' ? 'contabo' : dedicated.has(pool) ? 'hetzner-robot' : 'hetzner-cloud';
  const publicRange = mustParseCidr(provider === 'contabo' ? '192.0.2.0/24' : '203.0.113.0/24');

  const pools: Partial<Record<PoolName, PoolDefinition>> = {};
  for (const pool of ['ctrl', 'run', 'build', 'ops'] as const) {
    if (counts[pool] === 0) continue;
    const hosts: HostDefinition[] = [];
    for (let i = 1; i <= counts[pool]; i++) {
      const offset = POOL_OFFSET[pool] + i;
      const subnet = hostProvider(pool) === 'hetzner-robot' && vswitchCidr ? vswitchCidr : privateCidr;
      hosts.push({
        name: `${pool}-${i}`,
        provider: hostProvider(pool),
        publicIp: formatIp(cidrHost(publicRange, offset)),
        privateIp: formatIp(cidrHost(subnet, offset)),
      });
    }
    const taints = taintsOf(pool, counts.ctrl);
    pools[pool] = { ...(taints.length > 0 ? { taints } : {}), hosts };
  }
  const ctrl = pools.ctrl;
  if (!ctrl) throw new Error('unreachable: --servers is at least 1');

  const domain = options.domain ?? `${name}.example`;
  const title = provider === 'contabo' ? 'Contabo (VPS, private network)' : dedicated.size > 0 ? 'Hetzner (Cloud + dedicated via vSwitch)' : 'Hetzner Cloud';
  return {
    name,
    description: `${title}; TODO(person): location`,
    // first contact as the provider's root login (npm run play -- <region> first-contact), then every run as deploy
    ssh: { user: options.sshUser ?? 'deploy', initialUser: 'root', port: 22 },
    network: {
      privateCidr: formatCidr(privateCidr),
      ...(vswitchCidr
        ? { vswitch: { vlanId: 4000, cidr: formatCidr(vswitchCidr), gateway: formatIp(cidrHost(vswitchCidr, 1)), mtu: 1400 } }
        : {}),
      clusterCidr: '10.42.0.0/16',
      serviceCidr: '10.43.0.0/16',
      adminCidrs: [...(options.adminCidrs ?? ['198.51.100.0/28'])],
      loadBalancerIps: [formatIp(cidrHost(publicRange, 10))],
      cloudflareCidrs: [...CLOUDFLARE_IPV4],
    },
    k3s: { flannelBackend: 'wireguard-native' },
    pools: { ...pools, ctrl },
    platform: {
      domain,
      acmeEmail: options.acmeEmail ?? `ops@${domain}`,
      storageClasses: ['local-path'],
      gitea: { database: { type: 'sqlite3' }, defaultOrg: 'platform' },
      woodpecker: { admins: ['platform-admin'] },
      rdevApi: {
        database: { host: 'postgres.databases.svc.cluster.local:5432', podLabels: { 'app.kubernetes.io/name': 'postgresql' }, name: 'rdev', user: 'rdev', sslMode: 'disable' },
      },
    },
  };
}

/* ------------------------------------------------------------------ rendering */

/** A TypeScript single-quoted string literal. */
function tsString(value: unknown): string {
  return `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

let handlebars: typeof Handlebars | undefined;
function engine(): typeof Handlebars {
  if (!handlebars) {
    handlebars = Handlebars.create();
    handlebars.registerHelper('str', (value: unknown) => tsString(value));
    handlebars.registerHelper('list', (values: readonly unknown[]) => values.map(tsString).join(', '));
  }
  return handlebars;
}

/** The one way templates/ are read: strict (a missing field throws) and noEscape (the output is code, not HTML). */
export async function renderTemplate(file: string, data: object): Promise<string> {
  const source = await readFile(join(TEMPLATES_DIR, file), 'utf8');
  return engine().compile(source, { strict: true, noEscape: true })(data);
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function typesImportFrom(dir: string): string {
  const rel = relative(dir, join(REGIONS_DIR, 'types')).split('\\').join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

function commandOf(options: NewRegionOptions): string {
  const parts = [options.name, '--provider', options.provider];
  if (options.domain !== undefined) parts.push('--domain', options.domain);
  if (options.servers !== undefined) parts.push('--servers', String(options.servers));
  for (const pool of ['run', 'build', 'ops'] as const) if (options[pool] !== undefined) parts.push(`--${pool}`, String(options[pool]));
  if (options.dedicated?.length) parts.push('--dedicated', options.dedicated.join(','));
  return parts.join(' ');
}

async function renderRegion(definition: RegionDefinition, typesImport: string, command: string): Promise<string> {
  const d = definition;
  const provider = d.pools.ctrl.hosts[0]?.provider;
  return renderTemplate('region.ts.hbs', {
    name: d.name,
    title: d.description?.replace(/; TODO\(person\).*$/, '') ?? d.name,
    command,
    typesImport,
    description: d.description ?? '',
    sshUser: d.ssh?.user ?? 'deploy',
    privateNetworkHelp:
      provider === 'contabo'
        ? 'the range of the Contabo private network (Customer Control Panel > Private Networks).'
        : 'the range of the Hetzner Cloud network the machines are attached to (Hetzner Cloud > Networks).',
    privateCidr: d.network.privateCidr,
    vswitch: d.network.vswitch ?? false,
    clusterCidr: d.network.clusterCidr,
    serviceCidr: d.network.serviceCidr,
    adminCidrs: d.network.adminCidrs,
    loadBalancerIps: d.network.loadBalancerIps,
    cloudflareLines: chunk(d.network.cloudflareCidrs, 5),
    pools: (['ctrl', 'run', 'build', 'ops'] as const).flatMap((pool) => {
      const p = d.pools[pool];
      if (!p) return [];
      return [
        {
          name: pool,
          help: POOL_HELP[pool],
          taints: (p.taints ?? []).map((t) => ({ key: t.key, value: t.value ?? false, effect: t.effect })),
          hosts: p.hosts,
        },
      ];
    }),
    domain: d.platform.domain,
    acmeEmail: d.platform.acmeEmail,
    defaultOrg: d.platform.gitea.defaultOrg,
    woodpeckerAdmins: d.platform.woodpecker.admins,
  });
}

/** Renders both files for a new region (nothing is checked or written yet). */
export async function planNewRegion(options: NewRegionOptions): Promise<ScaffoldPlan> {
  const definition = newRegionDefinition(options);
  const regionsDir = resolve(options.regionsDir ?? REGIONS_DIR);
  const command = options.command ?? commandOf(options);
  return {
    name: definition.name,
    regionsDir,
    definition,
    files: [
      { path: join(regionsDir, `${definition.name}.ts`), content: await renderRegion(definition, typesImportFrom(regionsDir), command) },
      { path: join(regionsDir, `${definition.name}.known_hosts`), content: await renderTemplate('known_hosts.hbs', { name: definition.name }) },
    ],
  };
}

/**
 * Imports the rendered region file exactly as it will be written (from a temp dir, its types import
 * re-pointed) and resolves it; throws RegionValidationError when the result is not a valid region.
 */
export async function verifyPlan(plan: ScaffoldPlan): Promise<Region> {
  const regionFile = plan.files[0];
  if (!regionFile) throw new Error('unreachable: a plan has a region file');
  const dir = await mkdtemp(join(tmpdir(), 'new-region-'));
  try {
    const text = regionFile.content.replace(
      `from ${tsString(typesImportFrom(plan.regionsDir))};`,
      `from ${tsString(typesImportFrom(dir))};`,
    );
    const file = join(dir, `${plan.name}.ts`);
    await writeFile(file, text);
    const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
    return resolveRegion(mod.default, relative(REPO_ROOT, regionFile.path), {
      expectedName: plan.name,
      defaultKnownHostsPath: join(plan.regionsDir, `${plan.name}.known_hosts`),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** Scaffolds a region: plan, refuse existing files, verify, then create both files exclusively. */
export async function createNewRegion(options: NewRegionOptions): Promise<{ plan: ScaffoldPlan; region: Region }> {
  const plan = await planNewRegion(options);
  for (const f of plan.files) {
    if (await exists(f.path)) {
      const rel = relative(REPO_ROOT, f.path);
      throw new ScaffoldError(`new-region: ${rel.startsWith('..') ? f.path : rel} already exists (expected a new region name)`);
    }
  }
  const region = await verifyPlan(plan);
  const written: string[] = [];
  try {
    for (const f of plan.files) {
      await writeFile(f.path, f.content, { flag: 'wx' });
      written.push(f.path);
    }
  } catch (error) {
    // leave nothing half-made behind (only files this run created)
    await Promise.all(written.map((p) => unlink(p).catch(() => undefined)));
    throw error;
  }
  return { plan, region };
}
