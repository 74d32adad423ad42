/**
 * Region rules for what TLS, the scheduler and the pinned releases refuse or silently break: platform
 * hosts the wildcard certificate does not cover, a domain that is an IP address, soft run-pool taints,
 * reserved or identity-claiming node labels, a platform with no pool to run on, namespaces named like
 * system ones, storage sizes without a unit, gVisor releases that are not dates, k3s versions outside
 * the supported range, moving image tags, and opt-ins nothing needs.
 */
import { isMovingName, parseImageReference } from './formats';
import { OPT_IN_NAMES, OPT_INS, type OptInName } from './opt-ins';
import { parseIp } from './net';
import { arr, rec, str, type IssueSink, type Rec, type Segment } from './rule-kit';
import type { RegionIssue } from './region-error';
import { POOL_NAMES, type PoolName } from './types';
import { kubernetesMinorOf, SUPPORTED_KUBERNETES_MINORS } from './upstream';
import type { OptInUse } from './rules-network';

/* ------------------------------------------------------------------ TLS */

/** Whether the text reads as an IP address (dotted quad, IPv6) or has an all-numeric top-level label. */
function looksLikeIp(text: string): boolean {
  if (parseIp(text)) return true;
  const last = text.split('.').at(-1) ?? '';
  return /^[0-9]+$/.test(last);
}

export function checkCertificates(def: Rec, c: IssueSink): void {
  const platform = rec(def.platform);
  const domain = str(platform?.domain);
  if (domain === undefined) return;
  if (looksLikeIp(domain)) {
    c.add(['platform', 'domain'], domain, 'is an IP address (or ends in a numeric label), not a domain', 'a domain you control in DNS, e.g. threesix.example', 'ACME (Let\'s Encrypt DNS-01) issues no certificate for an IP address and *.<ip> is no name; register a domain and point it at the load balancer');
    return;
  }
  const hosts: [string, readonly Segment[]][] = [
    ['gitea', ['platform', 'gitea', 'host']],
    ['zot', ['platform', 'zot', 'host']],
    ['woodpecker', ['platform', 'woodpecker', 'host']],
    ['rdevApi', ['platform', 'rdevApi', 'host']],
  ];
  for (const [app, path] of hosts) {
    const host = str(rec(platform?.[app])?.host);
    if (host === undefined || host === domain) continue;
    if (!host.endsWith(`.${domain}`)) {
      c.add(path, host, `is not under platform.domain ${domain}, so the wildcard certificate (${domain}, *.${domain}) does not cover it`, `one label under the domain, e.g. ${host.split('.')[0] ?? 'git'}.${domain}`, 'the Ingress serves the wildcard certificate of the platform namespace; browsers and git refuse it for another domain');
      continue;
    }
    const rest = host.slice(0, -(domain.length + 1));
    if (rest.includes('.')) {
      c.add(path, host, `is ${rest.split('.').length} levels below platform.domain ${domain}; the wildcard *.${domain} covers exactly one`, `one label under the domain, e.g. ${rest.split('.').join('-')}.${domain}`, 'a wildcard certificate matches a single label (RFC 6125 6.4.3); replace the dots of the prefix by dashes');
    }
  }
}

/* ------------------------------------------------------------------ scheduling */

const HARD_EFFECTS = new Set(['NoSchedule', 'NoExecute']);

/** Namespaces that exist on every cluster or that the platform itself creates; no tenant or platform namespace may take one. */
export const SYSTEM_NAMESPACES: Readonly<Record<string, string>> = {
  default: 'Kubernetes',
  'kube-system': 'Kubernetes (k3s runs Traefik, CoreDNS, ServiceLB and local-path there)',
  'kube-public': 'Kubernetes',
  'kube-node-lease': 'Kubernetes',
  'cert-manager': 'cert-manager (installed by the k3s playbook, templates/cert-manager-helmchart.yaml.hbs)',
  // regions/compose.ts BUILDS_NAMESPACE (test/regions/rules-downstream.test.ts keeps the two equal)
  builds: 'Woodpecker pipeline pods (untrusted builds on the build pool)',
};

