/**
 * Region rules for the platform's PostgreSQL databases (`platform.rdevApi.database`, and
 * `platform.gitea.database` when it is postgres): where each is must be something a
 * NetworkPolicy can allow exactly (pods of an in-cluster Service by namespace and labels, or fixed addresses), the
 * addresses must be ones a pod's traffic actually reaches (not a ClusterIP, which kube-proxy rewrites before the
 * policy sees it, not a pod address, which changes, not one of the region's own hosts, whose firewall admits no
 * database port), and the password must not cross the internet unencrypted or to an unverified server.
 */
import { qualifiedNameProblem, labelValueProblem } from './formats';
import { IN_CLUSTER_SERVICE, parseDatabaseHost } from './database';
import { contains, formatCidr, isPrivate, normalizeIp, parseCidr, parseIp, type IpAddress } from './net';
import { arr, int, rec, str, type IssueSink, type Rec, type Segment } from './rule-kit';
import { specialAddressProblem } from './rules-network';
import { SYSTEM_NAMESPACES } from './rules-platform';
import { POOL_NAMES } from './types';

/** Which database is judged: its place in the region file, who connects, and its sslmode when none is written. */
interface DatabaseUse {
  readonly path: readonly Segment[];
  /** e.g. `rdev-api` */
  readonly who: string;
  /** The client's sslmode when the region writes none (rdev-api: none, the field is required; Gitea: disable). */
  readonly defaultSslMode?: string;
}

const EXAMPLES = "postgres.databases.svc.cluster.local:5432 (with podLabels), 10.0.0.50:5432, or db.example.com:5432 (with addresses)";

export function checkRdevApiDatabase(def: Rec, c: IssueSink): void {
  const db = rec(rec(rec(def.platform)?.rdevApi)?.database);
  if (db) checkDatabase(def, db, { path: ['platform', 'rdevApi', 'database'], who: 'rdev-api' }, c);
}

export function checkGiteaDatabase(def: Rec, c: IssueSink): void {
  const db = rec(rec(rec(def.platform)?.gitea)?.database);
  if (db && str(db.type) === 'postgres') checkDatabase(def, db, { path: ['platform', 'gitea', 'database'], who: 'Gitea', defaultSslMode: 'disable' }, c);
}

function checkDatabase(def: Rec, db: Rec, use: DatabaseUse, c: IssueSink): void {
  const PATH = use.path;
  const hostText = str(db.host);
  if (hostText === undefined) return;
  const host = parseDatabaseHost(hostText);
  if (!host) {
    c.add([...PATH, 'host'], hostText, 'is not host:port', `host:port with a port 1-65535, e.g. ${EXAMPLES}`, 'write IPv6 addresses in brackets, [2001:db8::5]:5432');
    return;
  }
  const podLabels = rec(db.podLabels);
  const addresses = arr(db.addresses);
  const sslMode = str(db.sslMode) ?? use.defaultSslMode;

  if (host.kind === 'address' || host.kind === 'name') {
    if (db.podLabels !== undefined) c.add([...PATH, 'podLabels'], db.podLabels, `is only for an in-cluster Service, and host ${hostText} is not one`, 'no podLabels', 'remove podLabels, or write the host as <service>.<namespace>.svc.cluster.local:<port>');
    if (db.podPort !== undefined) c.add([...PATH, 'podPort'], db.podPort, `is only for an in-cluster Service, and host ${hostText} is not one`, 'no podPort', 'remove podPort');
  }
  if ((host.kind === 'address' || host.kind === 'service') && db.addresses !== undefined) {
    c.add([...PATH, 'addresses'], db.addresses, `is only for a DNS name outside the cluster, and host ${hostText} is ${host.kind === 'address' ? 'an address itself' : 'in the cluster'}`, 'no addresses', 'remove addresses');
  }

  switch (host.kind) {
    case 'cluster-name':
      c.add([...PATH, 'host'], hostText, 'is a cluster DNS name but not a Service name', '<service>.<namespace>.svc.cluster.local:<port>, e.g. postgres.databases.svc.cluster.local:5432', "name the Service in front of PostgreSQL (a pod's own name, e.g. of a StatefulSet member, changes owner on failover)");
      return;
    case 'service':
      checkService(def, db, host.namespace, podLabels, use, c);
      return;
    case 'address': {
      const ip = parseIp(host.address);
      const seenPublic: string[] = [];
      if (ip) checkAddress(def, [...PATH, 'host'], hostText, ip, seenPublic, c);
      checkTls(sslMode, seenPublic, use, c);
      return;
    }
    case 'name': {
      if (!addresses || addresses.length === 0) {
        c.add([...PATH, 'addresses'], db.addresses, `is missing, and host ${hostText} is a DNS name outside the cluster`, `the addresses ${host.name} resolves to, e.g. ['203.0.113.50']`, "a NetworkPolicy cannot allow a DNS name, only address blocks: list the database's addresses (dig +short " + host.name + '), or use its address as host');
        return;
      }
      const seen = new Set<string>();
      const seenPublic: string[] = [];
      addresses.forEach((a, i) => {
        if (typeof a !== 'string') return;
        const ip = parseIp(a);
        if (!ip) {
          c.add([...PATH, 'addresses', i], a, 'is not an IP address', 'an IPv4 or IPv6 address, e.g. 203.0.113.50', 'write the address alone, without port or prefix length');
          return;
        }
        const norm = normalizeIp(a) ?? a;
        if (seen.has(norm)) c.add([...PATH, 'addresses', i], a, 'is listed twice', 'each address once');
        seen.add(norm);
        checkAddress(def, [...PATH, 'addresses', i], a, ip, seenPublic, c);
      });
      checkTls(sslMode, seenPublic, use, c);
      return;
    }
  }
}

