/**
 * npm run synth [-- <region>...] [--out <dir>] [--regions-dir <dir>] [--check]
 * Validates every region first, then writes dist/<region>/ (see docs/synth.md).
 */
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../regions/load';
import { prepareRegions } from '../synth/prepare-regions';
import { formatSummary } from '../synth/summary';
import { diffRegionDir, isUpToDate, listGeneratedFiles, listRegionDirs, removeStaleRegionDir, writeRegionDir } from '../synth/write/region-dir';

const USAGE = `Usage: npm run synth [-- <region>...] [--out <dir>] [--regions-dir <dir>] [--check]

Synthesizes regions into Kustomize-ready folders: <out>/<region>/kustomization.yaml, NN-<component>.yaml
in apply order, and components/<name>/ (Kustomize components for namespaces rdev-api creates).
Every region is loaded, composed and validated (strict schemas of the region's Kubernetes minor / cert-manager,
cross references, tenant isolation) before anything is written; when one fails, nothing is written.
<out>/<region>/secrets/ (git-ignored env files, see \`npm run secrets\`) is never touched.

Arguments:
  <region>...          regions to synthesize (default: every regions/*.ts region file)

Options:
  --out <dir>          output folder (default: dist/ of the repository)
  --regions-dir <dir>  folder of region files (default: regions/ of the repository)
  --check              write nothing; exit 1 and list the files that differ when <out> is stale
  -h, --help           show this help

Exit status: 0 success (or up to date with --check), 1 invalid region / failing validation / stale
output, 2 bad usage.`;

function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        out: { type: 'string' },
        'regions-dir': { type: 'string' },
        check: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    process.stderr.write(`synth: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const outDir = resolve(values.out ?? join(REPO_ROOT, 'dist'));
  const regionsDir = values['regions-dir'] ? resolve(values['regions-dir']) : undefined;
  const allRegions = positionals.length === 0;

  const { ok, failures } = await prepareRegions({ regions: positionals, ...(regionsDir ? { regionsDir } : {}) });
  if (failures.length > 0) {
    for (const f of failures) process.stderr.write(`${f.message}\n\n`);
    const names = failures.map((f) => f.region).join(', ');
    process.stderr.write(`synth: ${failures.length} of ${failures.length + ok.length} regions failed (${names}); nothing was written to ${display(outDir)}\n`);
    return 1;
  }

  const staleRegionDirs = allRegions
    ? (await listRegionDirs(outDir)).filter((d) => !ok.some((r) => r.summary.region === d))
    : [];

  if (values.check) {
    const problems: string[] = [];
    for (const r of ok) {
      const dir = join(outDir, r.summary.region);
      const diff = await diffRegionDir(dir, r.files);
      const show = (p: string) => display(join(dir, p));
      problems.push(...diff.missing.map((p) => `missing: ${show(p)}`), ...diff.stale.map((p) => `stale:   ${show(p)}`), ...diff.extra.map((p) => `extra:   ${show(p)}`));
      if (isUpToDate(diff)) process.stdout.write(`${r.summary.region}: up to date\n`);
    }
    for (const d of staleRegionDirs) {
      for (const p of await listGeneratedFiles(join(outDir, d))) problems.push(`extra:   ${display(join(outDir, d, p))} (no region '${d}')`);
    }
    if (problems.length > 0) {
      process.stderr.write(`${problems.join('\n')}\n${display(outDir)} is stale: run npm run synth and commit dist/\n`);
      return 1;
    }
    return 0;
  }

  for (const r of ok) {
    const changed = await writeRegionDir(outDir, r.summary.region, r.files);
    process.stdout.write(`${formatSummary(r.summary, `${changed ? 'written to' : 'unchanged in'} ${display(join(outDir, r.summary.region))}`)}\n`);
  }
  for (const d of staleRegionDirs) {
    const result = await removeStaleRegionDir(outDir, d);
    process.stdout.write(
      result === 'removed'
        ? `${d}: no such region, removed ${display(join(outDir, d))}\n`
        : `${d}: no such region, removed its generated files; kept ${display(join(outDir, d, 'secrets'))}/ (delete it yourself when no longer needed)\n`,
    );
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`synth: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
