/** Runs outer-machine commands with a time bound; errors carry the command, exit code and stderr tail. */
import { spawn } from 'node:child_process';
import { LabError } from './errors';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** @default 30 */
  readonly timeoutSeconds?: number;
  readonly input?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Return non-zero exits instead of throwing. @default false */
  readonly allowFailure?: boolean;
}

/** Last `n` lines of a text, for error messages. */
export function tail(text: string, n = 15): string {
  const lines = text.trimEnd().split('\n');
  return lines.slice(-n).join('\n');
}

/** Runs `cmd args` (no shell), bounded by `timeoutSeconds`. */
export function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const timeoutSeconds = options.timeoutSeconds ?? 30;
  const shown = [cmd, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutSeconds * 1000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new LabError(`lab: cannot run '${shown}': ${err.message} (is it installed? .ci/run installs the lab's packages)`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(new LabError(`lab: '${shown}' did not finish within ${timeoutSeconds} s\n${tail(stderr)}`));
        return;
      }
      const result = { code: code ?? (signal ? 128 : 1), stdout, stderr };
      if (result.code !== 0 && !options.allowFailure) {
        reject(new LabError(`lab: '${shown}' exited with ${result.code}${signal ? ` (${signal})` : ''}\n${tail(stderr || stdout)}`));
        return;
      }
      resolve(result);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Sleeps `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
