/**
 * A host during a run: its transport (one connection, reused by every task), its facts (gathered once), and a
 * probe cache that fetches declared probes in batches (one round trip for many probes).
 */
import { randomBytes } from 'node:crypto';
import { CommandError, ValidationError } from './errors';
import type { Fact } from './fact';
import { factsScript, parseFacts, type HostFacts } from './facts';
import type { InventoryHost, VarValue } from './inventory';
import { commandRun, commandStdinFile, commandText, type Command, type HostView } from './task';
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
   * `probes` are fetched in the same round trip too (the executor passes the probes it expects the play to need).
   */
  async gather(extra: Readonly<Record<string, string>> = {}, probes: readonly Fact<unknown>[] = []): Promise<Record<string, string>> {
    const wanted = this.#uncached(probes);
    const tok = randomBytes(6).toString('hex');
    const script = wanted.length ? `${factsScript(extra)}\nprintf '\\n%s\\n' '@@rb-probes-${tok}'\n${probeScript(wanted, tok)}` : factsScript(extra);
    const res = await this.runScript(script, 'gather facts');
    const at = wanted.length ? res.stdout.lastIndexOf(`\n@@rb-probes-${tok}\n`) : -1;
    const { facts, extra: out } = parseFacts(this.name, at < 0 ? res.stdout : res.stdout.slice(0, at + 1));
    this.#facts = facts;
    if (wanted.length) this.#store(wanted, this.#parseProbes(wanted, tok, at < 0 ? '' : res.stdout.slice(at), res.stderr, res.exitCode));
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
    // A probe nobody awaits (e.g. prefetched for a step that then asked for something else) must not become an
    // unhandled rejection; whoever awaits it still gets the error.
    p.catch(() => {});
    this.#cache.set(fact.key, p);
    return p as Promise<T>;
  }

  /** Whether this fact's result is cached (or being fetched). */
  isCached(fact: Fact<unknown>): boolean {
    return this.#cache.has(fact.key);
  }

  /**
   * Fetch these probes now, in one round trip (those already cached are not fetched again). A probe whose output
   * does not parse fails only the plan that reads it; a failed round trip fails the prefetch.
   */
  async prefetch(facts: readonly Fact<unknown>[]): Promise<void> {
    const wanted = this.#uncached(facts);
    if (wanted.length === 0) return;
    const tok = randomBytes(6).toString('hex');
    const res = await this.runScript(probeScript(wanted, tok), `probe ${wanted.length} facts`);
    this.#store(wanted, this.#parseProbes(wanted, tok, res.stdout, res.stderr, res.exitCode));
  }

  /** Unique facts (by key) that are not cached. */
  #uncached(facts: readonly Fact<unknown>[]): Fact<unknown>[] {
    return [...new Map(facts.filter((f) => !this.#cache.has(f.key)).map((f) => [f.key, f])).values()];
  }

  /** Put parsed probe outputs into the cache (a parse error is kept for whoever reads that fact). */
  #store(facts: readonly Fact<unknown>[], outputs: Map<string, { stdout: string; exitCode: number }>): void {
    for (const f of facts) {
      const o = outputs.get(f.key)!;
      const p = (async () => f.parse(o))();
      p.catch(() => {});
      this.#cache.set(f.key, p);
    }
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
    const res = await this.runBatch([{ commands: [...commands, ...after] }], reprobe);
    if (!res.ok) throw res.error;
  }

  /**
   * Run the commands of several entries (steps, handlers, bookkeeping) in order in ONE remote script: each command in
   * a subshell (an `exit` inside one ends only that command), the script stops at the first failure and reports
   * which entry and command failed, with that entry's stderr. `reprobe` facts are fetched at the end of the same
   * script when everything succeeded; the probe cache is replaced by their fresh results (and dropped on failure).
   */
  async runBatch(entries: readonly BatchEntry[], reprobe: readonly Fact<unknown>[] = []): Promise<BatchResult> {
    if (this.#check) throw new Error(`host '${this.name}': apply() called in check mode (executor bug)`);
    if (entries.some((e) => e.commands.some((c) => commandStdinFile(c) !== undefined))) return this.#runBatchWithFiles(entries);
    const tok = randomBytes(6).toString('hex');
    const unique = [...new Map(reprobe.map((f) => [f.key, f])).values()];
    const lines = [`rb_fail() { printf '\\n@@rb-failed-${tok} %s %s %s\\n' "$1" "$2" "$3" >&2; exit "$3"; }`];
    entries.forEach((e, i) => {
      lines.push(`printf '%s\\n' '@@rb-entry-${tok} ${i}' >&2`);
      e.commands.forEach((c, j) => lines.push(`( ${commandRun(c)}\n) || rb_fail ${i} ${j} "$?"`));
    });
    if (unique.length) lines.push(`printf '\\n%s\\n' '@@rb-applied-${tok}'`, probeScript(unique, tok));
    const res = await this.runScript(lines.join('\n'), 'apply');
    this.invalidate();
    if (res.exitCode !== 0) return { ok: false, ...this.#batchFailure(entries, tok, res.stderr, res.exitCode) };
    if (unique.length) {
      const at = res.stdout.lastIndexOf(`@@rb-applied-${tok}`);
      this.#store(unique, this.#parseProbes(unique, tok, at < 0 ? '' : res.stdout.slice(at), res.stderr, res.exitCode));
    }
    return { ok: true };
  }

  /**
   * Entries with a command that streams a local file (a bundle file pushed over the connection): such a command runs
   * in a round trip of its own (transport.runWithFile), the plain commands around it still go together, entries run
   * in order and the first failure stops the batch. Nothing is re-probed: the next step fetches what it needs.
   */
  async #runBatchWithFiles(entries: readonly BatchEntry[]): Promise<BatchResult> {
    try {
      for (let i = 0; i < entries.length; i++) {
        let plain: Command[] = [];
        const flush = async (): Promise<CommandError | null> => {
          if (!plain.length) return null;
          const res = await this.runBatch([{ commands: plain }]);
          plain = [];
          return res.ok ? null : res.error;
        };
        for (const c of entries[i]!.commands) {
          const file = commandStdinFile(c);
          if (file === undefined) {
            plain.push(c);
            continue;
          }
          const before = await flush();
          if (before) return { ok: false, entry: i, error: before };
          const error = await this.#runWithFile(c, file);
          if (error) return { ok: false, entry: i, error };
        }
        const after = await flush();
        if (after) return { ok: false, entry: i, error: after };
      }
      return { ok: true };
    } finally {
      this.invalidate();
    }
  }

  async #runWithFile(c: Command, file: string): Promise<CommandError | null> {
    if (!this.#transport.runWithFile) {
      return new CommandError({ host: this.name, command: commandText(c), exitCode: null, stderr: '', reason: 'this transport cannot stream a local file to the host (expected the SSH transport)' });
    }
    this.roundTrips++;
    const res = await this.#transport.runWithFile(commandRun(c), file, { timeoutMs: this.#timeoutMs });
    if (res.exitCode === 0) return null;
    return new CommandError({ host: this.name, command: commandText(c), exitCode: res.exitCode, stderr: res.stderr.trim(), ...(res.exitCode === null ? { reason: `timed out or was killed after at most ${this.#timeoutMs} ms` } : {}) });
  }

  #batchFailure(entries: readonly BatchEntry[], tok: string, stderr: string, exitCode: number): { entry: number; error: CommandError } {
    const m = new RegExp(`@@rb-failed-${tok} (\\d+) (\\d+) (\\d+)`).exec(stderr);
    const starts = [...stderr.matchAll(new RegExp(`^@@rb-entry-${tok} (\\d+)$`, 'gm'))];
    // A killed script (timeout, lost connection) has no failure marker: the entry that was running is the last started.
    const entry = m ? Number(m[1]) : Number(starts.at(-1)?.[1] ?? 0);
    const failed = m ? entries[entry]?.commands[Number(m[2])] : undefined;
    const begin = starts.find((s) => Number(s[1]) === entry);
    let own = begin ? stderr.slice(begin.index! + begin[0].length) : stderr;
    const next = own.search(new RegExp(`^@@rb-(entry|failed)-${tok} `, 'm'));
    if (next >= 0) own = own.slice(0, next);
    const timedOut = exitCode === -1;
    const command = failed ? commandText(failed) : (entries[entry]?.commands ?? []).map(commandText).join(' && ');
    return {
      entry,
      error: new CommandError({ host: this.name, command, exitCode: timedOut ? null : exitCode, stderr: own.trim(), ...(timedOut ? { reason: `timed out or was killed after at most ${this.#timeoutMs} ms` } : {}) }),
    };
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

/** One unit of a batch: the commands of a step (its plan's commands and bookkeeping), a handler, or bookkeeping. */
export interface BatchEntry {
  readonly commands: readonly Command[];
}

export type BatchResult = { readonly ok: true } | { readonly ok: false; readonly entry: number; readonly error: CommandError };

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
