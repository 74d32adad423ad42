/** Power a single lab host off and on, for tests of unreachable hosts and reboots. */
import { join } from 'node:path';
import type { HostLayout } from './addressing';
import { haltHost } from './container';
import { LabError } from './errors';
import { ensureHost } from './host-setup';
import { ensureClientKey } from './keys';
import { setHostLinks } from './network';
import { labDir } from './paths';
import { waitReady } from './ready';
import { readState, type LabState } from './state';

function find(id: string, name: string): { state: LabState; host: HostLayout } {
  const state = readState(id);
  if (!state) throw new LabError(`lab '${id}' is not up (no state in ${labDir(id)}); run 'npm run lab -- up <n> --id ${id}'`);
  const host = state.layout.hosts.find((h) => h.name === name);
  if (!host) {
    throw new LabError(`lab '${id}': no host '${name}' (expected one of ${state.layout.hosts.map((h) => h.name).join(', ')})`);
  }
  return { state, host };
}

/**
 * Powers host `name` of lab `id` off: a clean halt of its systemd (bounded, then killed) and its links down,
 * so it no longer answers at all (connections time out, like a machine that is off). Its disk (overlay) stays.
 */
export async function stopHost(id: string, name: string, timeoutSeconds = 15): Promise<void> {
  const { host } = find(id, name);
  await haltHost(id, name, timeoutSeconds);
  await setHostLinks(host, 'down');
}

/** Boots host `name` of lab `id` again from the same overlay (state persists, like a reboot) and waits until ready. */
export async function startHost(id: string, name: string, readyTimeoutSeconds = 60): Promise<void> {
  const { state, host } = find(id, name);
  const clientKey = await ensureClientKey(join(labDir(id), 'id_ed25519'), `lab-${id}`);
  await ensureHost(state.layout, state.rootfs, host, clientKey);
  await waitReady(id, host, readyTimeoutSeconds);
}