export function checkScheduling(def: Rec, c: IssueSink): void {
  const pools = rec(def.pools);
  if (!pools) return;

  // The run pool: hard taints only, and at least one, so only gVisor pods (whose RuntimeClass tolerates them) land there.
  const run = rec(pools.run);
  if (run) {
    const taints = arr(run.taints) ?? [];
    let hard = 0;
    let soft = 0;
    taints.forEach((t, i) => {
      const effect = str(rec(t)?.effect);
      if (effect === undefined) return;
      if (HARD_EFFECTS.has(effect)) hard++;
      else {
        soft++;
        c.add(['pools', 'run', 'taints', i, 'effect'], effect, 'is a soft taint: the scheduler still places pods without the gVisor toleration on tenant nodes when others are full', 'NoSchedule or NoExecute', "tenant nodes must only run gVisor pods; use effect: 'NoSchedule'");
      }
    });
    if (hard === 0 && soft === 0 && arr(run.hosts)?.length) {
      c.add(['pools', 'run', 'taints'], run.taints ?? [], 'has no NoSchedule or NoExecute taint', "a taint like { key: 'platform/run', value: 'gvisor', effect: 'NoSchedule' }", 'without it any pod (platform, builds, runc) can be scheduled next to tenant workloads on the run pool');
    }
  }

  // Node labels that claim another node's identity: kubernetes.io/hostname is the node's own name (k3s sets it).
  const hostNames = new Set<string>();
  for (const pool of POOL_NAMES) arr(rec(pools[pool])?.hosts)?.forEach((h) => { const n = str(rec(h)?.name); if (n !== undefined) hostNames.add(n); });
  for (const pool of POOL_NAMES) {
    const p = rec(pools[pool]);
    if (!p) continue;
    const check = (labels: unknown, path: readonly Segment[], own: string | undefined): void => {
      const value = rec(labels)?.['kubernetes.io/hostname'];
      if (value === undefined) return;
      const whose = typeof value === 'string' && hostNames.has(value) && value !== own ? `, the name of another host (${value})` : '';
      c.add([...path, 'kubernetes.io/hostname'], value, `sets the node's identity label${whose}`, 'no kubernetes.io/hostname label: k3s sets it to the node name', 'remove it: selectors and topology spreading that use the hostname would send pods to the wrong node, and the kubelet overwrites it on restart');
    };
    check(p.labels, ['pools', pool, 'labels'], undefined);
    arr(p.hosts)?.forEach((h, i) => check(rec(h)?.labels, ['pools', pool, 'hosts', i, 'labels'], str(rec(h)?.name)));
  }

  // Namespaces: neither the platform's nor the tenants' may be a system namespace or the builds namespace.
  const platform = rec(def.platform);
  for (const [field, fallback] of [['namespace', 'platform'], ['projectsNamespace', 'projects']] as const) {
    const ns = str(platform?.[field]);
    if (ns === undefined) continue;
    const owner = SYSTEM_NAMESPACES[ns] ?? (ns.startsWith('kube-') ? 'Kubernetes (kube-* is reserved)' : undefined);
    if (owner !== undefined && !['default', 'kube-system', 'kube-public', 'kube-node-lease'].includes(ns)) {
      c.add(['platform', field], ns, `is the namespace of ${owner}`, `a namespace of its own, e.g. ${fallback}`, field === 'projectsNamespace' ? 'the tenant isolation policies would apply to those workloads, and tenants would share a namespace with them' : 'platform policies and Secrets would mix with that system');
    }
  }
}

/**
 * The platform (Gitea, Zot, Woodpecker, rdev-api) runs on the ops pool (tolerating its taints) or, without
 * one, on any node without a hard taint (regions/compose.ts platformPlacement). A region with neither
 * strands it. This is a synth requirement, not one of the region as an inventory (a lab of one server is a
 * fine target for playbooks), so regions/compose.ts runs it, like its check for a run pool.
 */
export function platformPlacementIssues(region: string, pools: Readonly<Partial<Record<PoolName, readonly { readonly taints: readonly { readonly effect: string }[] }[]>>>): RegionIssue[] {
  if ((pools.ops?.length ?? 0) > 0) return [];
  const present = POOL_NAMES.filter((pool) => (pools[pool]?.length ?? 0) > 0);
  const free = present.filter((pool) => pool !== 'run' && !(pools[pool]?.[0]?.taints ?? []).some((t) => HARD_EFFECTS.has(t.effect)));
  if (free.length > 0) return [];
  return [
    {
      region,
      path: 'pools',
      value: present,
      problem: 'leave the platform workloads no pool to run on: there is no ops pool and every other pool has a NoSchedule/NoExecute taint',
      expected: 'an ops pool, or a ctrl or build pool without a hard taint',
      fix: 'add pools.ops (the platform is placed there with its tolerations), or drop the hard taint of pools.ctrl or pools.build; the run pool is for tenants only',
    },
  ];
}

/* ------------------------------------------------------------------ units and versions */

