/**
 * Bench of the runner, whole processes as a user waits for them: bench-play (playbooks/bench-play.ts) through the
 * CLI (`node --import ./tools/ts/register.mjs cli/play.ts lab bench-play`, what `npm run play` runs, without npm's
 * own start) on 1, 5, 10 and 20 lab hosts, against two floors on the same hosts (bench/floor.mjs):
 *   raw SSH floor     one node process: one connection per host in parallel, one command (`true`);
 *   ideal-script floor one node process: one connection per host, bench-play's changes as one plain shell script.
 * Per size: reset the hosts, raw floor, ideal floor, reset, `--check` (what it predicts), first run, no-change re-run;
 * then the ratios (first run / ideal script, re-run / raw floor), round trips per host, and the differences between
 * what `--check` reported and what the first run did (step by step, status and summary). Before the lab: the CLI start
 * cost (`play --help`: node alone, the compile cache, tsx, npm run) and a whole-process synth of every region.
 *
 * With --profile, one more no-change re-run per size runs under `node --cpu-prof` and its self time is printed by owner
 * (package, repository folder, node internals; bench/cpu-profile.ts), the main thread and the module-hooks thread.
 *
 *   node --import ./tools/ts/register.mjs bench/play.ts [--sizes 1,5,10,20] [--reps 1] [--start-reps 5] [--keep] [--profile]
 *
 * Brings up its own lab (`bench-play`, as many hosts as the largest size) and takes it down unless --keep. It loads
 * the machine's 2 cores heavily with 20 hosts: run it alone (under the lab lock when others share the machine).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { labDown, labUp, type LabInfo } from '../lab';
import { loadRegion } from '../regions/load';
import benchPlay from '../playbooks/bench-play';
import type { RunEvent } from '../playbooks/core';
import { inventoryFromRegion } from '../playbooks/inventory';
import { summarize, table } from './cpu-profile';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const LOADER = ['--import', './tools/ts/register.mjs'];

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Run a command to its end; wall time in ms. Fails with its output when it exits non-zero (unless allowed). */
function timed(cmd: string, args: readonly string[], opts: { okCodes?: readonly number[]; timeoutMs?: number } = {}): Promise<{ ms: number; stdout: string; code: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 600_000);
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const ms = performance.now() - t0;
      if (!(opts.okCodes ?? [0]).includes(code ?? -1)) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out.slice(-2000)}\n${err.slice(-2000)}`));
      else resolve({ ms, stdout: out, code: code ?? -1 });
    });
  });
}

type Result = Extract<RunEvent, { type: 'task.result' }>;
type End = Extract<RunEvent, { type: 'run.end' }>;

function readLog(file: string): { results: Result[]; end: End; start: number } {
  const events = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunEvent & { ts: string });
  const end = events.find((e): e is End & { ts: string } => e.type === 'run.end');
  if (!end) throw new Error(`${file}: no run.end event`);
  const start = Date.parse(events.find((e) => e.type === 'run.start')!.ts);
  return { results: events.filter((e): e is Result & { ts: string } => e.type === 'task.result'), end, start };
}

/** Differences between what --check reported and what the run did, per host and step (status and summary). */
function checkDiffs(check: readonly Result[], run: readonly Result[]): string[] {
  const key = (r: Result) => `${r.host} | ${r.handler ? 'handler ' : ''}${r.task}`;
  const c = new Map(check.map((r) => [key(r), `${r.status}: ${r.summary}`]));
  const d = new Map(run.map((r) => [key(r), `${r.status}: ${r.summary}`]));
  const out: string[] = [];
  for (const k of new Set([...c.keys(), ...d.keys()])) if (c.get(k) !== d.get(k)) out.push(`${k}: check '${c.get(k) ?? 'absent'}' vs run '${d.get(k) ?? 'absent'}'`);
  return out;
}

async function startCost(reps: number): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'rb-bench-synth-'));
  try {
    // The compile cache warm (what `npm ci` leaves behind), like every start after the first.
    await timed('node', ['tools/ts/build.mjs']);
    const cases: [string, string, string[]][] = [
      ['node -e 0 (node itself)', 'node', ['-e', '0']],
      ['play --help, compile cache (npm run play runs this)', 'node', [...LOADER, 'cli/play.ts', '--help']],
      ['play --help, tsx (before: compiles at every start)', join(REPO, 'node_modules/.bin/tsx'), ['cli/play.ts', '--help']],
      ['npm run play -- --help (npm included)', 'npm', ['run', '-s', 'play', '--', '--help']],
      ['synth of every region, whole process (compile cache)', 'node', [...LOADER, 'cli/synth.ts', '--out', dir]],
    ];
    const rows: string[] = [];
    for (const [label, cmd, args] of cases) {
      const ms: number[] = [];
      for (let i = 0; i < reps; i++) ms.push((await timed(cmd, args)).ms);
      rows.push(`| ${label.padEnd(56)} | ${sec(median(ms)).padStart(8)} | ${sec(Math.min(...ms)).padStart(8)} |`);
    }
    return [`CLI start, ${reps} runs each (median, best), load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}:`, '', `| ${'command'.padEnd(56)} |   median |     best |`, `|${'-'.repeat(58)}|---------:|---------:|`, ...rows];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each goal of issue 13 against the measured ratio: met, or missed by how much (with the 1-minute load average then). */
function goals(ratios: ReadonlyMap<number, { firstIdeal: number; rerunRaw: number; load: number }>): string[] {
  const line = (what: string, n: number, key: 'firstIdeal' | 'rerunRaw', goal: number) => {
    const r = ratios.get(n);
    if (!r) return `  ${what} (${n} host${n === 1 ? '' : 's'}): not measured (add ${n} to --sizes)`;
    const v = r[key];
    return `  ${what} (${n} host${n === 1 ? '' : 's'}): ${v.toFixed(2)}x, goal ${goal}x: ${v <= goal ? 'met' : `MISSED by ${(v / goal).toFixed(2)}x`} (load average ${r.load.toFixed(1)})`;
  };
  return [line('first run / ideal script', 20, 'firstIdeal', 1.3), line('re-run / raw floor', 20, 'rerunRaw', 1.5), line('re-run / raw floor', 1, 'rerunRaw', 3)];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { sizes: { type: 'string', default: '1,5,10,20' }, reps: { type: 'string', default: '1' }, 'start-reps': { type: 'string', default: '5' }, keep: { type: 'boolean', default: false }, profile: { type: 'boolean', default: false } },
  });
  const sizes = values.sizes.split(',').map(Number);
  const reps = Number(values.reps);
  const startReps = Number(values['start-reps']);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 40) || !Number.isInteger(reps) || reps < 1 || !Number.isInteger(startReps) || startReps < 1) {
    throw new Error(`usage: --sizes 1,5,10,20 (1..40 each) --reps 1 --start-reps 5; got --sizes ${values.sizes} --reps ${values.reps} --start-reps ${values['start-reps']}`);
  }
  const lines: string[] = [...(await startCost(startReps)), ''];
  const max = Math.max(...sizes);
  process.stderr.write(`bench: lab of ${max} hosts...\n`);
  const info: LabInfo = await labUp({ id: 'bench-play', hosts: max, log: (l) => process.stderr.write(`  ${l}\n`) });
  const work = mkdtempSync(join(tmpdir(), 'rb-bench-play-'));
  try {
    const region = await loadRegion('lab', { labDir: info.dir });
    const { inventory, ssh } = inventoryFromRegion(region);
    const rows: string[] = [];
    const diffs: string[] = [];
    const profile: string[] = [];
    const cpu: string[] = [];
    const ratios = new Map<number, { firstIdeal: number; rerunRaw: number; load: number }>();
    for (const n of sizes) {
      const hosts = inventory.hosts.slice(0, n);
      const hostsFile = join(work, `hosts-${n}.json`);
      writeFileSync(hostsFile, JSON.stringify({ knownHostsPath: ssh.knownHostsPath, privateKeyPath: ssh.privateKeyPath, hosts: hosts.map((h) => ({ name: h.name, address: h.address, port: h.port, user: h.user })) }));
      const cli = (log: string, extra: string[] = []) => timed('node', [...LOADER, 'cli/play.ts', 'lab', 'bench-play', '--lab-dir', info.dir, '--limit', hosts.map((h) => h.name).join(','), '--log', log, ...extra]);
      const m = { raw: [] as number[], ideal: [] as number[], first: [] as number[], rerun: [] as number[], check: [] as number[] };
      let rtFirst = 0;
      let rtRerun = 0;
      for (let rep = 0; rep < reps; rep++) {
        await timed('node', ['bench/floor.mjs', 'reset', hostsFile]);
        m.raw.push((await timed('node', ['bench/floor.mjs', 'raw', hostsFile])).ms);
        m.ideal.push((await timed('node', ['bench/floor.mjs', 'ideal', hostsFile])).ms);
        await timed('node', ['bench/floor.mjs', 'reset', hostsFile]);
        const logs = { check: join(work, `check-${n}-${rep}.ndjson`), first: join(work, `first-${n}-${rep}.ndjson`), rerun: join(work, `rerun-${n}-${rep}.ndjson`) };
        m.check.push((await cli(logs.check, ['--check'])).ms);
        const t0 = Date.now();
        m.first.push((await cli(logs.first)).ms);
        m.rerun.push((await cli(logs.rerun)).ms);
        const check = readLog(logs.check);
        const first = readLog(logs.first);
        const rerun = readLog(logs.rerun);
        if (first.results.filter((r) => r.status === 'changed').length === 0) throw new Error(`n=${n}: the first run changed nothing (was the reset complete?)`);
        const changedAgain = rerun.results.filter((r) => r.status === 'changed');
        if (changedAgain.length) throw new Error(`n=${n}: the re-run changed ${changedAgain.length} step(s), e.g. ${changedAgain[0]!.host}: ${changedAgain[0]!.task}: ${changedAgain[0]!.summary}`);
        for (const d of checkDiffs(check.results, first.results)) diffs.push(`n=${n}: ${d}`);
        rtFirst = Math.max(...Object.values(first.end.roundTrips ?? {}));
        rtRerun = Math.max(...Object.values(rerun.end.roundTrips ?? {}));
        if (rep === reps - 1) {
          profile.push(`| ${String(n).padStart(5)} | ${sec(first.start - t0).padStart(9)} | ${sec(first.end.durationMs).padStart(9)} | ${sec(rerun.end.durationMs).padStart(9)} |`);
        }
        process.stderr.write(`  n=${n} rep ${rep + 1}: raw ${m.raw.at(-1)!.toFixed(0)} ms, ideal ${m.ideal.at(-1)!.toFixed(0)} ms, check ${m.check.at(-1)!.toFixed(0)} ms, first ${m.first.at(-1)!.toFixed(0)} ms, re-run ${m.rerun.at(-1)!.toFixed(0)} ms\n`);
      }
      if (values.profile) {
        const dir = join(work, `prof-${n}`);
        const { ms } = await timed('node', ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...LOADER, 'cli/play.ts', 'lab', 'bench-play', '--lab-dir', info.dir, '--limit', hosts.map((h) => h.name).join(','), '--log', join(work, `prof-${n}.ndjson`)]);
        const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
        cpu.push(`no-change re-run on ${n} host(s) under --cpu-prof: ${sec(ms)} wall`);
        for (const f of files) {
          const s = summarize(JSON.parse(readFileSync(join(dir, f), 'utf8')) as Parameters<typeof summarize>[0]);
          // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread
          const thread = f.split('.')[4] === '0' ? 'main thread' : 'module hooks thread';
          cpu.push(`  ${thread}: busy ${s.busy.toFixed(0)} ms of ${s.wall.toFixed(0)} ms: ${table(s.owners, 9).filter(([o]) => o !== '(idle)').map(([o, v]) => `${o} ${v.toFixed(0)}`).join(', ')}`);
        }
      }
      const [raw, ideal, first, rerun, check] = [median(m.raw), median(m.ideal), median(m.first), median(m.rerun), median(m.check)];
      ratios.set(n, { firstIdeal: first / ideal, rerunRaw: rerun / raw, load: loadavg()[0]! });
      rows.push(`| ${String(n).padStart(5)} | ${sec(raw).padStart(8)} | ${sec(ideal).padStart(8)} | ${sec(check).padStart(8)} | ${sec(first).padStart(8)} | ${`${(first / ideal).toFixed(2)}x`.padStart(13)} | ${sec(rerun).padStart(8)} | ${`${(rerun / raw).toFixed(2)}x`.padStart(12)} | ${`${rtFirst} / ${rtRerun}`.padStart(11)} |`);
    }
    lines.push(
      `bench-play (${benchPlay.plays[0]!.steps.length} steps + 1 handler), whole processes, median of ${reps} run(s) per size, forks 20, ${cpus().length} CPUs, load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`,
      '',
      '| hosts | raw SSH  | ideal    | --check  | first    | first / ideal | re-run   | re-run / raw | round trips |',
      '|------:|---------:|---------:|---------:|---------:|--------------:|---------:|-------------:|------------:|',
      ...rows,
      '',
      'round trips: per host after connecting, first run / re-run. Goals: first run within 1.3x the ideal script (20 hosts);',
      're-run within 1.5x the raw floor (20 hosts) and 3x (1 host).',
      ...goals(ratios),
      '',
      'Where a CLI run spends its time (last rep): process start to run.start (node, modules, region), then the run itself',
      '(connect + round trips, from the NDJSON log):',
      '',
      '| hosts | start     | first run | re-run    |',
      '|------:|----------:|----------:|----------:|',
      ...profile,
      '',
      `--check vs first run, every host and step (status and summary): ${diffs.length} difference(s)${diffs.length ? `\n  ${diffs.join('\n  ')}` : ''}`,
      ...(cpu.length ? ['', 'CPU profile (self time in ms by owner, idle left out):', ...cpu] : []),
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
    if (!values.keep) await labDown('bench-play');
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
