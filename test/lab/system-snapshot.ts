/**
 * What a lab leaves on the outer machine, found from the system itself (not from the lab's own records):
 * processes, mounts, network namespaces, links, cgroups and nft tables. Used to prove `down` removes all of it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { labDir } from '../../lab/paths';
import { subnetIndexOf } from '../../lab/addressing';

export interface LabTraces {
  readonly processes: string[];
  readonly mounts: string[];
  readonly namespaces: string[];
  readonly links: string[];
  readonly cgroups: string[];
  readonly nftTables: string[];
}

function cgroupDirs(id: string): string[] {
  const out: string[] = [];
  for (const line of readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
    const [, mp, type, opts] = line.split(' ');
    if (!mp || !(type === 'cgroup2' || (type === 'cgroup' && (opts ?? '').includes('name=systemd')))) continue;
    const dir = join(mp, 'lab', id);
    if (existsSync(dir)) out.push(dir);
  }
  return out;
}

export function labTraces(id: string): LabTraces {
  const dir = labDir(id);
  const k = subnetIndexOf(id);
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  const linkRe = new RegExp(`^lab${k}(pub|prv|h\\d+[pv])$`);
  const nsRe = new RegExp(`^lab-${id}-lab-\\d+$`);
  const links = (JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })) as { ifname: string }[])
    .map((l) => l.ifname)
    .filter((n) => linkRe.test(n));
  return {
    processes: ps.split('\n').filter((l) => l.includes(`${dir}/`) || l.includes(`lab-${id}-lab-`)),
    mounts: readFileSync('/proc/self/mounts', 'utf8').split('\n').filter((l) => l.includes(`${dir}/`) || l.includes(`/run/netns/lab-${id}-`)),
    namespaces: existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => nsRe.test(n)) : [],
    links,
    cgroups: cgroupDirs(id),
    nftTables: execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' }).split('\n').filter((l) => l.trim() === `table inet lab_guard_${k}`),
  };
}
