/**
 * upgrade: move the cluster to the region's versions.k3s without taking out every tenant at once.
 *
 *   1. Preflight on every host, before anything changes: the installed k3s is known, the target is not older
 *      (no downgrades) and at most one minor newer (Kubernetes' version skew policy; no skipped minors); and every
 *      server is Ready and a voting etcd member (health across members, not one server's /readyz).
 *   2. Servers one at a time (serial 1): each only while every server is Ready and an etcd voter, then gated on
 *      API ready, node registered, etcd voter, Ready and reporting the new version. A failed gate stops the run.
 *   3. Agents pool by pool, in batches of the pool's `maxUnavailable` (pool var, default 1), never more than the
 *      pool's size minus one, so a pool always keeps a schedulable node (a one-node pool is upgraded alone, which
 *      cannot be avoided). Each batch: drained from a server, upgraded, gated on Ready and the new version, then
 *      uncordoned; the next batch starts only after that.
 *   4. The run pool's containerd template follows the containerd the target embeds (regions/versions.ts
 *      K3S_RELEASES: config-v3.toml.tmpl for containerd 2, config.toml.tmpl for 1.x); the other one is removed, so
 *      an upgrade across containerd majors never leaves containerd 2 reading a containerd 1 template.
 * A node already at the version is left alone, so a re-run changes nothing.
 *
 * Needs from the region: versions.k3s, k3s.mirrorUrl or airgap.bundleDir (optional), the pools; optional pool var
 * `maxUnavailable`.
 */
import type { Region } from '../regions/types';
import { definePlaybook, ok, sh, step, ValidationError, type Play, type Step, type Task } from './core';
import { renderContainerdTemplate } from './gvisor';
import { binarySteps, etcdVoterCheck, readyTimeoutOf, serverHealthSteps } from './k3s';
import { k3sInputs } from './k3s-inputs';
import { containerdTemplatePath, K3S_CONTAINERD_DIR } from './k3s-layout';
import { pinnedK3sRelease } from './k3s-release';
import { firstServer, poolHosts, regionHost } from './region-hosts';
import { defineRegionPlaybook } from './region-playbook';
import { directory, file, fileAbsent, waitFor } from './tasks';
import { drainNodes } from './tasks/k3s-drain';
import { K3S_KUBECTL } from './tasks/k3s-node-metadata';
import { k3sService } from './tasks/k3s-service';
import { uncordonNodes } from './tasks/k3s-uncordon';

