/**
 * The cluster's state as the servers report it, and the choice of the server every other node joins ("seed").
 * The k3s playbook probes every server first (read-only) and decides before any server is touched:
 *
 *   - no server holds a datastore: a new cluster; the first server of pools.ctrl runs cluster-init;
 *   - otherwise the seed is the first server (region order) that holds data and whose API answers, else the first
 *     that holds data (it starts from its own datastore); every other server joins the seed, so a server that was
 *     reset joins the live cluster instead of starting a second one;
 *   - servers that hold data must agree on the cluster CA (the hash in the secure token k3s writes) and on the
 *     server token (compared as sha256 digests computed on the hosts; the token never leaves them here): a mismatch
 *     means two clusters or a wrong token, and the run stops before anything changes.
 *
 *   const cluster = new K3sCluster();
 *   step('Read the cluster state', clusterState, { store: cluster }),          // every server
 *   step('Choose the join target', clusterDecision, { store: cluster, region }), // one server, after all states
 */
import type { Region } from '../../regions/types';
import { defineFact, ok, pathSubject, Secret, sh, ValidationError, type Fact, type Task } from '../core';
import { K3S_AGENT_TOKEN, K3S_CONFIG, K3S_DATA_DIR, K3S_SERVER_TOKEN } from '../k3s-layout';
import { K3S_KUBECTL } from './k3s-node-metadata';

/** Where k3s writes the secure (CA-pinned) tokens: `K10<sha256 of server-ca.crt>::<user>:<password>` (k3s pkg/server/server.go, pkg/clientaccess/token.go). */
export const K3S_SECURE_SERVER_TOKEN = `${K3S_DATA_DIR}/server/token`;
export const K3S_SECURE_AGENT_TOKEN = `${K3S_DATA_DIR}/server/agent-token`;
/** The embedded etcd datastore of a server (exists once the server ran). */
export const K3S_ETCD_DIR = `${K3S_DATA_DIR}/server/db/etcd`;

export const SECURE_TOKEN = /^K10([0-9a-f]{64})::(server|node):\S+$/;

// sed programs, passed to the shell as quoted words (never written into the sh`` template, whose backslashes would
// be read as JavaScript escapes)
/** The CA hash of a secure token line. */
const CA_HASH_SED = 's/^K10\\([0-9a-f]\\{64\\}\\)::.*/\\1/p';
/** A token line without its `K10<hash>::` and `server:` prefixes: the password. */
const PASSWORD_SED = 's/^K10[0-9a-f]*:://; s/^server://';
/** The URL of a `server: "https://..."` line. */
const SERVER_LINE_SED = 's/^server: "\\{0,1\\}\\(https:[^"]*\\)"\\{0,1\\}$/\\1/p';

export interface ServerState {
  readonly name: string;
  /** The server holds an etcd datastore. */
  readonly hasData: boolean;
  /** systemctl is-active k3s */
  readonly active: string;
  /** Its API answers /readyz. */
  readonly apiReady: boolean;
  /** CA hash of its secure token file (null: none yet). */
  readonly caHash: string | null;
  /** sha256 of the password in /etc/rancher/k3s/server-token (raw or K10 form), computed on the host. */
  readonly tokenDigest: string | null;
  /** How its config.yaml joins now (cluster-init or server:), null without a config. */
  readonly currentJoin: Join | null;
}

export type Join = { readonly init: true } | { readonly init: false; readonly serverUrl: string };

export interface ClusterPlan {
  /** The server that initialises (new cluster) or that every other node joins. */
  readonly seed: string;
  readonly seedUrl: string;
  /** A new cluster: the seed runs cluster-init. */
  readonly init: boolean;
  /**
   * The join lines of each server's config. A server that holds a datastore keeps the lines it has (k3s starts an
   * existing etcd member from its data and ignores server:/cluster-init then), so choosing a new seed restarts no
   * live member; a server without data joins the seed (or, for a new cluster, the seed runs cluster-init).
   */
  readonly joins: ReadonlyMap<string, Join>;
  /** One line for the run's output. */
  readonly summary: string;
}

export class K3sCluster {
  readonly states = new Map<string, ServerState>();
  plan: ClusterPlan | undefined;
  /** Secure tokens read from the seed (K10<ca-hash>::...), and the raw agent token servers define. */
  secureServer: Secret | undefined;
  secureAgent: Secret | undefined;
  rawAgent: Secret | undefined;
  /** The server URL each agent's config.yaml names now (read by agentJoin). */
  readonly agentJoins = new Map<string, string | null>();
  /** API URLs of the servers that hold data and answered at the start of the run. */
  liveUrls = new Set<string>();

  /**
   * The server an agent joins: the one its config names when that server is a live member (an agent needs its
   * server only to connect; rewriting the line would restart it for nothing), else the seed.
   */
  agentServerUrl(agent: string): string | undefined {
    if (!this.plan) return undefined;
    const current = this.agentJoins.get(agent);
    return current && this.liveUrls.has(current) ? current : this.plan.seedUrl;
  }
}

