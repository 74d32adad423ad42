/** Runs the review commands: in a child process (tsx cli/<name>.ts) or in-process, capturing the output. */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { diffCommand } from '../../review/diff-command';
import { reachabilityCommand } from '../../review/reachability-command';

export const REPO = resolve(__dirname, '..', '..');
const TSX = join(REPO, 'node_modules', '.bin', 'tsx');

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(name: string, args: readonly string[], cwd = REPO, env: Record<string, string> = {}): CliResult {
  const result = spawnSync(TSX, [join(REPO, 'cli', `${name}.ts`), ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `npm run diff` in-process (no tsx start-up per call). */
export async function runDiff(args: readonly string[], cwd = REPO): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const status = await diffCommand(args, { cwd, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), color: false });
  return { status, stdout, stderr };
}

/** `npm run reachability` in-process. */
export function runReachability(args: readonly string[], cwd = REPO): CliResult {
  let stdout = '';
  let stderr = '';
  const status = reachabilityCommand(args, { cwd, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { status, stdout, stderr };
}
