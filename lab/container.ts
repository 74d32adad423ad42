/**
 * Starts and stops one lab host: a detached launcher (sh) moves itself into the host's cgroups and runs
 * systemd-nspawn booting systemd from the host's overlay root, in the host's network namespace. It outlives the
 * process that started it, logs to `<labDir>/<host>.console.log`, and boots the host again when it reboots
 * (nspawn exit code 133); a halt or poweroff (exit 0) ends it.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { HostLayout } from './addressing';
import { createHostCgroups, hostPids, killHostCgroup } from './cgroup';
import { hostRootPath } from './host-root';
import { netnsPath } from './network';
import { labDir } from './paths';
import { sleep } from './run';

export function consoleLogPath(id: string, name: string): string {
  return join(labDir(id), `${name}.console.log`);
}

/** The systemd-nspawn argv for a host (see DESIGN.md, Lab: each flag is there for a reason). */
export function nspawnArgs(id: string, host: HostLayout): string[] {
  return [
    '--boot',
    `--directory=${hostRootPath(id, host.name)}`,
    `--machine=${host.machine}`,
    `--hostname=${host.name}`,
    '--register=no',
    '--keep-unit',
    `--network-namespace-path=${netnsPath(host)}`,
    '--private-network',
    '--resolv-conf=off',
    '--timezone=off',
    '--link-journal=no',
    '--console=read-only',
  ];
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Launches the host detached. Returns the launcher pid. */
export function launchHost(id: string, host: HostLayout): number {
  const cgroups = createHostCgroups(id, host.name);
  const script = [
    'set -u',
    ...cgroups.map((cg) => `echo $$ > ${quote(join(cg, 'cgroup.procs'))} || exit 90`),
    'export SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1',
    'while :; do',
    `  echo "lab: $(date -u +%FT%TZ) booting ${host.name}"`,
    `  systemd-nspawn ${nspawnArgs(id, host).map(quote).join(' ')} </dev/null`,
    '  rc=$?',
    `  echo "lab: $(date -u +%FT%TZ) ${host.name}: systemd-nspawn exited with $rc"`,
    '  [ "$rc" -eq 133 ] || exit "$rc"',
    'done',
  ].join('\n');
  const log = openSync(consoleLogPath(id, host.name), 'a');
  writeSync(log, `\n==== lab: launching ${host.name} at ${new Date().toISOString()} ====\n`);
  try {
    const child = spawn('sh', ['-c', script], { detached: true, stdio: ['ignore', log, log], env: { ...process.env } });
    child.unref();
    if (child.pid === undefined) throw new Error(`lab: could not start the launcher of ${host.name}`);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Pids of the host's systemd-nspawn processes. */
export function nspawnPids(id: string, name: string): number[] {
  return hostPids(id, name).filter((pid) => comm(pid) === 'systemd-nspawn');
}

export function isHostRunning(id: string, name: string): boolean {
  return nspawnPids(id, name).length > 0;
}

/**
 * Halts the host (SIGTERM to systemd-nspawn: a clean poweroff of its systemd), waits at most `timeoutSeconds`,
 * then kills whatever is left in its cgroups.
 */
export async function haltHost(id: string, name: string, timeoutSeconds = 15): Promise<void> {
  for (const pid of nspawnPids(id, name)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (hostPids(id, name).length > 0 && Date.now() < deadline) await sleep(100);
  await killHostCgroup(id, name);
}

/** Tail of a host's console log, for error messages. */
export function consoleTail(id: string, name: string, lines = 25): string {
  const path = consoleLogPath(id, name);
  if (!existsSync(path)) return `(no console log at ${path})`;
  const text = readFileSync(path, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
