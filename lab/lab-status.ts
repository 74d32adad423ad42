/** `labInfo` (paths and hosts of an up lab) and `labStatus` (is each host running, and ready over SSH). */
import { join } from 'node:path';
import type { HostLayout, LabLayout } from './addressing';
import { isHostRunning } from './container';
import { LabError } from './errors';
import { DEFAULT_LAB_ID, labDir } from './paths';
import { probeReady } from './ready';
import { readState } from './state';
import type { LabHost, LabInfo, LabStatus } from './types';

function toLabHost(h: HostLayout): LabHost {
  return {
    name: h.name,
    pool: h.pool,
    publicIp: h.publicIp,
    privateIp: h.privateIp,
    publicInterface: h.publicInterface,
    privateInterface: h.privateInterface,
  };
}

export function infoOf(layout: LabLayout): LabInfo {
  const dir = labDir(layout.id);
  return {
    id: layout.id,
    dir,
    regionPath: join(dir, 'lab.region.json'),
    privateKeyPath: join(dir, 'id_ed25519'),
    knownHostsPath: join(dir, 'known_hosts'),
    publicCidr: layout.publicCidr,
    gatewayIp: layout.gatewayIp,
    privateCidr: layout.privateCidr,
    hosts: layout.hosts.map(toLabHost),
  };
}

/** Paths, subnets and hosts of lab `id`; throws when it is not up. No probing. */
export function labInfo(id: string = DEFAULT_LAB_ID): LabInfo {
  const state = readState(id);
  if (!state) throw new LabError(`lab '${id}' is not up (no state in ${labDir(id)}); run 'npm run lab -- up <n> --id ${id}'`);
  return infoOf(state.layout);
}

/** Each host: its launcher running?, addresses, and whether it answers over SSH (each probe bounded to 15 s). */
export async function labStatus(id: string = DEFAULT_LAB_ID): Promise<LabStatus> {
  const dir = labDir(id);
  const state = readState(id);
  if (!state) return { id, dir, up: false, hosts: [] };
  const hosts = await Promise.all(
    state.layout.hosts.map(async (h) => {
      const running = isHostRunning(id, h.name);
      const probe = running ? await probeReady(id, h, 15) : { ready: false, detail: 'stopped' };
      return { ...toLabHost(h), running, sshReady: probe.ready, detail: probe.detail };
    }),
  );
  return { id, dir, up: true, publicCidr: state.layout.publicCidr, privateCidr: state.layout.privateCidr, hosts };
}
