/**
 * One cgroup per lab host (containers started from one cgroup share it, and their systemds kill each other's
 * services). With no systemd on the outer machine we make `lab/<id>/<host>` under the cgroup2 mount (and under
 * the v1 name=systemd hierarchy when the machine has one), and the launcher moves itself there before exec.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from './errors';
import { sleep } from './run';

interface CgroupMounts {
  /** cgroup2 mount point (`/sys/fs/cgroup` or `/sys/fs/cgroup/unified` on hybrid machines). */
  readonly unified: string;
  /** v1 `name=systemd` mount point, on hybrid machines. */
  readonly namedSystemd?: string;
}

export function cgroupMounts(): CgroupMounts {
  let unified: string | undefined;
  let namedSystemd: string | undefined;
  for (const line of readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
    const [, mountPoint, type, opts] = line.split(' ');
    if (!mountPoint) continue;
    if (type === 'cgroup2' && !unified) unified = mountPoint;
    if (type === 'cgroup' && (opts ?? '').split(',').includes('name=systemd')) namedSystemd = mountPoint;
  }
  if (!unified) {
    throw new LabError('lab: no cgroup2 file system is mounted (expected /sys/fs/cgroup or /sys/fs/cgroup/unified); mount one: mount -t cgroup2 none /sys/fs/cgroup/unified');
  }
  return namedSystemd ? { unified, namedSystemd } : { unified };
}

/** Every cgroup directory of a host (unified first). */
export function hostCgroups(id: string, name: string): string[] {
  const m = cgroupMounts();
  return [m.unified, m.namedSystemd].filter((x): x is string => !!x).map((root) => join(root, 'lab', id, name));
}

export function createHostCgroups(id: string, name: string): string[] {
  const dirs = hostCgroups(id, name);
  for (const dir of dirs) mkdirSync(dir, { recursive: true });
  return dirs;
}

/** A cgroup dir and its descendants. The container's systemd removes its own sub-cgroups while we walk, so a
 *  directory that vanishes between listing and reading is simply not part of the tree any more. */
function subtree(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || dir === '') return [];
    throw err;
  }
  const out = [dir];
  for (const e of entries) if (e.isDirectory()) out.push(...subtree(join(dir, e.name)));
  return out;
}

/** Pids in a host's unified cgroup subtree. */
export function hostPids(id: string, name: string): number[] {
  const [unified] = hostCgroups(id, name);
  const pids: number[] = [];
  for (const dir of subtree(unified ?? '')) {
    try {
      for (const l of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (l) pids.push(Number(l));
    } catch {
      /* removed meanwhile */
    }
  }
  return pids;
}

/** Kills every process of a host (cgroup.kill, else SIGKILL each) and waits, bounded, until none is left. */
export async function killHostCgroup(id: string, name: string, timeoutSeconds = 10): Promise<void> {
  const [unified] = hostCgroups(id, name);
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (hostPids(id, name).length > 0) {
    const killFile = join(unified ?? '', 'cgroup.kill');
    if (existsSync(killFile)) writeFileSync(killFile, '1');
    else for (const pid of hostPids(id, name)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    if (Date.now() > deadline) {
      throw new LabError(`lab '${id}': host ${name}: processes ${hostPids(id, name).join(' ')} survive SIGKILL after ${timeoutSeconds} s (expected none); check 'ps -o pid,stat,cmd -p <pid>' (D state = stuck in the kernel)`);
    }
    await sleep(100);
  }
}

function removeTree(dir: string): void {
  for (const d of subtree(dir).reverse()) {
    try {
      rmdirSync(d);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw new LabError(`lab: cannot remove cgroup ${d} (${code ?? String(err)}; expected an empty cgroup); are processes left in it? cat ${d}/cgroup.procs`);
    }
  }
}

/** Removes a host's (empty) cgroups, then `lab/<id>` and `lab` when they are empty. */
export function removeHostCgroups(id: string, name: string): void {
  for (const dir of hostCgroups(id, name)) removeTree(dir);
}

/** Removes `lab/<id>` (after its hosts) and `lab` when empty. */
export function removeLabCgroups(id: string): void {
  const m = cgroupMounts();
  for (const root of [m.unified, m.namedSystemd].filter((x): x is string => !!x)) {
    const labCg = join(root, 'lab', id);
    if (existsSync(labCg)) removeTree(labCg);
    try {
      rmdirSync(join(root, 'lab'));
    } catch {
      /* other labs still have hosts, or it never existed */
    }
  }
}
