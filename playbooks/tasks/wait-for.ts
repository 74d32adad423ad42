/**
 * `wait.for`: wait, with a deadline, until a TCP port accepts connections, a file exists, or a read-only command
 * succeeds (checked from the host itself). Already true: ok. Otherwise the plan is a bounded wait loop that
 * fails the task with a clear message when the deadline passes. In check mode it reports what it would wait for.
 */
import { change, defineFact, ok, predict, raw, sh, unpredictable, ValidationError, type Fact, type Task } from '../core';

export type WaitForArgs = (
  | { readonly port: number; readonly host?: string }
  | { readonly file: string }
  | { readonly command: string }
) & {
  /** @default 60 */
  readonly timeoutSeconds?: number;
  /** @default 1 */
  readonly intervalSeconds?: number;
  /**
   * Read-only command run once when the deadline passes; its output (stdout and stderr, last 20 lines) follows the
   * timeout message, so the failure says why the condition never held (e.g. the API server's error), not only that.
   */
  readonly explainOnTimeout?: string;
  /** What is waited for, in words, for the summary and the timeout message. @default the port, file or command */
  readonly what?: string;
};

function target(a: WaitForArgs): { check: string; what: string } {
  if ('port' in a) {
    if (!Number.isInteger(a.port) || a.port < 1 || a.port > 65535) throw new ValidationError(`wait.for: port ${a.port} is out of range (expected 1..65535)`);
    const host = a.host ?? '127.0.0.1';
    const py = 'import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 2).close()';
    return {
      check: sh`{ if command -v bash >/dev/null 2>&1; then timeout 3 bash -c ${': </dev/tcp/"$0"/"$1"'} ${host} ${a.port}; else python3 -c ${py} ${host} ${a.port}; fi; } 2>/dev/null`,
      what: `port ${host}:${a.port}`,
    };
  }
  if ('file' in a) return { check: sh`[ -e ${a.file} ]`, what: `file ${a.file}` };
  return { check: a.command, what: `command ${a.command}` };
}

function condition(a: WaitForArgs): { check: string; what: string } {
  const c = target(a);
  return a.what === undefined ? c : { check: c.check, what: a.what };
}

function ready(a: WaitForArgs): Fact<boolean> {
  const c = condition(a);
  return defineFact(`wait.for:${c.check}`, c.check, ({ exitCode }) => exitCode === 0);
}

export const waitFor: Task<WaitForArgs> = {
  id: 'wait.for',
  probes: (_h, a) => [ready(a)],
  async plan(host, a) {
    const t = a.timeoutSeconds ?? 60;
    const every = a.intervalSeconds ?? 1;
    if (!(t > 0 && t <= 3600)) throw new ValidationError(`wait.for: timeoutSeconds ${t} is out of range (expected 1..3600)`);
    const { check, what } = condition(a);
    if (await host.fact(ready(a))) return ok(`${what} ready`);
    const explain = a.explainOnTimeout === undefined ? '' : sh` { ${raw(a.explainOnTimeout)}\n} 2>&1 | tail -n 20 | sed 's/^/  /' >&2;`;
    const loop = sh`deadline=$(( $(date +%s) + ${t} )); until { ${raw(check)}\n}; do if [ "$(date +%s)" -ge "$deadline" ]; then printf '%s\n' ${`timed out after ${t} s waiting for ${what}${a.explainOnTimeout === undefined ? '' : '; last answer:'}`} >&2;${raw(explain)} exit 1; fi; sleep ${every}; done`;
    // Once the wait succeeded the condition held; it changes nothing on the host itself. Whether the run has to wait
    // at all depends on when the condition comes true (a service this run starts, another host): a check run cannot
    // know, and says so.
    return unpredictable(
      change(`wait for ${what} (up to ${t} s)`, [{ run: `(\n${loop}\n)`, display: `wait up to ${t} s for ${what}` }], { predicts: [predict(ready(a), true)] }),
      `${what} is not ready now; whether the run still has to wait depends on when it gets ready`,
    );
  },
};


