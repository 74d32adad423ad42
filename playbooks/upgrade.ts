/**
 * upgrade: move the cluster to the region's versions.k3s. Servers one at a time (serial 1), each only while the
 * cluster is healthy (API ready before it is touched, and after: API ready, node registered and reporting the new
 * version; a failed gate stops the rollout). Agents in batches (var-free: a third of them at a time, at least
 * one): drained from the first server, upgraded, then uncordoned once they report the new version. A node already
 * at the version is left alone, so a re-run changes nothing.
 *
 * Needs from the region: versions.k3s, k3s.mirrorUrl or airgap.bundleDir (optional), the pools. Run after changing versions.k3s.
 */
import type { Region } from '../regions/types';
import { definePlaybook, sh, step, type Play, type Step } from './core';
import { binarySteps, readyTimeoutOf, serverHealthSteps } from './k3s';
import { k3sInputs } from './k3s-inputs';
import { k3sRole } from './k3s-config';
import { firstServer, poolHosts, regionHost } from './region-hosts';
import { defineRegionPlaybook } from './region-playbook';
import { waitFor } from './tasks';
import { drainNodes } from './tasks/k3s-drain';
import { K3S_KUBECTL } from './tasks/k3s-node-metadata';
import { k3sService } from './tasks/k3s-service';
import { uncordonNodes } from './tasks/k3s-uncordon';

function upgradeSteps(region: Region, unit: 'k3s' | 'k3s-agent'): Step[] {
  return [
    // From the region's bundle when it has one (binary and air-gap images), else downloaded and checksum-verified.
    ...binarySteps(region),
    step(`Ensure ${unit} runs the new binary`, k3sService, (h) => ({ unit, inputs: k3sInputs(region, regionHost(region, h.name)) }), { tags: ['k3s'] }),
  ];
}

function versionGate(region: Region, node: string | ((name: string) => string)): Step {
  const want = `"kubeletVersion": "${region.versions.k3s}"`;
  return step(`Wait until the node reports ${region.versions.k3s}`, waitFor, (h) => ({
    command: sh`${K3S_KUBECTL.split(' ')} get node ${typeof node === 'string' ? node : node(h.name)} -o json 2>/dev/null | grep -qF ${want}`,
    timeoutSeconds: readyTimeoutOf(h),
    intervalSeconds: 3,
  }), { tags: ['k3s'] });
}

/** Agent batches: a third of the agents at a time (at least one), in region order. */
export function agentBatches(region: Region): string[][] {
  const agents = region.hosts.filter((h) => k3sRole(h) === 'agent').map((h) => h.name);
  const size = Math.max(1, Math.ceil(agents.length / 3));
  const out: string[][] = [];
  for (let i = 0; i < agents.length; i += size) out.push(agents.slice(i, i + size));
  return out;
}

export function buildUpgrade(region: Region) {
  const first = firstServer(region);
  const servers = poolHosts(region, 'ctrl').map((h) => h.name);
  const plays: Play[] = [
    {
      name: `Upgrade k3s servers to ${region.versions.k3s} (one at a time, health-gated)`,
      hosts: servers,
      serial: 1,
      maxFailPercent: 0,
      steps: [
        step('Wait until the Kubernetes API answers ready before touching this server', waitFor, (h) => ({ command: `${K3S_KUBECTL} get --raw /readyz >/dev/null 2>&1`, timeoutSeconds: readyTimeoutOf(h, 120), intervalSeconds: 2 }), { tags: ['k3s'] }),
        ...upgradeSteps(region, 'k3s'),
        ...serverHealthSteps(),
        versionGate(region, (name) => name),
      ],
    },
  ];
  for (const batch of agentBatches(region)) {
    const label = batch.join(', ');
    plays.push(
      { name: `Drain ${label}`, hosts: [first.name], maxFailPercent: 0, steps: [step(`Drain ${label} if not at ${region.versions.k3s}`, drainNodes, { nodes: batch, version: region.versions.k3s })] },
      { name: `Upgrade ${label}`, hosts: batch, maxFailPercent: 0, steps: [...upgradeSteps(region, 'k3s-agent'), step('Wait until k3s-agent is active', waitFor, { command: 'systemctl is-active --quiet k3s-agent', timeoutSeconds: 120, intervalSeconds: 2 })] },
      { name: `Uncordon ${label}`, hosts: [first.name], maxFailPercent: 0, steps: [...batch.map((n) => versionGate(region, n)), step(`Uncordon ${label}`, uncordonNodes, { nodes: batch, version: region.versions.k3s })] },
    );
  }
  return definePlaybook({ name: 'upgrade', description: `Rolling upgrade to k3s ${region.versions.k3s}`, plays });
}

export default defineRegionPlaybook({
  name: 'upgrade',
  description: 'Rolling k3s upgrade: servers one at a time (health-gated), agents drained in batches',
  build: buildUpgrade,
});
