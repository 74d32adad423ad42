/**
 * Cross-field rules of a region definition, run after the JSON Schema (regions/region.schema.json).
 *
 * The rules read the definition defensively (as `unknown`): a value of the wrong shape is skipped here
 * because the schema already reported it, so one load reports schema and rule issues together.
 * Every issue names the path, the bad value, what was expected and, where useful, the fix.
 */
import {
  configUnsafeProblem,
  dnsLabelProblem,
  dnsNameProblem,
  durationProblem,
  emailProblem,
  kubeletLabelProblem,
  labelValueProblem,
  pinnedImageProblem,
  pinnedVersionProblem,
  qualifiedNameProblem,
  quantityProblem,
  urlProblem,
} from './formats';
import {
  cidrHost,
  contains,
  formatCidr,
  formatIp,
  isPrivate,
  overlaps,
  parseCidr,
  parseIp,
  type Cidr,
  type IpAddress,
} from './net';
import { optInsOf } from './opt-ins';
import { pathOf, type RegionIssue } from './region-error';
import { checkAddresses, checkAllowLists, checkPorts, checkRanges, type OptInUse } from './rules-network';
import { checkGiteaDatabase, checkRdevApiDatabase } from './rules-database';
import { checkCertificates, checkOptIns, checkScheduling, checkUnitsAndVersions } from './rules-platform';
import { POOL_LABEL, POOL_NAMES, type PoolName } from './types';
import { kubernetesMinorOf, SUPPORTED_KUBERNETES_MINORS } from './upstream';
import { COMPONENTS, K3S_RELEASES, k3sRelease, VERSION_NAMES, type VersionName } from './versions';

type Rec = Record<string, unknown>;

function rec(x: unknown): Rec | undefined {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Rec) : undefined;
}

function arr(x: unknown): readonly unknown[] | undefined {
  return Array.isArray(x) ? x : undefined;
}

function str(x: unknown): string | undefined {
  return typeof x === 'string' ? x : undefined;
}

type Segment = string | number;

interface Issue {
  readonly path: readonly Segment[];
  readonly value: unknown;
  readonly problem: string;
  readonly expected: string;
  readonly fix?: string;
}

class Collector {
  readonly issues: Issue[] = [];
  add(path: readonly Segment[], value: unknown, problem: string, expected: string, fix?: string): void {
    this.issues.push({ path, value, problem, expected, ...(fix !== undefined ? { fix } : {}) });
  }
}

interface HostRef {
  readonly pool: PoolName;
  readonly path: readonly Segment[];
  readonly raw: Rec;
  readonly name?: string;
  readonly provider?: string;
}

function hostsOf(def: Rec): HostRef[] {
  const pools = rec(def.pools);
  if (!pools) return [];
  const out: HostRef[] = [];
  for (const pool of POOL_NAMES) {
    const hosts = arr(rec(pools[pool])?.hosts);
    hosts?.forEach((h, i) => {
      const raw = rec(h);
      if (!raw) return;
      const name = str(raw.name);
      const provider = str(raw.provider);
      out.push({
        pool,
        path: ['pools', pool, 'hosts', i],
        raw,
        ...(name !== undefined ? { name } : {}),
        ...(provider !== undefined ? { provider } : {}),
      });
    });
  }
  return out;
}

/* ------------------------------------------------------------------ strings */

const CONFIG_SAFE_EXPECTED = 'a single-line value without quotes, backslashes, $ or control characters';
const CONFIG_SAFE_FIX =
  'remove the character: region values are written into config files (app.ini, config.json, config.yaml, systemd units) where it would break quoting or inject settings';

/**
 * Every string anywhere in the definition must be config-safe. `description` is free text shown in
 * summaries (never written into a config file), so it only has to be one line without control characters.
 */
