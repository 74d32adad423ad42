/**
 * `npm run diff`: option parsing, the two trees (git ref or dist dir, working tree or dist dir), the
 * review and its rendering. cli/diff.ts runs it on the process; tests run it in-process.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CommandIo } from './command-io';
import { loadDistTree } from './dist-tree';
import { formatJson } from './format/json';
import { formatMarkdown } from './format/markdown';
import { formatTerminal } from './format/terminal';
import { ReviewError } from './review-error';
import { diffTrees } from './review-diff';
import { defaultBase, repoRoot, resolveRef, runSynth, scratch, synthRef } from './synth-tree';

export const DIFF_USAGE = `Usage: npm run diff [-- options]

Synthesizes a base git ref and the working tree into temporary folders and shows, per region, the
objects added, removed, renamed and changed (field by field), security-relevant changes first,
warnings for fields Kubernetes will not change in place, and reachability changes.

Options:
  --base <ref>        git ref to compare against (default: on main, HEAD, i.e. your uncommitted
                      changes; on another branch, the merge-base of HEAD with main)
  --base-dir <dir>    compare against an already synthesized dist tree instead of a ref
  --head-dir <dir>    compare this dist tree instead of synthesizing the working tree
  --region <name>     only this region (repeatable)
  --format <f>        terminal (default; colour only on a TTY, NO_COLOR disables), markdown (for a
                      pull-request comment) or json
  -h, --help          show this help

Exit status: 0 no differences, 1 differences, 2 trouble (bad option, unknown ref, synth failed).
Secret-like values are shown as <redacted:tag>; equal tags within one run mean equal values.`;

const FORMATS = ['terminal', 'markdown', 'json'] as const;
type Format = (typeof FORMATS)[number];

/** `npm run diff` without the process around it: returns the exit status. */
export async function diffCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        base: { type: 'string' },
        'base-dir': { type: 'string' },
        'head-dir': { type: 'string' },
        region: { type: 'string', multiple: true },
        format: { type: 'string', default: 'terminal' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
      strict: true,
    }));
  } catch (error) {
    io.stderr(`diff: ${(error as Error).message}\n\n${DIFF_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${DIFF_USAGE}\n`);
    return 0;
  }
  const format = values.format as Format;
  const work = scratch('rdev-diff-');
  try {
    if (!FORMATS.includes(format)) throw new ReviewError(`--format '${values.format}' is not supported (expected ${FORMATS.join(', ')})`);
    if (values.base !== undefined && values['base-dir'] !== undefined) throw new ReviewError('--base and --base-dir both given; pass one of them');
    const regions = values.region ?? [];
    let repo: string | undefined;
    const theRepo = (): string => (repo ??= repoRoot(io.cwd));

    let baseDir: string;
    let baseLabel: string;
    if (values['base-dir'] !== undefined) {
      baseDir = resolve(io.cwd, values['base-dir']);
      baseLabel = values['base-dir'];
    } else {
      const ref = values.base !== undefined ? resolveRef(theRepo(), values.base) : defaultBase(theRepo());
      baseDir = join(work.dir, 'base-dist');
      await synthRef(theRepo(), ref, work.dir, baseDir, []);
      baseLabel = ref.label;
    }
    let headDir: string;
    let headLabel: string;
    if (values['head-dir'] !== undefined) {
      headDir = resolve(io.cwd, values['head-dir']);
      headLabel = values['head-dir'];
    } else {
      headDir = join(work.dir, 'head-dist');
      await runSynth(theRepo(), theRepo(), headDir, [], 'the working tree');
      headLabel = 'working tree';
    }

    const base = loadDistTree(baseDir);
    const head = loadDistTree(headDir);
    for (const region of regions) {
      if (!base.has(region) && !head.has(region)) {
        throw new ReviewError(`--region '${region}' is in neither tree (found: ${[...new Set([...base.keys(), ...head.keys()])].sort().join(', ') || 'none'})`);
      }
    }
    const review = diffTrees(base, head, { regions, baseLabel, headLabel });
        const text = format === 'json' ? formatJson(review) : format === 'markdown' ? formatMarkdown(review) : formatTerminal(review, { color: io.color });
    io.stdout(text);
    return review.different ? 1 : 0;
  } catch (error) {
    if (error instanceof ReviewError) io.stderr(`diff: ${error.message}\n`);
    else io.stderr(`diff: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return 2;
  } finally {
    work.dispose();
  }
}

