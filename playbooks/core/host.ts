/**
 * A host during a run: its transport (one connection, reused by every task), its facts (gathered once), and a
 * probe cache that fetches declared probes in batches (one round trip for many probes).
 */
import { randomBytes } from 'node:crypto';
import { CommandError, ValidationError } from './errors';
import type { Fact } from './fact';
import { factsScript, parseFacts, type HostFacts } from './facts';
import type { InventoryHost, VarValue } from './inventory';
import { commandRun, commandText, type Command, type HostView } from './task';
import type { Transport } from './transport';

export interface HostOptions {
  /** Vars the host's plans see (inventory + group + play + run vars, already merged). */
  readonly vars: Readonly<Record<string, VarValue>>;
  readonly check: boolean;
  /** Timeout of one script (probe batch, apply). @default 600_000 */
  readonly commandTimeoutMs?: number;
}

export class Host {
  readonly name: string;
  readonly inventory: InventoryHost;
  #facts: HostFacts | null = null;
  #vars: Readonly<Record<string, VarValue>>;
  readonly #check: boolean;
  readonly #transport: Transport;
  readonly #timeoutMs: number;
  /** Probe results by fact key (a promise, so concurrent requests share one fetch). */
  #cache = new Map<string, Promise<unknown>>();
  /** Facts requested but not declared, flushed together on the next tick. */
  #queue: { fact: Fact<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = [];
  /** Number of round trips used (for tests and the bench). */
  roundTrips = 0;

  constructor(inventory: InventoryHost, transport: Transport, options: HostOptions) {
    this.name = inventory.name;
    this.inventory = inventory;
    this.#transport = transport;
    this.#vars = options.vars;
    this.#check = options.check;
    this.#timeoutMs = options.commandTimeoutMs ?? 600_000;
  }