function checkService(def: Rec, db: Rec, namespace: string, podLabels: Rec | undefined, use: DatabaseUse, c: IssueSink): void {
  const PATH = use.path;
  const platform = rec(def.platform);
  const hostText = String(db.host);
  const platformNs = str(platform?.namespace) ?? 'platform';
  const projects = str(platform?.projectsNamespace) ?? 'projects';
  const owner = SYSTEM_NAMESPACES[namespace] ?? (namespace.startsWith('kube-') ? 'Kubernetes (kube-* is reserved)' : undefined);
  if (namespace === platformNs) {
    c.add([...PATH, 'host'], hostText, `is a Service in the platform namespace '${platformNs}'`, 'a Service in a namespace of its own, e.g. postgres.databases.svc.cluster.local:5432', `the platform namespace denies all ingress but the platform's own flows, so PostgreSQL there would refuse ${use.who}; run it in its own namespace`);
  } else if (namespace === projects || namespace.startsWith(`${projects}-`)) {
    c.add([...PATH, 'host'], hostText, `is in namespace '${namespace}', where rdev-api creates tenant projects (platform.projectsNamespace '${projects}')`, 'a Service in a namespace of its own, e.g. postgres.databases.svc.cluster.local:5432', 'tenant namespaces hold untrusted workloads and refuse traffic from the platform; never keep the platform database there');
  } else if (owner) {
    c.add([...PATH, 'host'], hostText, `is in namespace '${namespace}', which belongs to ${owner}`, 'a Service in a namespace of its own, e.g. postgres.databases.svc.cluster.local:5432', 'run PostgreSQL in a namespace of its own');
  }
  if (db.podLabels === undefined) {
    c.add([...PATH, 'podLabels'], undefined, `is missing, and host ${hostText} is an in-cluster Service`, "the labels of the PostgreSQL pods behind the Service, e.g. { 'app.kubernetes.io/name': 'postgresql' }", `a NetworkPolicy selects pods, not Services: copy the Service's selector (kubectl -n ${namespace} get service ${IN_CLUSTER_SERVICE.exec(hostText.replace(/:[0-9]+$/, ''))?.[1] ?? '<service>'} -o jsonpath='{.spec.selector}')`);
  } else if (podLabels) {
    const entries = Object.entries(podLabels);
    if (entries.length === 0) {
      c.add([...PATH, 'podLabels'], podLabels, 'is empty, which would select every pod of the namespace', 'the labels of the PostgreSQL pods (the Service selector)', `copy the Service's selector: ${use.who}'s egress must reach the database pods only`);
    }
    for (const [k, v] of entries) {
      const kp = qualifiedNameProblem(k);
      if (kp) c.add([...PATH, 'podLabels', k], k, kp, 'a label key like app.kubernetes.io/name');
      if (typeof v === 'string') {
        const vp = labelValueProblem(v);
        if (vp) c.add([...PATH, 'podLabels', k], v, vp, 'a label value like postgresql');
      }
    }
  }
  const podPort = int(db.podPort);
  if (podPort !== undefined && hostText.endsWith(`:${podPort}`)) {
    c.add([...PATH, 'podPort'], podPort, 'is the Service port already', 'podPort only when the pods listen on another port than the Service', 'remove podPort');
  }
}