/** `v1.31.5+k3s1` -> [1, 31, 5, 1] (the k3s release counts too). */
export function versionParts(version: string): [number, number, number, number] {
  const m = /^v(\d+)\.(\d+)\.(\d+)(?:-rc\d+)?\+k3s(\d+)$/.exec(version);
  if (!m) throw new ValidationError(`k3s version '${version}' is not a k3s release (expected e.g. v1.31.5+k3s1)`);
  return [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
}

function compare(a: string, b: string): number {
  const x = versionParts(a);
  const y = versionParts(b);
  for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

/** Why moving from `current` to `target` is refused, or null when it is allowed. */
export function upgradeRefusal(current: string, target: string): string | null {
  if (compare(target, current) < 0) return `${target} is older than the installed ${current} (downgrades are refused: etcd and the API objects of a newer Kubernetes are not readable by an older one)`;
  const [, cm] = versionParts(current);
  const [, tm] = versionParts(target);
  if (tm > cm + 1) return `${target} skips a minor from the installed ${current} (expected at most v1.${cm + 1}.x: upgrade one minor at a time, Kubernetes' version skew policy)`;
  return null;
}

const versionCheck: Task<{ readonly target: string }> = {
  id: 'k3s.version-check',
  async plan(host, a) {
    const current = host.facts.k3sVersion;
    if (!current) throw new ValidationError(`upgrade on '${host.name}': k3s is not installed (expected a node of the cluster; fix: run the k3s playbook first)`);
    const why = upgradeRefusal(current, a.target);
    if (why) throw new ValidationError(`upgrade on '${host.name}': ${why}. Nothing was changed.`);
    return ok(current === a.target ? `already at ${a.target}` : `${current} -> ${a.target} allowed`);
  },
};

/** Pool batches of agents: at most `maxUnavailable` (pool var, default 1) and at most the pool's size minus one. */
export function agentBatches(region: Region): { pool: string; batches: string[][] }[] {
  const out: { pool: string; batches: string[][] }[] = [];
  for (const pool of ['run', 'build', 'ops'] as const) {
    const hosts = poolHosts(region, pool);
    if (hosts.length === 0) continue;
    const raw = hosts[0]!.vars.maxUnavailable;
    const wanted = raw === undefined ? 1 : Number(raw);
    if (!Number.isInteger(wanted) || wanted < 1) {
      throw new ValidationError(`region '${region.name}': pools.${pool}.vars.maxUnavailable '${String(raw)}' is not a whole number >= 1 (expected e.g. 1; the upgrade drains at most that many ${pool} nodes at once)`);
    }
    const size = Math.min(wanted, Math.max(1, hosts.length - 1));
    const names = hosts.map((h) => h.name);
    const batches: string[][] = [];
    for (let i = 0; i < names.length; i += size) batches.push(names.slice(i, i + size));
    out.push({ pool, batches });
  }
  return out;
}

function upgradeSteps(region: Region, unit: 'k3s' | 'k3s-agent', runPool = false): Step[] {
  // the template of the containerd the target embeds (regions/versions.ts K3S_RELEASES), and the other one gone
  const major = pinnedK3sRelease(region).containerdMajor;
  const stale = containerdTemplatePath(major >= 2 ? 1 : 2);
  return [
    // From the region's bundle when it has one (binary and air-gap images), else downloaded and checksum-verified.
    ...binarySteps(region),
    ...(runPool
      ? [
          step('Ensure the k3s containerd config directory exists', directory, { path: K3S_CONTAINERD_DIR, mode: '0755' }, { tags: ['k3s', 'gvisor'] }),
          step(`Ensure the containerd template matches the containerd of ${region.versions.k3s}`, file, { path: containerdTemplatePath(major), content: renderContainerdTemplate(region), mode: '0644' }, { tags: ['k3s', 'gvisor'] }),
          step(`Ensure the template of the other containerd major is gone (${stale.split('/').pop()})`, fileAbsent, { path: stale }, { tags: ['k3s', 'gvisor'] }),
        ]
      : []),
    step(`Ensure ${unit} runs the new binary`, k3sService, (h) => ({ unit, inputs: k3sInputs(region, regionHost(region, h.name)) }), { tags: ['k3s'] }),
  ];
}

/** Wait until `node` is Ready and reports the target version. */
function readyAtVersion(region: Region, node: string | ((hostName: string) => string)): Step {
  const want = `"kubeletVersion": "${region.versions.k3s}"`;
  return step(`Wait until the node is Ready and reports ${region.versions.k3s}`, waitFor, (h) => {
    const n = typeof node === 'string' ? node : node(h.name);
    return {
      command: sh`j=$(${K3S_KUBECTL.split(' ')} get node ${n} -o json 2>/dev/null) && printf '%s' "$j" | grep -qF ${want} && [ "$(${K3S_KUBECTL.split(' ')} get node ${n} ${'-o=jsonpath={.status.conditions[?(@.type=="Ready")].status}'} 2>/dev/null)" = True ]`,
      timeoutSeconds: readyTimeoutOf(h),
      intervalSeconds: 3,
    };
  }, { tags: ['k3s'] });
}

function membersHealthy(region: Region, timeoutSeconds: number): Step {
  const servers = poolHosts(region, 'ctrl').map((h) => h.name);
  return step('Wait until every server is a voting etcd member (health across members)', waitFor, (h) => ({
    command: servers.map(etcdVoterCheck).join(' && '),
    timeoutSeconds: readyTimeoutOf(h, timeoutSeconds),
    intervalSeconds: 3,
  }), { tags: ['k3s'] });
}

export function buildUpgrade(region: Region) {
  const first = firstServer(region);
  const servers = poolHosts(region, 'ctrl').map((h) => h.name);
  const plays: Play[] = [
    {
      name: `Upgrade preflight: no downgrade, no skipped minor, every server an etcd voter (target ${region.versions.k3s})`,
      hosts: 'all',
      maxFailPercent: 0,
      steps: [
        step(`Check that ${region.versions.k3s} is a step this node may take`, versionCheck, { target: region.versions.k3s }, { tags: ['k3s', 'always'] }),
        { ...membersHealthy(region, 120), runOnce: true, when: (h) => servers.includes(h.name) },
      ],
    },
    {
      name: `Upgrade k3s servers to ${region.versions.k3s} (one at a time, health-gated across members)`,
      hosts: servers,
      serial: 1,
      maxFailPercent: 0,
      steps: [
        membersHealthy(region, 120),
        ...upgradeSteps(region, 'k3s'),
        ...serverHealthSteps(),
        readyAtVersion(region, (name) => name),
        membersHealthy(region, 300),
      ],
    },
  ];
  for (const { pool, batches } of agentBatches(region)) {
    for (const batch of batches) {
      const label = batch.join(', ');
      plays.push(
        { name: `Drain ${label} (${pool} pool)`, hosts: [first.name], maxFailPercent: 0, steps: [step(`Drain ${label} if not at ${region.versions.k3s}`, drainNodes, { nodes: batch, version: region.versions.k3s })] },
        {
          name: `Upgrade ${label} (${pool} pool)`,
          hosts: batch,
          maxFailPercent: 0,
          steps: [...upgradeSteps(region, 'k3s-agent', pool === 'run'), step('Wait until k3s-agent is active', waitFor, { command: 'systemctl is-active --quiet k3s-agent', timeoutSeconds: 120, intervalSeconds: 2 })],
        },
        {
          name: `Uncordon ${label} (${pool} pool)`,
          hosts: [first.name],
          maxFailPercent: 0,
          steps: [...batch.map((n) => readyAtVersion(region, n)), step(`Uncordon ${label}`, uncordonNodes, { nodes: batch, version: region.versions.k3s })],
        },
      );
    }
  }
  return definePlaybook({ name: 'upgrade', description: `Rolling upgrade to k3s ${region.versions.k3s}`, plays });
}

export default defineRegionPlaybook({
  name: 'upgrade',
  description: 'Rolling k3s upgrade: version checks, servers one at a time (etcd-gated), agents drained per pool, at most maxUnavailable at once',
  build: buildUpgrade,
});
