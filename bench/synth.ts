/**
 * Benchmark of the synth pipeline: npx tsx bench/synth.ts [--runs <n>]
 *
 * Prints (1) the phases of one cold in-process synth of every region (imports, load, compose,
 * validate, render, write), wall and CPU, and (2) the wall time of the real CLI, `node --import tsx
 * cli/synth.ts` (what `npm run synth` runs, minus npm's own start-up), over n runs into a temp dir,
 * against the target: all regions in under 2 s wall on a 2-core machine. The load average is printed
 * too: on a shared machine wall time says little when the load is far above the core count.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const TARGET_SECONDS = 2;

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
  const { composeRegion } = await import('../regions/compose');
  const { manifestsFromComposed } = await import('../synth/from-composed');
  const { assertValidManifests } = await import('../synth/validate/validate-manifests');
  const { renderRegion } = await import('../synth/render/render-region');
  const { writeRegionDir } = await import('../synth/write/region-dir');
  mark('import modules (cdk8s, cdk8s-plus, constructs, synth)');
  const regions = await loadAllRegions();
  mark(`load + validate ${regions.length} region files`);
  const manifests = regions.map((r) => manifestsFromComposed(composeRegion(r)));
  mark('compose (cdk8s charts -> JSON)');
  for (const m of manifests) assertValidManifests(m);
  mark('validation gate (schemas, references, tenant isolation)');
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

function cli(out: string, runs: number): number[] {
  const walls: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'cli', 'synth.ts'), '--out', out], { cwd: REPO, encoding: 'utf8' });
    walls.push((performance.now() - start) / 1000);
    if (r.status !== 0) throw new Error(`cli/synth.ts failed (exit ${String(r.status)}):\n${r.stderr}`);
  }
  return walls;
}

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Math.max(1, Number(values.runs));
const out = await mkdtemp(join(tmpdir(), 'bench-synth-'));
try {
  console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  await phases(join(out, 'in-process'));
  const walls = cli(join(out, 'cli'), runs).sort((a, b) => a - b);
  const best = walls[0] ?? NaN;
  const median = walls[Math.floor(walls.length / 2)] ?? NaN;
  const worst = walls[walls.length - 1] ?? NaN;
  console.log(`CLI (node --import tsx cli/synth.ts, all regions, ${runs} runs): min ${best.toFixed(2)} s, median ${median.toFixed(2)} s, max ${worst.toFixed(2)} s`);
  const startupStart = performance.now();
  spawnSync(process.execPath, ['--import', 'tsx', '-e', ''], { cwd: REPO });
  console.log(`  of which node + tsx start-up alone: ${((performance.now() - startupStart) / 1000).toFixed(2)} s`);
  console.log(`target: all regions under ${TARGET_SECONDS} s wall: ${best < TARGET_SECONDS ? 'met' : 'NOT met'} (best run ${best.toFixed(2)} s)`);
} finally {
  await rm(out, { recursive: true, force: true });
}