/** Judges one database address; public ones are added to `publicSeen` for the TLS check. */
function checkAddress(def: Rec, path: readonly Segment[], text: string, ip: IpAddress, publicSeen: string[], c: IssueSink): void {
  const special = specialAddressProblem(ip);
  if (special) {
    c.add(path, text, special.problem.replace('which no host can have', 'which no database can have'), 'the database server\'s unicast address', special.fix.replace("the host's", "the database server's"));
    return;
  }
  const network = rec(def.network);
  for (const [field, why] of [
    ['serviceCidr', 'a ClusterIP: kube-proxy rewrites it to a pod address before the NetworkPolicy is evaluated, so an ipBlock for it never matches'],
    ['clusterCidr', 'a pod address, which changes whenever the pod is re-created'],
  ] as const) {
    const cidr = parseCidr(str(network?.[field]) ?? '');
    if (cidr && cidr.family === ip.family && contains(cidr, ip)) {
      c.add(path, text, `is inside network.${field} ${formatCidr(cidr)}: ${why}`, 'an in-cluster Service name with podLabels, or an address outside the cluster', 'write host as <service>.<namespace>.svc.cluster.local:<port> and set podLabels to its selector');
      return;
    }
  }
  const own = regionAddressOwner(def, ip);
  if (own) {
    c.add(path, text, `is ${own}, a machine of this region`, "the address of a database server outside the region's pools, or an in-cluster Service", "the project's host firewall admits no database port on the region's machines and a database beside k3s workloads competes with them; run PostgreSQL in the cluster (a Service) or on a machine of its own");
    return;
  }
  if (!isPrivate(ip)) publicSeen.push(text);
}

function checkTls(sslMode: string | undefined, publicAddresses: readonly string[], use: DatabaseUse, c: IssueSink): void {
  if (publicAddresses.length === 0 || (sslMode !== 'disable' && sslMode !== 'require')) return;
  c.add(
    [...use.path, 'sslMode'],
    sslMode,
    `${sslMode === 'disable' ? 'sends the password and every query unencrypted' : 'encrypts but accepts any server certificate, so a man in the middle reads the password'} across the internet to the public address ${publicAddresses.join(', ')}`,
    'verify-full (or verify-ca) for a database on a public address',
    `set sslMode: 'verify-full' (the server's certificate must be issued for the host name by a CA the ${use.who} image trusts), or reach the database over the private network`,
  );
}

/** `host ctrl-1's privateIp` when the address is one of the region's hosts or load balancers. */
function regionAddressOwner(def: Rec, ip: IpAddress): string | undefined {
  const same = (text: unknown): boolean => {
    const other = typeof text === 'string' ? parseIp(text) : undefined;
    return other !== undefined && other.family === ip.family && other.value === ip.value;
  };
  const pools = rec(def.pools);
  for (const pool of POOL_NAMES) {
    for (const h of arr(rec(pools?.[pool])?.hosts) ?? []) {
      const host = rec(h);
      for (const field of ['privateIp', 'publicIp'] as const) if (same(host?.[field])) return `host ${str(host?.name) ?? '?'}'s ${field}`;
    }
  }
  for (const lb of arr(rec(def.network)?.loadBalancerIps) ?? []) if (same(lb)) return 'a load balancer address (network.loadBalancerIps)';
  return undefined;
}
