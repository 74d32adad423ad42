/** Runs a command on a lab host with the system `ssh` client, strict host-key checking against the lab's known_hosts. */
import { join } from 'node:path';
import { labDir } from './paths';
import { run } from './run';

export interface LabSshResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface LabSshOptions {
  /** Bound on the whole command (connect included). @default 20 */
  readonly timeoutSeconds?: number;
  /** TCP connect bound. @default 3 */
  readonly connectTimeoutSeconds?: number;
}

/** The `ssh` argv (without the remote command) for dialing `address` in lab `id`. */
export function sshArgs(id: string, address: string, connectTimeoutSeconds = 3): string[] {
  const dir = labDir(id);
  return [
    '-i', join(dir, 'id_ed25519'),
    '-o', 'IdentitiesOnly=yes',
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', `ConnectTimeout=${connectTimeoutSeconds}`,
    '-o', 'ServerAliveInterval=5',
    '-o', 'ServerAliveCountMax=2',
    '-o', 'LogLevel=ERROR',
    `root@${address}`,
  ];
}

/**
 * Runs `command` (a shell command line) as root on the lab host at `address` (its publicIp).
 * Never throws on a non-zero exit or a failed connection (ssh exits 255); throws only when the bound is exceeded.
 */
export function labSsh(id: string, address: string, command: string, options: LabSshOptions = {}): Promise<LabSshResult> {
  return run('ssh', [...sshArgs(id, address, options.connectTimeoutSeconds ?? 3), '--', command], {
    timeoutSeconds: options.timeoutSeconds ?? 20,
    allowFailure: true,
  });
}
