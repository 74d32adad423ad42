/** Readiness of a lab host: `systemctl is-system-running` answers running or degraded over SSH. */
import { connect } from 'node:net';
import type { HostLayout } from './addressing';
import { consoleLogPath, consoleTail, isHostRunning } from './container';
import { LabError } from './errors';
import { sleep } from './run';
import { labSsh } from './ssh';

export interface ReadyProbe {
  readonly ready: boolean;
  /** The state systemd answered, or why SSH failed. */
  readonly detail: string;
}

export async function probeReady(id: string, host: HostLayout, timeoutSeconds = 10): Promise<ReadyProbe> {
  let r: { code: number; stdout: string; stderr: string };
  try {
    r = await labSsh(id, host.publicIp, 'systemctl is-system-running', { timeoutSeconds, connectTimeoutSeconds: Math.min(5, timeoutSeconds) });
  } catch {
    return { ready: false, detail: `no answer over ssh within ${timeoutSeconds} s` };
  }
  const state = r.stdout.trim();
  if (r.code === 255 || !state) {
    return { ready: false, detail: `ssh: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`}` };
  }
  return { ready: state === 'running' || state === 'degraded', detail: state };
}

/** True when something accepts a TCP connection on `ip:port` within `timeoutMs` (cheap: no SSH handshake). */
export function tcpOpen(ip: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Polls until the host is ready; throws after `timeoutSeconds` naming the host, with its console log tail. */
export async function waitReady(id: string, host: HostLayout, timeoutSeconds: number): Promise<void> {
  const started = Date.now();
  const deadline = started + timeoutSeconds * 1000;
  let last: ReadyProbe = { ready: false, detail: 'not probed yet' };
  for (;;) {
    // The launcher needs a moment to exec systemd-nspawn; after that, no nspawn means the boot failed.
    if (Date.now() - started > 3000 && !isHostRunning(id, host.name)) {
      throw new LabError(
        `lab '${id}': host ${host.name} (${host.publicIp}) is not running: its systemd-nspawn exited (expected it to boot); console log ${consoleLogPath(id, host.name)}:\n${consoleTail(id, host.name)}`,
      );
    }
    // Wait for sshd to listen before paying for SSH handshakes (20 hosts booting share 2 cores).
    if (!(await tcpOpen(host.publicIp, 22, 1000))) {
      last = { ready: false, detail: 'ssh port 22 not open yet' };
      if (Date.now() > deadline) break;
      await sleep(200);
      continue;
    }
    const remaining = (deadline - Date.now()) / 1000;
    last = await probeReady(id, host, Math.max(2, Math.min(10, remaining)));
    if (last.ready) return;
    if (Date.now() > deadline) break;
    await sleep(500);
  }
  throw new LabError(
    `lab '${id}': host ${host.name} (${host.publicIp}) not ready after ${timeoutSeconds} s: last answer '${last.detail}' (expected 'systemctl is-system-running' to say running or degraded); console log ${consoleLogPath(id, host.name)}:\n${consoleTail(id, host.name)}`,
  );
}
