/**
 * Producing the two dist trees the diff compares: the working tree's synth output and a git ref's,
 * synthesized in a temporary detached worktree (node_modules linked from the repository) that is
 * always removed afterwards. Each synth writes to a temporary `--out` folder; dist/ is never touched.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReviewError } from './review-error';

/** The branch pull requests target; the default base is the merge-base with it. */
export const MAIN_BRANCH = 'main';
const SYNTH_TIMEOUT_MS = 300_000;

function git(repo: string, args: readonly string[]): { ok: boolean; stdout: string; stderr: string } {
  const result = spawnSync('git', ['-C', repo, ...args], { encoding: 'utf8' });
  if (result.error) throw new ReviewError(`git ${args.join(' ')}: ${result.error.message} (is git installed?)`);
  return { ok: result.status === 0, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
}

export function repoRoot(cwd: string): string {
  const result = git(cwd, ['rev-parse', '--show-toplevel']);
  if (!result.ok) throw new ReviewError(`'${cwd}' is not inside a git repository (${result.stderr}); run the diff from the repository, or compare two dirs with --base-dir/--head-dir`);
  return result.stdout;
}

/** A ref resolved to a commit, with how to show it. */
export interface BaseRef {
  readonly commit: string;
  /** `main (merge-base) 1a2b3c4`, `HEAD 1a2b3c4`, `origin/main 1a2b3c4`. */
  readonly label: string;
}

export function resolveRef(repo: string, ref: string): BaseRef {
  const result = git(repo, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  if (!result.ok || result.stdout === '') throw new ReviewError(`--base '${ref}' is not a commit in ${repo} (expected a branch, tag or commit; fetch it first if it is remote)`);
  return { commit: result.stdout, label: `${ref} ${result.stdout.slice(0, 7)}` };
}

/**
 * The default base: on main (or detached at main's tip) HEAD itself, so the diff shows uncommitted
 * changes; elsewhere the merge-base of HEAD with main (else origin/main), so the diff shows what the
 * branch changes and not what main gained since.
 */
export function defaultBase(repo: string): BaseRef {
  const head = resolveRef(repo, 'HEAD');
  const branch = git(repo, ['rev-parse', '--abbrev-ref', 'HEAD']).stdout;
  for (const main of [MAIN_BRANCH, `origin/${MAIN_BRANCH}`]) {
    const tip = git(repo, ['rev-parse', '--verify', '--quiet', `${main}^{commit}`]);
    if (!tip.ok) continue;
    if (branch === MAIN_BRANCH || tip.stdout === head.commit) return { commit: head.commit, label: `HEAD ${head.commit.slice(0, 7)}` };
    const base = git(repo, ['merge-base', 'HEAD', main]);
    if (!base.ok) throw new ReviewError(`HEAD and ${main} have no common commit; pass --base <ref>`);
    return { commit: base.stdout, label: `merge-base with ${main} ${base.stdout.slice(0, 7)}` };
  }
  if (branch === MAIN_BRANCH) return { commit: head.commit, label: `HEAD ${head.commit.slice(0, 7)}` };
  throw new ReviewError(`there is no branch '${MAIN_BRANCH}' (nor origin/${MAIN_BRANCH}) to take the merge-base with; pass --base <ref>`);
}

/**
 * Runs `tsx cli/synth.ts [regions] --out <out>` in `cwd`, with the tsx of `toolsRepo`. Asynchronous, so
 * the caller's event loop keeps running: a Ctrl-C reaches its handlers and the cleanup still happens.
 */
export async function runSynth(cwd: string, toolsRepo: string, out: string, regions: readonly string[], what: string): Promise<void> {
  if (!existsSync(join(cwd, 'cli', 'synth.ts'))) {
    throw new ReviewError(`${what} has no synth (cli/synth.ts is missing), so there is nothing to compare; pick a --base that has one`);
  }
  const tsx = join(toolsRepo, 'node_modules', '.bin', 'tsx');
  if (!existsSync(tsx)) throw new ReviewError(`${tsx} is missing; run \`npm ci\` first`);
  const child = spawn(tsx, ['cli/synth.ts', ...regions, '--out', out], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGTERM'), SYNTH_TIMEOUT_MS);
  const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((done) => {
    child.on('error', (error) => done({ code: null, signal: null, error }));
    child.on('close', (code, signal) => done({ code, signal }));
  }).finally(() => clearTimeout(timer));
  if (result.error || result.code !== 0) {
    const tail = output.trim().split('\n').slice(-15).join('\n');
    const why = result.error ? result.error.message : result.signal ? `killed by ${result.signal}` : `exit status ${String(result.code)}`;
    throw new ReviewError(`synth of ${what} failed (${why}):\n${tail}`);
  }
}

/** A temporary folder, removed by `dispose`. */
export interface Scratch {
  readonly dir: string;
  dispose(): void;
}

export function scratch(prefix = 'review-'): Scratch {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Synthesizes `base` in a temporary worktree of `repo` into `out`; the worktree is removed whatever happens. */
export async function synthRef(repo: string, base: BaseRef, work: string, out: string, regions: readonly string[]): Promise<void> {
  const tree = join(work, 'base-worktree');
  const added = git(repo, ['worktree', 'add', '--detach', tree, base.commit]);
  if (!added.ok) throw new ReviewError(`cannot check out ${base.label} into a temporary worktree: ${added.stderr}`);
  try {
    const modules = join(tree, 'node_modules');
    // A node_modules committed as a symlink is already there; anything else gets the repository's.
    if (!lstatSync(modules, { throwIfNoEntry: false })) symlinkSync(join(repo, 'node_modules'), modules, 'dir');
    await runSynth(tree, repo, out, regions, `base ${base.label}`);
  } finally {
    git(repo, ['worktree', 'remove', '--force', tree]);
    rmSync(tree, { recursive: true, force: true });
    git(repo, ['worktree', 'prune']);
  }
}