  get facts(): HostFacts {
    if (!this.#facts) throw new Error(`host '${this.name}': facts read before gather()`);
    return this.#facts;
  }

  setVars(vars: Readonly<Record<string, VarValue>>): void {
    this.#vars = vars;
  }

  /**
   * Gather the host facts and run `extra` read-only sections in the same round trip; returns their stdout.
   */
  async gather(extra: Readonly<Record<string, string>> = {}): Promise<Record<string, string>> {
    const res = await this.runScript(factsScript(extra), 'gather facts');
    const { facts, extra: out } = parseFacts(this.name, res.stdout);
    this.#facts = facts;
    return out;
  }

  /** The read-only view plans, `when` and `args` functions get. */
  view(): HostView {
    const self = this;
    return {
      name: this.name,
      address: this.inventory.address,
      groups: ['all', ...this.inventory.groups],
      get vars() {
        return self.#vars;
      },
      get facts() {
        return self.facts;
      },
      check: this.#check,
      fact: <T>(fact: Fact<T>) => this.fact(fact),
    };
  }

  /** A probe result, from the cache or fetched (batched with every other probe requested in the same tick). */
  fact<T>(fact: Fact<T>): Promise<T> {
    const hit = this.#cache.get(fact.key);
    if (hit) return hit as Promise<T>;
    const p = new Promise<unknown>((resolve, reject) => {
      if (this.#queue.length === 0) setImmediate(() => void this.#flush());
      this.#queue.push({ fact, resolve, reject });
    });
    this.#cache.set(fact.key, p);
    return p as Promise<T>;
  }

  /** Whether this fact's result is cached (or being fetched). */
  isCached(fact: Fact<unknown>): boolean {
    return this.#cache.has(fact.key);
  }

  /** Fetch these probes now, in one round trip (those already cached are not fetched again). */
  async prefetch(facts: readonly Fact<unknown>[]): Promise<void> {
    const wanted = facts.filter((f) => !this.#cache.has(f.key));
    await Promise.all(wanted.map((f) => this.fact(f)));
  }

  /** Forget probe results (after a change was applied, what was probed may be different now). */
  invalidate(): void {
    this.#cache = new Map();
  }

  async #flush(): Promise<void> {
    const batch = this.#queue;
    this.#queue = [];
    const unique = new Map<string, Fact<unknown>>();
    for (const b of batch) unique.set(b.fact.key, b.fact);
    const facts = [...unique.values()];
    try {
      const outputs = await this.probeBatch(facts);
      for (const b of batch) {
        const out = outputs.get(b.fact.key);
        try {
          if (!out) throw new Error(`host '${this.name}': probe '${b.fact.key}' returned no output section`);
          b.resolve(b.fact.parse(out));
        } catch (e) {
          b.reject(e);
        }
      }
    } catch (e) {
      for (const b of batch) {
        this.#cache.delete(b.fact.key);
        b.reject(e);
      }
    }
  }

  /** Run many read-only probes in one script; output per fact key. */
  async probeBatch(facts: readonly Fact<unknown>[]): Promise<Map<string, { stdout: string; exitCode: number }>> {
    const tok = randomBytes(6).toString('hex');
    const res = await this.runScript(probeScript(facts, tok), `probe ${facts.length} facts`);
    return this.#parseProbes(facts, tok, res.stdout, res.stderr, res.exitCode);
  }

  #parseProbes(facts: readonly Fact<unknown>[], tok: string, stdout: string, stderr: string, exitCode: number | null): Map<string, { stdout: string; exitCode: number }> {
    const out = parseProbeOutput(facts, tok, stdout);
    if (out.size !== facts.length) {
      throw new CommandError({ host: this.name, command: `probe batch (${facts.map((f) => f.key).join(', ')})`, exitCode, stderr, reason: 'returned incomplete output' });
    }
    return out;
  }

  /**
   * Run a plan's commands in order in ONE round trip, stopping at the first failure (which the error names).
   * `after` commands (bookkeeping, e.g. recording a handler notification) run only when all commands succeeded.
   * `reprobe` facts are fetched again at the end of the same round trip (what the next steps will ask for), and
   * the probe cache is replaced by their fresh results.
   */
  async apply(commands: readonly Command[], after: readonly string[] = [], reprobe: readonly Fact<unknown>[] = []): Promise<void> {
    if (this.#check) throw new Error(`host '${this.name}': apply() called in check mode (executor bug)`);
    const all: Command[] = [...commands, ...after];
    const tok = randomBytes(6).toString('hex');
    const unique = [...new Map(reprobe.map((f) => [f.key, f])).values()];
    const script = [
      `rb_fail() { echo "@@rb-failed $1 $2" >&2; exit "$2"; }`,
      // Each command in a subshell: an `exit` inside one ends only that command, and the failure is attributed to it.
      ...all.map((c, i) => `( ${commandRun(c)}\n) || rb_fail ${i} "$?"`),
      ...(unique.length ? [`printf '\\n%s\\n' '@@rb-applied-${tok}'`, probeScript(unique, tok)] : []),
    ].join('\n');
    const res = await this.runScript(script, 'apply');
    if (res.exitCode !== 0) {
      this.invalidate();
      const m = res.stderr.match(/@@rb-failed (\d+) (\d+)/);
      const failed = m ? all[Number(m[1])] : undefined;
      const stderr = res.stderr.replace(/^@@rb-failed .*$/m, '').trimEnd();
      const timedOut = res.exitCode === -1;
      throw new CommandError({ host: this.name, command: failed ? commandText(failed) : all.map(commandText).join(' && '), exitCode: timedOut ? null : res.exitCode, stderr, ...(timedOut ? { reason: `timed out or was killed after at most ${this.#timeoutMs} ms` } : {}) });
    }
    this.invalidate();
    if (unique.length) {
      const at = res.stdout.indexOf(`@@rb-applied-${tok}`);
      const outputs = this.#parseProbes(unique, tok, at < 0 ? '' : res.stdout.slice(at), res.stderr, res.exitCode);
      for (const f of unique) {
        const o = outputs.get(f.key)!;
        const p = (async () => f.parse(o))();
        p.catch(() => {});
        this.#cache.set(f.key, p);
      }
    }
  }

  /** Run a raw script (as root) and return its result; throws CommandError on a non-zero exit. */
  async runScript(script: string, what: string, timeoutMs = this.#timeoutMs): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    this.roundTrips++;
    const res = await this.#transport.run(script, { timeoutMs });
    if (res.exitCode !== 0) {
      if (what === 'apply') return { ...res, exitCode: res.exitCode ?? -1 };
      throw new CommandError({ host: this.name, command: what, exitCode: res.exitCode, stderr: res.stderr, ...(res.exitCode === null ? { reason: `timed out or was killed after at most ${timeoutMs} ms` } : {}) });
    }
    return { ...res, exitCode: 0 };
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }
}

/** The path of a runner state file on the host (e.g. pending-handlers) inside `stateDir`. */
export function stateFile(stateDir: string, name: string): string {
  if (!stateDir.startsWith('/')) throw new ValidationError(`stateDir '${stateDir}' is not absolute (expected e.g. /var/lib/region-bootstrapper)`);
  return `${stateDir.replace(/\/$/, '')}/${name}`;
}

/** A unit of a probe script: one fact, or a group of facts fetched by one command. */
interface ProbeUnit {
  readonly command: string;
  readonly facts: readonly Fact<unknown>[];
}

function probeUnits(facts: readonly Fact<unknown>[]): ProbeUnit[] {
  const groups = new Map<string, Fact<unknown>[]>();
  for (const f of facts) if (f.group) groups.set(f.group.id, [...(groups.get(f.group.id) ?? []), f]);
  const units: ProbeUnit[] = [];
  const done = new Set<string>();
  for (const f of facts) {
    const members = f.group ? groups.get(f.group.id)! : [];
    if (f.group && members.length >= 2) {
      if (done.has(f.group.id)) continue;
      done.add(f.group.id);
      units.push({ command: f.group.command(members.map((m) => m.group!.item)), facts: members });
    } else units.push({ command: f.command, facts: [f] });
  }
  return units;
}

/** The probe part of a script: each unit's command in a subshell, its stdout and exit code between markers. */
export function probeScript(facts: readonly Fact<unknown>[], tok: string): string {
  return probeUnits(facts)
    .map((u, i) => `printf '%s\\n' '@@rb-probe-${tok} ${i}'; ( ${u.command}\n) 2>/dev/null; printf '\\n%s %s\\n' '@@rb-probe-end-${tok}' "$?"`)
    .join('\n');
}

/** Split probe output by the markers of `probeScript`. Facts without a complete section are missing from the map. */
export function parseProbeOutput(facts: readonly Fact<unknown>[], tok: string, stdout: string): Map<string, { stdout: string; exitCode: number }> {
  const begin = `@@rb-probe-${tok}`;
  const end = `@@rb-probe-end-${tok}`;
  const out = new Map<string, { stdout: string; exitCode: number }>();
  let pos = 0;
  probeUnits(facts).forEach((u, i) => {
    const b = `${begin} ${i}\n`;
    const start = stdout.indexOf(b, pos);
    const stop = start < 0 ? -1 : stdout.indexOf(`\n${end} `, start + b.length);
    if (start < 0 || stop < 0) return;
    const lineEnd = stdout.indexOf('\n', stop + 1);
    const line = stdout.slice(stop + 1, lineEnd < 0 ? undefined : lineEnd);
    const text = stdout.slice(start + b.length, stop);
    const exitCode = Number.parseInt(line.slice(end.length + 1), 10);
    if (u.facts.length === 1 && !(u.facts[0]!.group && u.command !== u.facts[0]!.command)) {
      out.set(u.facts[0]!.key, { stdout: text, exitCode });
    } else {
      const g = u.facts[0]!.group!;
      const parts = g.split(text, u.facts.map((f) => f.group!.item));
      u.facts.forEach((f, j) => out.set(f.key, { stdout: parts[j] ?? '', exitCode: 0 }));
    }
    pos = stop;
  });
  return out;
}
