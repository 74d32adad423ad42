/**
 * Brings one host of an up lab to "booting": its network namespace and links, its overlay root (personalized
 * with its own host key on first use) and its launcher. Used by `labUp` for every host and by `startHost`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { HostLayout, LabLayout } from './addressing';
import { isHostRunning, launchHost } from './container';
import { hostRootPath, mountHostRoot, personalizeHost } from './host-root';
import { readHostPublicKey } from './keys';
import { createHostNetwork, netnsPath, setHostLinks } from './network';

/** Ensures the host runs; returns its public host key (`ssh-ed25519 AAAA...`). */
export async function ensureHost(layout: LabLayout, rootfs: string, host: HostLayout, clientPublicKey: string): Promise<string> {
  const id = layout.id;
  if (!existsSync(netnsPath(host))) await createHostNetwork(layout, host);
  else await setHostLinks(host, 'up');
  await mountHostRoot(id, host.name, rootfs);
  const keyPath = join(hostRootPath(id, host.name), 'etc', 'ssh', 'ssh_host_ed25519_key');
  const hostKey = readHostPublicKey(keyPath) ?? (await personalizeHost(id, host, clientPublicKey));
  if (!isHostRunning(id, host.name)) launchHost(id, host);
  return hostKey;
}