export function clusterStateFact(): Fact<Omit<ServerState, 'name'>> {
  const script = [
    sh`if [ -d ${K3S_ETCD_DIR} ]; then echo data yes; else echo data no; fi`,
    `echo "active $(systemctl is-active k3s 2>/dev/null || true)"`,
    `if systemctl is-active --quiet k3s 2>/dev/null && ${K3S_KUBECTL} get --raw /readyz >/dev/null 2>&1; then echo ready yes; else echo ready no; fi`,
    sh`ca=$(sed -n ${CA_HASH_SED} ${K3S_SECURE_SERVER_TOKEN} 2>/dev/null | head -n 1); echo "ca $ca"`,
    sh`echo "join $(grep -E '^(cluster-init: true|server: )' ${K3S_CONFIG} 2>/dev/null | head -n 1)"`,
    sh`if [ -s ${K3S_SERVER_TOKEN} ]; then d=$(head -n 1 ${K3S_SERVER_TOKEN} | sed ${PASSWORD_SED} | tr -d ${'\\n'} | sha256sum | cut -d' ' -f1); echo "token $d"; else echo token; fi`,
  ].join('\n');
  return defineFact('k3s.cluster-state', script, ({ stdout }) => {
    const v = Object.fromEntries(stdout.split('\n').filter(Boolean).map((l) => [l.split(' ')[0], l.slice(l.indexOf(' ') + 1).trim()]));
    const hex = (s: string | undefined) => (s && /^[0-9a-f]{64}$/.test(s) ? s : null);
    const j = v.join ?? '';
    const server = /^server: "?(https:\/\/[^"\s]+)"?$/.exec(j);
    const currentJoin: Join | null = j === 'cluster-init: true' ? { init: true } : server ? { init: false, serverUrl: server[1]! } : null;
    return { hasData: v.data === 'yes', active: v.active || 'unknown', apiReady: v.ready === 'yes', caHash: hex(v.ca), tokenDigest: hex(v.token), currentJoin };
    // what it reads: the datastore, the k3s service (and its API), the secure token, config.yaml, the server token
  }, { subjects: [pathSubject(K3S_ETCD_DIR), 'unit:k3s.service', pathSubject(K3S_SECURE_SERVER_TOKEN), pathSubject(K3S_CONFIG), pathSubject(K3S_SERVER_TOKEN)] });
}

export const clusterState: Task<{ readonly store: K3sCluster }> = {
  id: 'k3s.cluster-state',
  probes: () => [clusterStateFact()],
  async plan(host, a) {
    const s = { name: host.name, ...(await host.fact(clusterStateFact())) };
    a.store.states.set(host.name, s);
    return ok(`${s.hasData ? 'holds a datastore' : 'no datastore'}, k3s ${s.active}${s.apiReady ? ', API ready' : ''}${s.caHash ? `, CA ${s.caHash.slice(0, 12)}…` : ''}`);
  },
};

const short = (h: string | null) => (h ? `${h.slice(0, 12)}…` : 'none');

/** The seed and mode from the servers' states (pure). Throws when the servers disagree on the cluster. */
export function planCluster(region: Region, states: ReadonlyMap<string, ServerState>): ClusterPlan {
  const servers = region.pools.ctrl ?? [];
  const missing = servers.filter((s) => !states.has(s.name)).map((s) => s.name);
  if (missing.length) {
    throw new ValidationError(`k3s: the state of servers ${missing.join(', ')} is unknown (expected every server of pools.ctrl in the run: do not --limit servers out of a k3s run, and make them reachable; the join target depends on all of them)`);
  }
  const ordered = servers.map((s) => states.get(s.name)!);
  const withData = ordered.filter((s) => s.hasData);
  const url = (name: string) => `https://${servers.find((s) => s.name === name)!.privateIp}:6443`;
  const joinsFor = (seed: string, init: boolean) =>
    new Map<string, Join>(ordered.map((s) => [s.name, s.hasData && s.currentJoin ? s.currentJoin : s.name === seed && init ? { init: true } : s.name === seed ? (s.currentJoin ?? { init: true }) : { init: false, serverUrl: url(seed) }]));
  if (withData.length === 0) {
    const seed = servers[0]!.name;
    return { seed, seedUrl: url(seed), init: true, joins: joinsFor(seed, true), summary: `no server holds a datastore: new cluster, ${seed} runs cluster-init` };
  }
  const cas = [...new Set(withData.map((s) => s.caHash).filter((h): h is string => h !== null))];
  if (cas.length > 1) {
    const list = withData.map((s) => `${s.name} CA ${short(s.caHash)}`).join(', ');
    throw new ValidationError(`k3s: the servers hold different clusters (${list}; expected one cluster CA). Nothing was changed. Fix: decide which cluster survives, reset the servers of the other (npm run play -- ${region.name} reset --limit <them>), then run k3s again`);
  }
  const digests = [...new Set(withData.map((s) => s.tokenDigest).filter((d): d is string => d !== null))];
  if (digests.length > 1) {
    const list = withData.map((s) => `${s.name} token ${short(s.tokenDigest)}`).join(', ');
    throw new ValidationError(`k3s: the servers' join tokens differ (${list}, sha256 of the token; expected one server token, which is also the datastore passphrase). Nothing was changed. Fix: restore /etc/rancher/k3s/server-token on the odd server from the region's token backup`);
  }
  const live = withData.find((s) => s.apiReady);
  const seed = (live ?? withData[0]!).name;
  const fresh = ordered.filter((s) => !s.hasData).map((s) => s.name);
  const why = live ? `${seed} is a live member` : `no member answers; ${seed} starts from its datastore`;
  return { seed, seedUrl: url(seed), init: false, joins: joinsFor(seed, false), summary: `${why}${fresh.length ? `; ${fresh.join(', ')} join it` : ''}` };
}