function checkStrings(value: unknown, path: Segment[], c: Collector): void {
  if (typeof value === 'string') {
    if (path.length === 1 && path[0] === 'description') {
      const problem = configUnsafeProblem(value.replace(/["'`\\$]/g, ''));
      if (problem) c.add(path, value, problem, 'one line of text without control characters');
      return;
    }
    const problem = configUnsafeProblem(value);
    if (problem) c.add(path, value, problem, CONFIG_SAFE_EXPECTED, CONFIG_SAFE_FIX);
    return;
  }
  const list = arr(value);
  if (list) {
    list.forEach((v, i) => checkStrings(v, [...path, i], c));
    return;
  }
  const r = rec(value);
  if (r) for (const [k, v] of Object.entries(r)) checkStrings(v, [...path, k], c);
}

/* ------------------------------------------------------------------ hosts */

function checkHosts(def: Rec, c: Collector): void {
  const hosts = hostsOf(def);
  const network = rec(def.network);
  const privateCidr = validCidr(network?.privateCidr, 4);
  const vswitch = rec(network?.vswitch);
  const vswitchCidr = validCidr(vswitch?.cidr, 4);
  const gateway = typeof vswitch?.gateway === 'string' ? parseIp(vswitch.gateway) : undefined;

  const names = new Map<string, HostRef>();
  const addresses = new Map<string, { path: readonly Segment[]; host: HostRef }>();

  // Contabo's private network: Contabo assigns the addresses from a network of at most a /22 (the panel shows the
  // network and each VPS's address); it is not routed to Hetzner's, so a region's private network is one provider's.
  const contabo = hosts.filter((h) => h.provider === 'contabo');
  if (contabo.length > 0) {
    if (privateCidr && privateCidr.prefix < CONTABO_MAX_PREFIX) {
      c.add(['network', 'privateCidr'], network?.privateCidr, `is larger than a /${CONTABO_MAX_PREFIX}, but Contabo's private network is at most a /${CONTABO_MAX_PREFIX} and Contabo assigns its addresses`, `the network the Contabo panel shows for the private network (e.g. 10.0.0.0/22)`, "copy the network and each VPS's private address from the Contabo customer panel");
    }
    const other = hosts.find((h) => h.provider !== undefined && h.provider !== 'contabo');
    if (other) {
      c.add([...other.path, 'provider'], other.provider, `shares the private network with Contabo hosts (${contabo.map((h) => h.name).join(', ')})`, 'one provider per region: a Contabo private network reaches only Contabo VPS', 'put the Hetzner and the Contabo machines in separate regions');
    }
  }

  for (const host of hosts) {
    const { raw, path } = host;
    if (host.name !== undefined) {
      const problem = dnsLabelProblem(host.name);
      if (problem) {
        c.add([...path, 'name'], host.name, problem, 'e.g. ctrl-1 (lower case letters, digits, -)');
      }
      const first = names.get(host.name);
      if (first) {
        c.add([...path, 'name'], host.name, `is already the name of ${pathOf(...first.path)}`, 'a host name unique in the region', 'rename one of the hosts');
      } else names.set(host.name, host);
    }

    const publicIp = str(raw.publicIp);
    const privateIp = str(raw.privateIp);
    let pub: IpAddress | undefined;
    let priv: IpAddress | undefined;
    if (publicIp !== undefined) {
      pub = parseIp(publicIp);
      if (!pub) c.add([...path, 'publicIp'], publicIp, 'is not an IP address', 'e.g. 203.0.113.11 or 2001:db8::11');
    }
    if (privateIp !== undefined) {
      priv = parseIp(privateIp);
      if (!priv || priv.family !== 4) {
        c.add([...path, 'privateIp'], privateIp, 'is not an IPv4 address', 'e.g. 10.0.1.12');
        priv = undefined;
      }
    }

    for (const [field, ip] of [['publicIp', pub], ['privateIp', priv]] as const) {
      if (!ip) continue;
      const key = formatIp(ip);
      const first = addresses.get(key);
      const at: readonly Segment[] = [...path, field];
      if (first) {
        const owner = first.host.name !== undefined ? ` (${first.host.name})` : '';
        c.add(at, raw[field], `is already used by ${pathOf(...first.path)}${owner}`, 'an address no other host uses', 'every public and private address must belong to exactly one host');
      } else addresses.set(key, { path: at, host });
    }

    if (priv && privateCidr) {
      if (!contains(privateCidr, priv)) {
        c.add([...path, 'privateIp'], privateIp, `is outside network.privateCidr ${formatCidr(privateCidr)}`, `an address inside ${formatCidr(privateCidr)}`, 'change the address or widen network.privateCidr');
      } else if (isNetworkOrBroadcast(privateCidr, priv)) {
        c.add([...path, 'privateIp'], privateIp, `is the network or broadcast address of ${formatCidr(privateCidr)}`, 'a host address');
      }
    }

    if (host.provider === 'hetzner-robot') {
      if (!vswitch) {
        c.add([...path, 'provider'], host.provider, 'needs a vSwitch but network.vswitch is not set', 'network.vswitch { vlanId, cidr, gateway } for dedicated machines', 'add network.vswitch (Hetzner Robot > vSwitches) or use hetzner-cloud for this host');
      } else if (priv && vswitchCidr && !contains(vswitchCidr, priv)) {
        c.add([...path, 'privateIp'], privateIp, `is outside the vSwitch subnet ${formatCidr(vswitchCidr)}`, `a hetzner-robot host address inside network.vswitch.cidr ${formatCidr(vswitchCidr)}`, 'dedicated machines reach the cloud network only through the vSwitch subnet');
      }
    } else if (priv && vswitchCidr && contains(vswitchCidr, priv) && (host.provider === 'hetzner-cloud' || host.provider === 'contabo')) {
      c.add([...path, 'privateIp'], privateIp, `is inside the vSwitch subnet ${formatCidr(vswitchCidr)} but the host is ${host.provider}`, `an address outside ${formatCidr(vswitchCidr)} (that subnet belongs to hetzner-robot hosts)`);
    }
    if (priv && gateway && gateway.family === 4 && gateway.value === priv.value) {
      c.add([...path, 'privateIp'], privateIp, 'is the vSwitch gateway address', 'an address other than network.vswitch.gateway');
    }
  }
}

/** Contabo private networks are at most a /22 (Contabo assigns the addresses from it). */
export const CONTABO_MAX_PREFIX = 22;

function isNetworkOrBroadcast(cidr: Cidr, ip: IpAddress): boolean {
  if (cidr.family !== 4 || cidr.prefix >= 31) return false;
  return ip.value === cidr.network || ip.value === cidrHost(cidr, -1).value;
}

/* ------------------------------------------------------------------ pools */

function checkPools(def: Rec, c: Collector): void {
  const pools = rec(def.pools);
  if (!pools) return;
  for (const pool of POOL_NAMES) {
    const p = rec(pools[pool]);
    if (!p) continue;
    const hosts = arr(p.hosts);
    if (hosts && hosts.length === 0) {
      if (pool === 'ctrl') {
        c.add(['pools', 'ctrl', 'hosts'], hosts, 'has no hosts', 'at least one k3s server (1, 3 or 5)', 'add a host to pools.ctrl');
      } else {
        c.add(['pools', pool, 'hosts'], hosts, 'is an empty pool', 'at least one host, or no pool', `omit pools.${pool} when it has no hosts`);
      }
    }
    if (pool === 'ctrl' && hosts && hosts.length > 0 && hosts.length % 2 === 0) {
      const names = hosts.map((h) => rec(h)?.name);
      c.add(['pools', 'ctrl', 'hosts'], names, `has ${hosts.length} servers, an even number`, 'an odd number of k3s servers (1, 3 or 5) for embedded etcd quorum', `etcd needs a majority: ${hosts.length} servers tolerate no more failures than ${hosts.length - 1}; add one or move one to another pool`);
    }
    checkLabels(p.labels, ['pools', pool, 'labels'], c);
    checkTaints(p.taints, ['pools', pool, 'taints'], c);
    hosts?.forEach((h, i) => checkLabels(rec(h)?.labels, ['pools', pool, 'hosts', i, 'labels'], c));
  }
}

function checkLabels(labels: unknown, path: readonly Segment[], c: Collector): void {
  const r = rec(labels);
  if (!r) return;
  for (const [key, value] of Object.entries(r)) {
    const at = [...path, key];
    if (key === POOL_LABEL) {
      c.add(at, value, `sets ${POOL_LABEL}, which is added automatically`, 'no pool label in labels', `remove it: every node gets ${POOL_LABEL}=<pool> from the pool it is listed in`);
      continue;
    }
    const keyProblem = qualifiedNameProblem(key) ?? kubeletLabelProblem(key);
    if (keyProblem) {
      c.add(at, undefined, keyProblem, 'a label key like platform/storage (prefix/name)', kubeletLabelProblem(key) ? 'use a prefix of your own, e.g. platform/<name>' : undefined);
    }
    if (typeof value === 'string') {
      const valueProblem = labelValueProblem(value);
      if (valueProblem) c.add(at, value, valueProblem, 'up to 63 of A-Z a-z 0-9 - _ . starting and ending alphanumeric');
    }
  }
}

function checkTaints(taints: unknown, path: readonly Segment[], c: Collector): void {
  const list = arr(taints);
  if (!list) return;
  const seen = new Set<string>();
  list.forEach((t, i) => {
    const taint = rec(t);
    if (!taint) return;
    const key = str(taint.key);
    if (key !== undefined) {
      const problem = qualifiedNameProblem(key);
      if (problem) c.add([...path, i, 'key'], key, problem, 'a taint key like platform/run');
      const id = `${key}:${String(taint.effect)}`;
      if (seen.has(id)) c.add([...path, i], key, `repeats the taint ${key} with effect ${String(taint.effect)}`, 'each key and effect once');
      seen.add(id);
    }
    const value = str(taint.value);
    if (value !== undefined) {
      const problem = labelValueProblem(value);
      if (problem) c.add([...path, i, 'value'], value, problem.replace('label', 'taint'), 'up to 63 of A-Z a-z 0-9 - _ . starting and ending alphanumeric');
    }
  });
}

/* ------------------------------------------------------------------ network */

/** Parses a CIDR of the wanted family without reporting; undefined when not usable. */
function validCidr(x: unknown, family?: 4 | 6): Cidr | undefined {
  if (typeof x !== 'string') return undefined;
  const cidr = parseCidr(x);
  if (!cidr || (family !== undefined && cidr.family !== family)) return undefined;
  return cidr;
}

/** Reports a CIDR field that does not parse, has the wrong family or has host bits set; returns it when usable. */
function checkCidr(value: unknown, path: readonly Segment[], c: Collector, opts: { family?: 4; example: string }): Cidr | undefined {
  if (typeof value !== 'string') return undefined;
  const cidr = parseCidr(value);
  if (!cidr) {
    const ip = parseIp(value);
    if (ip) {
      c.add(path, value, 'is an address, not a CIDR', `e.g. ${opts.example}`, `write ${value}/${ip.family === 4 ? 32 : 128} for a single address`);
    } else {
      c.add(path, value, opts.family === 4 ? 'is not an IPv4 CIDR' : 'is not a CIDR', `e.g. ${opts.example}`);
    }
    return undefined;
  }
  if (opts.family !== undefined && cidr.family !== opts.family) {
    c.add(path, value, 'is an IPv6 CIDR', `an IPv4 CIDR, e.g. ${opts.example}`);
    return undefined;
  }
  if (cidr.hostBitsSet) {
    c.add(path, value, 'has host bits set', formatCidr(cidr), `write ${formatCidr(cidr)}`);
  }
  return cidr;
}

function checkNetwork(def: Rec, c: Collector): void {
  const network = rec(def.network);
  if (!network) return;
  const named: [string, Cidr][] = [];
  const examples: Record<string, string> = { privateCidr: '10.0.0.0/16', clusterCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/16' };
  for (const field of ['privateCidr', 'clusterCidr', 'serviceCidr'] as const) {
    const cidr = checkCidr(network[field], ['network', field], c, { family: 4, example: examples[field] ?? '' });
    if (!cidr) continue;
    if (!isPrivate(cidr)) {
      c.add(['network', field], network[field], 'is not a private range', 'a range inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10');
    }
    named.push([field, cidr]);
  }
  for (let i = 0; i < named.length; i++) {
    for (let j = i + 1; j < named.length; j++) {
      const [a, ca] = named[i] as [string, Cidr];
      const [b, cb] = named[j] as [string, Cidr];
      if (overlaps(ca, cb)) {
        c.add(['network', b], network[b], `overlaps network.${a} ${formatCidr(ca)}`, `a range disjoint from network.${a}`, 'host, pod and service networks must be separate ranges or routing breaks; e.g. 10.0.0.0/16, 10.42.0.0/16, 10.43.0.0/16');
      }
    }
  }

  const privateCidr = named.find(([n]) => n === 'privateCidr')?.[1];
  const vswitch = rec(network.vswitch);
  if (vswitch) {
    const cidr = checkCidr(vswitch.cidr, ['network', 'vswitch', 'cidr'], c, { family: 4, example: '10.0.1.0/24' });
    if (cidr && privateCidr && !contains(privateCidr, cidr)) {
      c.add(['network', 'vswitch', 'cidr'], vswitch.cidr, `is not inside network.privateCidr ${formatCidr(privateCidr)}`, `a subnet of ${formatCidr(privateCidr)}`, 'the vSwitch subnet is a subnet of the cloud network (Hetzner Cloud > Networks > Add subnet, type vSwitch)');
    }
    const gateway = str(vswitch.gateway);
    if (gateway !== undefined) {
      const ip = parseIp(gateway);
      if (!ip || ip.family !== 4) c.add(['network', 'vswitch', 'gateway'], gateway, 'is not an IPv4 address', 'e.g. 10.0.1.1');
      else if (cidr && !contains(cidr, ip)) c.add(['network', 'vswitch', 'gateway'], gateway, `is outside network.vswitch.cidr ${formatCidr(cidr)}`, `an address inside ${formatCidr(cidr)} (usually its first address)`);
      else if (cidr && isNetworkOrBroadcast(cidr, ip)) c.add(['network', 'vswitch', 'gateway'], gateway, `is the network or broadcast address of ${formatCidr(cidr)}`, `usually the first host address, ${formatIp(cidrHost(cidr, 1))}`);
    }
  }

  // How wide an allow-list may be, and whether it may cover the cluster networks: regions/rules-network.ts.
  arr(network.adminCidrs)?.forEach((v, i) => {
    checkCidr(v, ['network', 'adminCidrs', i], c, { example: '198.51.100.0/28' });
  });
  const adminCidrs = arr(network.adminCidrs);
  if (adminCidrs && adminCidrs.length === 0) {
    c.add(['network', 'adminCidrs'], adminCidrs, 'is empty', 'at least one CIDR allowed to SSH, e.g. 198.51.100.7/32', 'the firewall only admits SSH from these; an empty list locks the runner out');
  }
  arr(network.cloudflareCidrs)?.forEach((v, i) => {
    checkCidr(v, ['network', 'cloudflareCidrs', i], c, { example: '173.245.48.0/20' });
  });
  arr(network.loadBalancerIps)?.forEach((v, i) => {
    if (typeof v === 'string' && !parseIp(v)) c.add(['network', 'loadBalancerIps', i], v, 'is not an IP address', 'e.g. 203.0.113.10');
  });
}

/* ------------------------------------------------------------------ k3s and versions */

function checkVersion(value: unknown, name: VersionName, c: Collector): void {
  if (typeof value !== 'string') return;
  const info = COMPONENTS[name];
  const problem = pinnedVersionProblem(value, info.pattern);
  if (problem) c.add(['versions', name], value, problem, `e.g. ${info.example}`, `pin an exact release from ${info.releases}, or leave versions.${name} out to follow regions/versions.ts`);
}

/** Pins a region overrides (regions/versions.ts has the defaults, which a test checks the same way). */
function checkVersions(def: Rec, c: Collector): void {
  const versions = rec(def.versions);
  if (versions) {
    for (const name of VERSION_NAMES) if (name !== 'rdevApi') checkVersion(versions[name], name, c);
    if (typeof versions.rdevApi === 'string') {
      const problem = pinnedImageProblem(versions.rdevApi);
      if (problem) {
        c.add(['versions', 'rdevApi'], versions.rdevApi, problem, 'an image pinned by tag or digest, e.g. ghcr.io/orchard9/rdev-api:v0.10.25', 'use a release tag or @sha256:<digest> so every apply runs the same image');
      }
    }
    const k3s = versions.k3s;
    const minor = typeof k3s === 'string' ? kubernetesMinorOf(k3s) : undefined;
    const supported = minor !== undefined && minor >= SUPPORTED_KUBERNETES_MINORS.from && minor <= SUPPORTED_KUBERNETES_MINORS.to;
    // (a minor outside the supported range has its own issue, regions/rules-platform.ts)
    if (typeof k3s === 'string' && supported && !pinnedVersionProblem(k3s, COMPONENTS.k3s.pattern) && !k3sRelease(k3s)) {
      c.add(
        ['versions', 'k3s'],
        k3s,
        'is not in the k3s release table',
        `one of ${Object.keys(K3S_RELEASES).join(', ')}`,
        'add its row to K3S_RELEASES in regions/versions.ts from the release notes (embedded containerd decides the gVisor config template)',
      );
    }
  }
  const k3s = rec(def.k3s);
  if (k3s && typeof k3s.mirrorUrl === 'string') {
    const problem = urlProblem(k3s.mirrorUrl, ['https', 'http']);
    if (problem) c.add(['k3s', 'mirrorUrl'], k3s.mirrorUrl, problem, 'e.g. https://mirror.example.com/k3s');
  }
}

/* ------------------------------------------------------------------ platform */

const RESERVED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

function checkPlatform(def: Rec, c: Collector): void {
  const platform = rec(def.platform);
  if (!platform) return;
  const domain = str(platform.domain);
  if (domain !== undefined) {
    const problem = dnsNameProblem(domain, 2);
    if (problem) c.add(['platform', 'domain'], domain, problem, 'a domain like threesix.example (lower case, at least two labels)');
  }
  if (typeof platform.acmeEmail === 'string') {
    const problem = emailProblem(platform.acmeEmail);
    if (problem) c.add(['platform', 'acmeEmail'], platform.acmeEmail, problem, 'e.g. ops@threesix.example');
  }
  if (typeof platform.acmeServer === 'string') {
    const problem = urlProblem(platform.acmeServer, ['https']);
    if (problem) c.add(['platform', 'acmeServer'], platform.acmeServer, problem, 'e.g. https://acme-v02.api.letsencrypt.org/directory');
  }

  const namespaces: [string, string][] = [];
  for (const [field, fallback] of [['namespace', 'platform'], ['projectsNamespace', 'projects']] as const) {
    const value = platform[field];
    if (value !== undefined && typeof value !== 'string') continue;
    const ns = value ?? fallback;
    const problem = dnsLabelProblem(ns);
    if (problem) c.add(['platform', field], ns, problem, `a namespace name like ${fallback}`);
    else if (RESERVED_NAMESPACES.has(ns)) c.add(['platform', field], ns, 'is a namespace Kubernetes reserves', `a namespace of the platform's own, e.g. ${fallback}`);
    namespaces.push([field, ns]);
  }
  if (namespaces.length === 2 && namespaces[0]?.[1] === namespaces[1]?.[1]) {
    c.add(['platform', 'projectsNamespace'], namespaces[1]?.[1], 'is the same as platform.namespace', 'separate namespaces for the platform and for tenant projects', 'tenant isolation policies apply to the whole projects namespace');
  }

  const classes = arr(platform.storageClasses);
  if (classes) {
    if (classes.length === 0) c.add(['platform', 'storageClasses'], classes, 'is empty', "at least one storage class that exists on the cluster, e.g. ['local-path']");
    const seen = new Set<string>();
    classes.forEach((v, i) => {
      if (typeof v !== 'string') return;
      const problem = dnsNameProblem(v);
      if (problem) c.add(['platform', 'storageClasses', i], v, problem.replace('DNS name', 'storage class name'), 'e.g. local-path');
      if (seen.has(v)) c.add(['platform', 'storageClasses', i], v, 'is listed twice', 'each storage class once');
      seen.add(v);
    });
  }

  const gitea = rec(platform.gitea);
  const zot = rec(platform.zot);
  const woodpecker = rec(platform.woodpecker);
  const rdevApi = rec(platform.rdevApi);

  const sizes: [Rec | undefined, string, string][] = [
    [gitea, 'gitea', 'storageSize'],
    [zot, 'zot', 'storageSize'],
    [woodpecker, 'woodpecker', 'storageSize'],
    [woodpecker, 'woodpecker', 'buildVolumeSize'],
  ];
  for (const [owner, app, field] of sizes) {
    const v = owner?.[field];
    if (typeof v !== 'string') continue;
    const problem = quantityProblem(v);
    if (problem) c.add(['platform', app, field], v, problem, 'a size like 20Gi or 500Mi');
  }
  if (typeof zot?.gcDelay === 'string') {
    const problem = durationProblem(zot.gcDelay);
    if (problem) c.add(['platform', 'zot', 'gcDelay'], zot.gcDelay, problem, 'e.g. 1h or 30m');
  }

  const db = rec(gitea?.database);
  if (db?.type === 'postgres' && typeof db.host === 'string') {
    const problem = hostPortProblem(db.host);
    if (problem) c.add(['platform', 'gitea', 'database', 'host'], db.host, problem, 'host:port, e.g. postgres.databases.svc.cluster.local:5432');
  }

  // platform host names: valid DNS names and distinct (after defaults)
  const hosts: [string, readonly Segment[], string | undefined][] = [
    ['git', ['platform', 'gitea', 'host'], str(gitea?.host)],
    ['registry', ['platform', 'zot', 'host'], str(zot?.host)],
    ['ci', ['platform', 'woodpecker', 'host'], str(woodpecker?.host)],
    ['rdev', ['platform', 'rdevApi', 'host'], str(rdevApi?.host)],
  ];
  const used = new Map<string, readonly Segment[]>();
  for (const [prefix, path, explicit] of hosts) {
    if (explicit !== undefined) {
      const problem = dnsNameProblem(explicit, 2);
      if (problem) {
        c.add(path, explicit, problem, `a host name like ${prefix}.${domain ?? 'threesix.example'}`);
        continue;
      }
    }
    const effective = explicit ?? (domain !== undefined && dnsNameProblem(domain, 2) === undefined ? `${prefix}.${domain}` : undefined);
    if (effective === undefined) continue;
    const first = used.get(effective);
    if (first) {
      c.add(path, effective, `is also the host of ${pathOf(...first)}`, 'a distinct host name for each of git, registry, ci and rdev', 'each service needs its own Ingress host');
    } else used.set(effective, path);
  }
  if (typeof gitea?.sshHost === 'string') {
    const problem = dnsNameProblem(gitea.sshHost, 2);
    if (problem) c.add(['platform', 'gitea', 'sshHost'], gitea.sshHost, problem, `a host name like git.${domain ?? 'threesix.example'}`);
  }
}

function hostPortProblem(text: string): string | undefined {
  const m = /^(.+):([0-9]{1,5})$/.exec(text);
  if (!m) return 'is not host:port';
  const host = (m[1] ?? '').replace(/^\[(.*)\]$/, '$1');
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return 'has a port outside 1-65535';
  if (!parseIp(host) && dnsNameProblem(host) !== undefined) return 'has a host that is neither a DNS name nor an IP address';
  return undefined;
}

/* ------------------------------------------------------------------ ssh */

function checkSsh(def: Rec, c: Collector): void {
  const ssh = rec(def.ssh);
  if (!ssh) return;
  if (typeof ssh.bastion === 'string') {
    const m = /^(?:([a-z_][a-z0-9_-]{0,31})@)?([^@:\s]+|\[[0-9a-fA-F:]+\])(?::([0-9]{1,5}))?$/.exec(ssh.bastion);
    const host = m?.[2]?.replace(/^\[(.*)\]$/, '$1');
    const port = m?.[3] !== undefined ? Number(m[3]) : 22;
    if (!m || host === undefined || (!parseIp(host) && dnsNameProblem(host) !== undefined) || port < 1 || port > 65535) {
      c.add(['ssh', 'bastion'], ssh.bastion, 'is not a jump host', 'user@host:port, e.g. deploy@bastion.example.com:22 (user and port optional)');
    }
  }
}

/* ------------------------------------------------------------------ entry point */

/** Defaults the rules need to judge a value that is left out (regions/resolve.ts DEFAULTS, passed in to keep imports one-way). */
export interface RuleDefaults {
  /** The git SSH port when platform.gitea.sshPort is not set. */
  readonly giteaSshPort?: number;
}

/**
 * Runs every cross-field rule over a definition (already schema-checked, possibly with schema issues)
 * and returns the issues, in definition order per rule group.
 */
export function checkRegionRules(definition: unknown, region: string, defaults: RuleDefaults = {}): RegionIssue[] {
  const def = rec(definition);
  if (!def) return [];
  const c = new Collector();
  if (typeof def.name === 'string') {
    const problem = dnsLabelProblem(def.name);
    if (problem) c.add(['name'], def.name, problem, 'a region name like eu-central-1 (lower case letters, digits, -)');
  }
  checkSsh(def, c);
  checkNetwork(def, c);
  checkVersions(def, c);
  checkPools(def, c);
  checkHosts(def, c);
  checkPlatform(def, c);
  // What k3s, Kubernetes, the firewall and TLS refuse or silently break (regions/rules-network.ts, rules-platform.ts).
  const optIns = optInsOf(def);
  const used: OptInUse = new Set();
  checkAddresses(def, c);
  checkAllowLists(def, c, optIns, used);
  checkRanges(def, c);
  checkPorts(def, c, defaults.giteaSshPort);
  checkCertificates(def, c);
  checkRdevApiDatabase(def, c);
  checkGiteaDatabase(def, c);
  checkScheduling(def, c);
  checkUnitsAndVersions(def, c);
  checkOptIns(def, c, used);
  checkStrings(def, [], c);
  return c.issues.map((i) => ({
    region,
    path: pathOf(...i.path),
    value: i.value,
    problem: i.problem,
    expected: i.expected,
    ...(i.fix !== undefined ? { fix: i.fix } : {}),
  }));
}