const UNITLESS = /^[0-9]+(\.[0-9]+)?$/;

export function checkUnitsAndVersions(def: Rec, c: IssueSink): void {
  const platform = rec(def.platform);
  const sizes: [string, string][] = [
    ['gitea', 'storageSize'],
    ['zot', 'storageSize'],
    ['woodpecker', 'storageSize'],
    ['woodpecker', 'buildVolumeSize'],
  ];
  for (const [app, field] of sizes) {
    const v = rec(platform?.[app])?.[field];
    if (typeof v === 'string' && UNITLESS.test(v)) {
      c.add(['platform', app, field], v, 'has no unit, so Kubernetes reads it as bytes', `a size with a unit, e.g. ${v}Gi`, `write ${v}Gi (or Mi/Ti): a claim of ${v} bytes binds and then fills at once`);
    }
  }

  const versions = rec(def.versions);
  const gvisor = str(versions?.gvisor);
  if (gvisor !== undefined) {
    const m = /^([0-9]{4})([0-9]{2})([0-9]{2})(\.[0-9]+)?$/.exec(gvisor);
    if (m) {
      const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
      const date = new Date(Date.UTC(y, mo - 1, d));
      if (y < 2018 || date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) {
        c.add(['versions', 'gvisor'], gvisor, 'is not a valid release date (gVisor releases are named YYYYMMDD[.N])', 'e.g. 20260817.0', 'pin an exact release from https://github.com/google/gvisor/releases');
      }
    }
  }

  const version = str(versions?.k3s);
  const minor = version !== undefined ? kubernetesMinorOf(version) : undefined;
  if (version !== undefined && minor !== undefined && (minor < SUPPORTED_KUBERNETES_MINORS.from || minor > SUPPORTED_KUBERNETES_MINORS.to)) {
    const range = SUPPORTED_KUBERNETES_MINORS.from === SUPPORTED_KUBERNETES_MINORS.to ? `1.${SUPPORTED_KUBERNETES_MINORS.from}` : `1.${SUPPORTED_KUBERNETES_MINORS.from} to 1.${SUPPORTED_KUBERNETES_MINORS.to}`;
    c.add(['versions', 'k3s'], version, `is Kubernetes 1.${minor}, outside the range the schemas and templates are made for (${range})`, `a k3s release of Kubernetes ${range}, e.g. v1.35.8+k3s1`, `synth validates against schemas/kubernetes-v1.<minor>.0-definitions.json and the k3s templates are checked for ${range}; vendor the schemas and check the config keys before moving (regions/upstream.ts SUPPORTED_KUBERNETES_MINORS)`);
  }

  const image = str(versions?.rdevApi);
  if (image !== undefined) {
    const ref = parseImageReference(image);
    if (ref && !ref.digest && ref.tag !== undefined && !isMovingName(ref.tag) && !isVersionTag(ref.tag)) {
      c.add(['versions', 'rdevApi'], image, `is pinned to '${ref.tag}', a tag that is not a version and can move`, 'a version tag or a digest, e.g. ghcr.io/orchard9/rdev-api:v0.10.25 or ...@sha256:<digest>', 'tags like develop, canary or main are re-pushed: every node pull may run different code; use a release tag or pin the digest');
    }
  }
}

/** A version-like tag: `v1.2.3`, `1.22.6-rootless`, `2.1`, `20241104`; not `develop`, `canary`, `pr-12`, `sha-abc`. */
export function isVersionTag(tag: string): boolean {
  return /^v?[0-9]+(\.[0-9]+){0,3}([-+_.][0-9A-Za-z][0-9A-Za-z.-]*)?$/.test(tag);
}

/* ------------------------------------------------------------------ opt-ins */

export function checkOptIns(def: Rec, c: IssueSink, used: OptInUse): void {
  const block = rec(def.dangerousOptIns);
  if (!block) return;
  for (const name of OPT_IN_NAMES) {
    const reason = block[name];
    if (reason === undefined) continue;
    if (typeof reason !== 'string') continue; // the schema reports it
    if (reason.trim().length < 10) {
      c.add(['dangerousOptIns', name], reason, 'gives no reason', 'a sentence saying why the region needs it (at least 10 characters)', 'the reason is printed in the synth summary and in `npm run diff`; reviewers read it');
    } else if (!used.has(name as OptInName)) {
      c.add(['dangerousOptIns', name], reason, 'is set but no value of the region needs it', `no ${name} opt-in (it permits: ${OPT_INS[name as OptInName].permits})`, 'remove it, so it does not silently permit the next such value');
    }
  }
}
