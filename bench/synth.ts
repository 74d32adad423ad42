/**
 * Benchmark of the synth pipeline:
 *   node --import ./tools/ts/register.mjs bench/synth.ts [--runs <n>]
 *
 * Prints (1) the phases of one cold in-process synth of every region (imports, load + validate the region files,
 * compose the cdk8s charts, compose again with every pin bumped for the immutable-field check, the validation gate,
 * the platform model, render), wall and CPU, and (2) the wall and CPU time of the real CLI,
 * `node --import ./tools/ts/register.mjs cli/synth.ts` (what `npm run synth` runs, minus npm's own start-up), over
 * n runs into a temp dir, against DESIGN.md's target: all regions in under 0.6 s whole process. The load average is
 * printed too: on a shared machine wall time says little when the load is far above the core count; CPU time
 * (user + system, of every thread) says more.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const TARGET_SECONDS = 0.6;
const LOADER = ['--import', './tools/ts/register.mjs'];

function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

async function phases(out: string): Promise<void> {
  const rows: [string, number, number][] = [];
  let wall = performance.now();
  let cpu = process.cpuUsage();
  const mark = (label: string) => {
    rows.push([label, performance.now() - wall, cpuMs(cpu)]);
    wall = performance.now();
    cpu = process.cpuUsage();
  };
  const { loadAllRegions } = await import('../regions/load');
  mark('import regions/load (region validation)');
  const { composeRegion } = await import('../regions/compose');
  const { manifestsFromComposed } = await import('../synth/from-composed');
  mark('import regions/compose (cdk8s, cdk8s-plus-28, constructs)');
  const { bumpVersions } = await import('../synth/platform/bump');
  const { validateManifests } = await import('../synth/validate/validate-manifests');
  const { checkPlatform } = await import('../synth/platform');
  const { renderRegion } = await import('../synth/render/render-region');
  const { writeRegionDir } = await import('../synth/write/region-dir');
  mark('import synth (gate, platform model, render, write)');
  const regions = await loadAllRegions();
  mark(`load + validate ${regions.length} region files`);
  const manifests = regions.map((r) => manifestsFromComposed(composeRegion(r)));
  mark('compose (cdk8s charts -> JSON)');
  const bumped = regions.map((r) => {
    const b = bumpVersions(r);
    return { manifests: manifestsFromComposed(composeRegion(b.region)), bump: { changed: b.changed } };
  });
  mark('compose again with every pin bumped (immutable fields)');
  for (const m of manifests) validateManifests(m);
  mark('validation gate (schemas, references, tenant isolation)');
  manifests.forEach((m, i) => checkPlatform(m, { bumped: bumped[i]! }));
  mark('platform model (scheduling, paths, immutable fields)');
  const rendered = manifests.map((m) => ({ name: m.region.name, files: renderRegion(m) }));
  mark('render YAML');
  for (const r of rendered) await writeRegionDir(out, r.name, r.files);
  mark('write (temp dir + swap)');
  const totalWall = rows.reduce((a, r) => a + r[1], 0);
  const totalCpu = rows.reduce((a, r) => a + r[2], 0);
  console.log('In-process, cold (one run in this process):');
  for (const [label, w, c] of rows) console.log(`  ${label.padEnd(58)} ${w.toFixed(0).padStart(6)} ms wall ${c.toFixed(0).padStart(6)} ms cpu`);
  console.log(`  ${'total'.padEnd(58)} ${totalWall.toFixed(0).padStart(6)} ms wall ${totalCpu.toFixed(0).padStart(6)} ms cpu`);
}

function cli(out: string, runs: number): { wall: number; cpu: number }[] {
  const results: { wall: number; cpu: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const cpu0 = childrenCpuSeconds();
    const start = performance.now();
    const r = spawnSync(process.execPath, [...LOADER, join(REPO, 'cli', 'synth.ts'), '--out', out], { cwd: REPO, encoding: 'utf8' });
    const wall = (performance.now() - start) / 1000;
    if (r.status !== 0) throw new Error(`cli/synth.ts failed (exit ${String(r.status)}):\n${r.stderr}`);
    results.push({ wall, cpu: childrenCpuSeconds() - cpu0 });
  }
  return results;
}

/** CPU seconds (user + system, every thread) of the children that ended so far: cutime + cstime of /proc/self/stat. */
function childrenCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Math.max(1, Number(values.runs));
const out = await mkdtemp(join(tmpdir(), 'bench-synth-'));
try {
  console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  await phases(join(out, 'in-process'));
  const results = cli(join(out, 'cli'), runs).sort((a, b) => a.wall - b.wall);
  const pick = (i: number) => results[i] ?? { wall: NaN, cpu: NaN };
  const [best, median, worst] = [pick(0), pick(Math.floor(results.length / 2)), pick(results.length - 1)];
  const startStart = performance.now();
  spawnSync(process.execPath, [...LOADER, '-e', ''], { cwd: REPO });
  const start = (performance.now() - startStart) / 1000;
  const nodeStart = performance.now();
  spawnSync(process.execPath, ['-e', ''], { cwd: REPO });
  const node = (performance.now() - nodeStart) / 1000;
  console.log(`CLI (node --import ./tools/ts/register.mjs cli/synth.ts, all regions, ${runs} runs): wall min ${best.wall.toFixed(2)} s, median ${median.wall.toFixed(2)} s, max ${worst.wall.toFixed(2)} s; CPU (all threads) of the median run ${median.cpu.toFixed(2)} s`);
  console.log(`  of which node alone ${node.toFixed(2)} s, node + the module hooks of the compile cache ${start.toFixed(2)} s (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
  console.log(`target: all regions under ${TARGET_SECONDS} s whole process: ${best.wall < TARGET_SECONDS ? 'met' : `NOT met (best run ${best.wall.toFixed(2)} s, ${(best.wall / TARGET_SECONDS).toFixed(1)}x the target)`}`);
} finally {
  await rm(out, { recursive: true, force: true });
}
