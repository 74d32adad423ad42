/**
 * `labDown`: removes everything lab `id` made on the machine: processes (halt, then kill), overlay mounts,
 * network namespaces, veths, bridges, cgroups and its nft table, plus its state, region, known_hosts and bundle.
 * Works from what is found on the machine (bridge alias, netns and cgroup names), so it also cleans up after an
 * interrupted `up`. Keeps the lab client key (one per id) and the console logs.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { labLayout, MAX_LAB_HOSTS } from './addressing';
import { cgroupMounts, removeHostCgroups, removeLabCgroups } from './cgroup';
import { haltHost } from './container';
import { LabError } from './errors';
import { removeGuard } from './guard';
import { mountsUnder } from './host-root';
import { requireRoot } from './require-root';
import { destroyNetwork } from './network';
import { DEFAULT_LAB_ID, labDir } from './paths';
import { run } from './run';
import { readState, stateFilePath } from './state';

interface IpLink {
  readonly ifname: string;
  readonly ifalias?: string;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Brings lab `id` down (idempotent: a lab that is not up is a no-op). */
export async function labDown(id: string = DEFAULT_LAB_ID): Promise<void> {
  requireRoot('lab down');
  const dir = labDir(id);
  const state = readState(id);

  // 1. processes: every host cgroup of this id, halted in parallel (bounded), then killed.
  const hostCgroupRoot = join(cgroupMounts().unified, 'lab', id);
  const hostNames = existsSync(hostCgroupRoot)
    ? readdirSync(hostCgroupRoot, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name)
    : [];
  await Promise.all(hostNames.map((name) => haltHost(id, name, 10)));
  for (const name of hostNames) removeHostCgroups(id, name);
  removeLabCgroups(id);

  // 2. mounts under the lab dir (overlays), deepest first.
  for (const mp of mountsUnder(dir).sort((a, b) => b.length - a.length)) await run('umount', [mp], { allowFailure: true });
  for (const mp of mountsUnder(dir)) await run('umount', ['-l', mp]);

  // 3. network: bridges owned by this id (alias lab:<id>) tell the subnet index; namespaces by name.
  const links = JSON.parse((await run('ip', ['-j', 'link', 'show'])).stdout) as IpLink[];
  const indexes = new Set<number>();
  if (state) indexes.add(state.layout.subnetIndex);
  for (const l of links) {
    const m = /^lab(\d+)(pub|prv)$/.exec(l.ifname);
    if (m && l.ifalias === `lab:${id}`) indexes.add(Number(m[1]));
  }
  const netnsPattern = new RegExp(`^lab-${escapeRegExp(id)}-lab-\\d+$`);
  const namespaces = existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => netnsPattern.test(n)) : [];
  for (const ns of namespaces) await run('ip', ['netns', 'del', ns], { allowFailure: true });
  for (const k of indexes) {
    const layout = labLayout(id, state?.layout.hosts.length ?? MAX_LAB_HOSTS, k);
    await destroyNetwork(layout);
    await removeGuard(layout);
  }

  // 4. files: state and what was generated from it (the client key and console logs stay).
  const leftMounts = mountsUnder(dir);
  if (leftMounts.length) throw new LabError(`lab '${id}': ${leftMounts.join(', ')} still mounted after umount -l (expected none); check 'fuser -vm ${leftMounts[0]}'`);
  rmSync(join(dir, 'hosts'), { recursive: true, force: true });
  for (const f of ['lab.region.json', 'known_hosts']) rmSync(join(dir, f), { force: true });
  rmSync(join(dir, 'bundle'), { recursive: true, force: true });
  rmSync(stateFilePath(id), { force: true });
}
