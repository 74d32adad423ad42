/**
 * Where a process spends its CPU time, from the profiles `node --cpu-prof` writes (one per thread: the main thread
 * and, under tools/ts/register.mjs, the module-hooks thread). Self time grouped by owner: a package under
 * node_modules, a folder of this repository (cli, playbooks/core, regions, ...), node's own internals, GC, idle.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import ./tools/ts/register.mjs cli/synth.ts --out /tmp/x
 *   node --import ./tools/ts/register.mjs bench/cpu-profile.ts /tmp/prof [--top 15] [--functions 10]
 *
 * bench/play.ts --profile uses it on the runner's own re-runs.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = fileURLToPath(new URL('..', import.meta.url));

/** The owner of a profile node: a package, a folder of the repository, node internals, or a V8 pseudo-frame. */
export function owner(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(garbage collector)') return '(gc)';
    if (functionName === '(idle)' || functionName === '(program)') return functionName;
    return '(native)';
  }
  if (url.startsWith('node:')) return 'node internals';
  const path = url.startsWith('file:') ? fileURLToPath(url) : url;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    return `npm ${rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const rel = relative(REPO, path);
  if (rel.startsWith('..')) return path;
  const parts = rel.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts.length === 2 ? `${parts[0]}` : rel;
}

interface CpuProfile {
  readonly nodes: readonly { readonly id: number; readonly children?: readonly number[]; readonly callFrame: { readonly url: string; readonly functionName: string; readonly lineNumber: number } }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface ProfileSummary {
  /** Sampled time, ms (idle included). */
  readonly total: number;
  /** Sampled time less idle, ms. */
  readonly busy: number;
  readonly wall: number;
  readonly owners: ReadonlyMap<string, number>;
  readonly functions: ReadonlyMap<string, number>;
  /** Inclusive time per function of this repository (itself and everything it called; recursion counted once). */
  readonly inclusive: ReadonlyMap<string, number>;
}

/** Self time (ms) per owner and per function of one .cpuprofile. */
export function summarize(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + (timeDeltas[i] ?? 0) / 1000);
  const owners = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of self) {
    const n = byId.get(id)!;
    const { url, functionName, lineNumber } = n.callFrame;
    const o = owner(url, functionName);
    owners.set(o, (owners.get(o) ?? 0) + ms);
    const fn = `${functionName || '(anonymous)'} ${url ? `${owner(url, functionName)}:${relative(REPO, url.startsWith('file:') ? fileURLToPath(url) : url).split('/').pop()}:${lineNumber + 1}` : ''}`;
    functions.set(fn, (functions.get(fn) ?? 0) + ms);
    total += ms;
  }
  const inclusive = new Map<string, number>();
  const walk = (id: number, open: Set<string>): number => {
    const n = byId.get(id)!;
    let t = self.get(id) ?? 0;
    const { url, functionName, lineNumber } = n.callFrame;
    const mine = url.startsWith('file:') && !url.includes('/node_modules/') ? `${functionName || '(anonymous)'} ${relative(REPO, fileURLToPath(url))}:${lineNumber + 1}` : undefined;
    const counted = mine !== undefined && !open.has(mine);
    if (counted) open.add(mine);
    for (const c of n.children ?? []) t += walk(c, open);
    if (counted) {
      open.delete(mine);
      inclusive.set(mine, (inclusive.get(mine) ?? 0) + t);
    }
    return t;
  };
  walk(profile.nodes[0]!.id, new Set());
  return { total, busy: total - (owners.get('(idle)') ?? 0), wall: (profile.endTime - profile.startTime) / 1000, owners, functions, inclusive };
}

export const table = (m: ReadonlyMap<string, number>, top: number): [string, number][] => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);

function main() {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '15' }, functions: { type: 'string', default: '10' } } });
  if (positionals.length !== 1) throw new Error('usage: node bench/cpu-profile.mjs <dir of .cpuprofile files | file> [--top 15] [--functions 10]');
  const target = positionals[0]!;
  const files = statSync(target).isDirectory() ? readdirSync(target).filter((f) => f.endsWith('.cpuprofile')).sort().map((f) => join(target, f)) : [target];
  if (!files.length) throw new Error(`${target}: no .cpuprofile files (expected the --cpu-prof-dir of a node run)`);
  for (const f of files) {
    const s = summarize(JSON.parse(readFileSync(f, 'utf8')) as CpuProfile);
    process.stdout.write(`${f.split('/').pop()}: profiled ${s.wall.toFixed(0)} ms, busy ${s.busy.toFixed(0)} ms\n`);
    for (const [o, ms] of table(s.owners, Number(values.top))) process.stdout.write(`  ${ms.toFixed(0).padStart(6)} ms  ${o}\n`);
    process.stdout.write('  top functions (self):\n');
    for (const [fn, ms] of table(s.functions, Number(values.functions))) process.stdout.write(`  ${ms.toFixed(0).padStart(6)} ms  ${fn}\n`);
    if (s.inclusive.size) process.stdout.write('  top functions of this repository (inclusive):\n');
    for (const [fn, ms] of table(s.inclusive, Number(values.functions))) process.stdout.write(`  ${ms.toFixed(0).padStart(6)} ms  ${fn}\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
