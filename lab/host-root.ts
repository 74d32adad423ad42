/**
 * A host's root file system: an overlay (upper and work dirs in the host's folder) over the shared read-only
 * rootfs, mounted at `<hostDir>/root`, plus the files that make the host itself: hostname, machine-id, its own
 * SSH host key and the lab client key in root's authorized_keys. Restarting a host reuses the same upper dir.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostLayout } from './addressing';
import { makeHostKey } from './keys';
import { hostDir } from './paths';
import { run } from './run';

export function hostRootPath(id: string, name: string): string {
  return join(hostDir(id, name), 'root');
}

/** True when `path` is a mount point (per /proc/self/mounts). */
export function isMounted(path: string): boolean {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[1] === path);
}

/** Every mount point at or under `dir`. */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((mp) => mp === dir || mp.startsWith(`${dir}/`));
}

export async function mountHostRoot(id: string, name: string, rootfs: string): Promise<string> {
  const dir = hostDir(id, name);
  const root = hostRootPath(id, name);
  for (const d of ['upper', 'work', 'root']) mkdirSync(join(dir, d), { recursive: true });
  if (!isMounted(root)) {
    await run('mount', ['-t', 'overlay', `lab-${id}-${name}`, '-o', `lowerdir=${rootfs},upperdir=${join(dir, 'upper')},workdir=${join(dir, 'work')}`, root]);
  }
  return root;
}

export async function unmountHostRoot(id: string, name: string): Promise<void> {
  const root = hostRootPath(id, name);
  for (const mp of mountsUnder(root).sort((a, b) => b.length - a.length)) await run('umount', [mp], { allowFailure: true });
  for (const mp of mountsUnder(root)) await run('umount', ['-l', mp]);
}

/**
 * Writes what makes a fresh host itself into its mounted root; returns its public host key (`ssh-ed25519 AAAA...`).
 */
export async function personalizeHost(id: string, host: HostLayout, clientPublicKey: string): Promise<string> {
  const root = hostRootPath(id, host.name);
  writeFileSync(join(root, 'etc', 'hostname'), `${host.name}\n`);
  writeFileSync(
    join(root, 'etc', 'hosts'),
    `127.0.0.1\tlocalhost\n127.0.1.1\t${host.name}\n::1\tlocalhost ip6-localhost ip6-loopback\n`,
  );
  writeFileSync(join(root, 'etc', 'machine-id'), `${createHash('sha256').update(`lab/${id}/${host.name}`).digest('hex').slice(0, 32)}\n`);
  const sshDir = join(root, 'root', '.ssh');
  mkdirSync(sshDir, { recursive: true, mode: 0o700 });
  chmodSync(sshDir, 0o700);
  writeFileSync(join(sshDir, 'authorized_keys'), `${clientPublicKey}\n`, { mode: 0o600 });
  return makeHostKey(join(root, 'etc', 'ssh', 'ssh_host_ed25519_key'), `root@${host.name}`);
}