export const clusterDecision: Task<{ readonly store: K3sCluster; readonly region: Region }> = {
  id: 'k3s.cluster-plan',
  async plan(_host, a) {
    a.store.plan = planCluster(a.region, a.store.states);
    a.store.liveUrls = new Set((a.region.pools.ctrl ?? []).filter((h) => a.store.states.get(h.name)?.hasData && a.store.states.get(h.name)?.apiReady).map((h) => `https://${h.privateIp}:6443`));
    return ok(a.store.plan.summary);
  },
};

function secureTokensFact(): Fact<{ server: string | null; agent: string | null; rawAgent: string | null }> {
  const cmd = sh`for f in ${K3S_SECURE_SERVER_TOKEN} ${K3S_SECURE_AGENT_TOKEN} ${K3S_AGENT_TOKEN}; do if [ -s "$f" ]; then printf 'token '; head -n 1 "$f"; else echo none; fi; done`;
  return defineFact('k3s.secure-tokens', cmd, ({ stdout }) => {
    const [s = '', g = '', r = ''] = stdout.split('\n');
    const val = (line: string) => (line.startsWith('token ') ? line.slice(6).trim() : null);
    return { server: val(s), agent: val(g), rawAgent: val(r) };
  });
}

/**
 * `k3s.read-secure-tokens` (on the seed, once its API answers): the CA-pinned tokens k3s wrote
 * (`K10<sha256 of the cluster CA>::server:…` and `::node:…`), which joining servers and agents use so they refuse
 * a server presenting another CA, and the raw agent token the servers define (agent-token-file). Kept in memory as
 * secrets (redacted from every output).
 */
export const readSecureTokens: Task<{ readonly store: K3sCluster }> = {
  id: 'k3s.read-secure-tokens',
  probes: () => [secureTokensFact()],
  async plan(host, a) {
    const t = await host.fact(secureTokensFact());
    for (const v of [t.server, t.agent, t.rawAgent]) if (v) new Secret(v); // registered for redaction first
    if (!t.server || !t.agent || !t.rawAgent) return ok(`tokens not on ${host.name} yet (k3s writes them when it first starts; a check run before the first real run cannot read them)`);
    for (const [what, v] of [['server', t.server], ['agent', t.agent]] as const) {
      if (!SECURE_TOKEN.test(v)) throw new ValidationError(`k3s on '${host.name}': the ${what} token k3s wrote is not in the secure K10<ca-hash>::<user>:<password> form (expected k3s to write it at start; is this k3s?)`);
    }
    a.store.secureServer = new Secret(t.server);
    a.store.secureAgent = new Secret(t.agent);
    a.store.rawAgent = new Secret(t.rawAgent);
    return ok(`CA-pinned join tokens read from ${host.name} (CA ${SECURE_TOKEN.exec(t.server)![1]!.slice(0, 12)}…; kept in memory, redacted)`);
  },
};

function currentJoinFact(): Fact<string | null> {
  return defineFact('k3s.current-join', sh`sed -n ${SERVER_LINE_SED} ${K3S_CONFIG} 2>/dev/null | head -n 1`, ({ stdout }) => stdout.trim() || null, { subjects: [pathSubject(K3S_CONFIG)] });
}

/** `k3s.current-join` (agents): which server the agent's config.yaml names now; read-only. */
export const agentJoin: Task<{ readonly store: K3sCluster }> = {
  id: 'k3s.current-join',
  probes: () => [currentJoinFact()],
  async plan(host, a) {
    const url = await host.fact(currentJoinFact());
    a.store.agentJoins.set(host.name, url);
    return ok(url ? `joined through ${url}` : 'no config yet');
  },
};
