/**
 * The executor: runs a playbook over an inventory.
 *
 * Per host and play, in the common case ONE round trip to look and ONE to act: connect once (the connection is
 * reused by every play and task of the run); gather facts, the persisted pending handlers and the probes of every
 * step in one round trip (later plays: their probes in one); plan every step against the probed facts plus the
 * overlay of facts earlier steps predicted (Plan `predicts`); then run every planned command of the play, and the
 * handlers it notified, in one remote script that stops at the first failure and reports per step. A change that
 * cannot predict its effect makes the executor run the batch so far (with the remaining probes) before the next
 * plan reads a fact; a commit-confirmed step keeps its own round trip and new-connection confirmation. In check
 * mode the same plans are made against the same overlay, nothing runs, and a plan that read a fact an
 * unpredicted change may alter says so (`uncertain`). Hosts run independently in parallel (up to `forks`), in
 * `serial` batches when asked.
 *
 * A failed or unreachable host leaves the run; the others go on. `maxFailPercent` stops the play (and the run).
 */
import { CommandError, ConnectionError, ValidationError } from './errors';
import type { EventSink, HostRecap, RunEvent, TaskStatus } from './events';
import type { Fact } from './fact';
import { Host, stateFile, type BatchEntry } from './host';
import { Overlay } from './overlay';
import { selectHosts } from './host-pattern';
import type { Inventory, InventoryHost, VarValue } from './inventory';
import { notifyList, resolveArgs, type Handler, type Play, type Playbook, type Step } from './playbook';
import { sh } from './quote';
import { redact } from './redaction';
import { commandRun, commandText, type Command, type Confirmation, type HostView, type Plan, type Task } from './task';
import type { Connector } from './transport';

export interface RunOptions {
  /** Opens the connection to a host (sshConnector(...) in production). */
  readonly connect: Connector;
  /** Plans only: probes run, nothing changes. */
  readonly check?: boolean;
  /** Put file diffs into the task results. */
  readonly diff?: boolean;
  /** Host patterns narrowing the run (names, pools, globs, `!x`). @default every host */
  readonly limit?: readonly string[];
  /** Run only steps with one of these tags (plus steps tagged `always`). @default every step */
  readonly tags?: readonly string[];
  /** Skip steps with one of these tags. */
  readonly skipTags?: readonly string[];
  /** Hosts worked on at the same time. @default 20 */
  readonly forks?: number;
  /** Vars over every other var (e.g. secrets passed by the CLI). */
  readonly vars?: Readonly<Record<string, VarValue>>;
  /** Receives every event (reporter, NDJSON log, tests). */
  readonly onEvent?: EventSink;
  /** Where the runner keeps state on hosts (pending handlers). @default '/var/lib/region-bootstrapper' */
  readonly stateDir?: string;
  /** Timeout of one remote script. @default 600_000 */
  readonly commandTimeoutMs?: number;
}

export interface RunResult {
  /** True when no host failed or was unreachable (and the run was not stopped). */
  readonly ok: boolean;
  readonly recap: Readonly<Record<string, HostRecap>>;
  /** Why the run stopped early (maxFailPercent), if it did. */
  readonly stopped?: string;
  readonly durationMs: number;
  /** Round trips per host after connecting (facts + probe batches + applies), for the bench. */
  readonly roundTrips: Readonly<Record<string, number>>;
}

export const DEFAULT_STATE_DIR = '/var/lib/region-bootstrapper';

interface HostState {
  readonly inv: InventoryHost;
  host: Host | null;
  status: 'active' | 'failed' | 'unreachable';
  recap: HostRecap;
  /** Handler names persisted on the host by an earlier run and not yet run. */
  pending: Set<string>;
  /** Predicted facts; kept across the plays of a run (in check mode the only way later plays see earlier changes). */
  readonly overlay: Overlay;
}

/** Run a playbook. Never throws for host failures (they are in the result); throws ValidationError for bad input. */
export async function runPlaybook(playbook: Playbook, inventory: Inventory, options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const emit: EventSink = options.onEvent ?? (() => {});
  const check = options.check ?? false;
  const forks = options.forks ?? 20;
  if (!Number.isInteger(forks) || forks < 1) throw new ValidationError(`forks ${forks} is not a positive integer (expected e.g. --forks 10)`);
  const stateDir = options.stateDir ?? DEFAULT_STATE_DIR;
  const pendingFile = stateFile(stateDir, 'pending-handlers');
  checkUniqueNames(inventory);
  const selected = options.limit?.length ? selectHosts(inventory.hosts, options.limit, '--limit') : [...inventory.hosts];
  const states = new Map<string, HostState>(
    selected.map((inv) => [inv.name, { inv, host: null, status: 'active', recap: { ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0 }, pending: new Set(), overlay: new Overlay() }]),
  );
  emit({ type: 'run.start', playbook: playbook.name, inventory: inventory.name, hosts: selected.map((h) => h.name), check, diff: options.diff ?? false });

  let stopped: string | undefined;
  try {
    for (const play of playbook.plays) {
      const patterns = typeof play.hosts === 'string' ? [play.hosts] : play.hosts;
      // Play patterns resolve against the whole inventory (so a --limit that leaves a play without hosts is not an
      // error), then narrow to the hosts still in the run.
      const targets = selectHosts(inventory.hosts, patterns, `playbook '${playbook.name}', play '${play.name}'`).filter((h) => states.get(h.name)?.status === 'active');
      const steps = play.steps.filter((s) => selectedByTags(s, options.tags, options.skipTags));
      emit({ type: 'play.start', play: play.name, hosts: targets.map((h) => h.name), steps: steps.length });
      if (targets.length === 0) continue;
      const runOnce = new RunOnceOwners(targets.map((h) => h.name));
      for (const batch of batches(targets, play.serial, play.name)) {
        await parallel(batch, forks, (inv) =>
          runHostPlay(states.get(inv.name)!, play, steps, { inventory, options, emit, check, pendingFile, runOnce }),
        );
        if (play.maxFailPercent !== undefined) {
          const failed = targets.filter((h) => states.get(h.name)?.status !== 'active').length;
          const percent = (failed / targets.length) * 100;
          if (percent > play.maxFailPercent) {
            stopped = `play '${play.name}': ${failed} of ${targets.length} hosts failed (${percent.toFixed(0)}% > maxFailPercent ${play.maxFailPercent})`;
            emit({ type: 'play.stopped', play: play.name, reason: stopped });
            break;
          }
        }
      }
      if (stopped) break;
    }
  } finally {
    await Promise.all([...states.values()].map((s) => s.host?.close().catch(() => {})));
  }
  const recap = Object.fromEntries([...states.values()].map((s) => [s.inv.name, s.recap]));
  const ok = !stopped && [...states.values()].every((s) => s.status === 'active');
  const durationMs = Date.now() - started;
  const roundTrips = Object.fromEntries([...states.values()].map((s) => [s.inv.name, s.host?.roundTrips ?? 0]));
  emit({ type: 'run.end', ok, recap, durationMs, roundTrips, ...(stopped ? { stopped } : {}) });
  return { ok, recap, durationMs, roundTrips, ...(stopped ? { stopped } : {}) };
}

interface PlayContext {
  readonly inventory: Inventory;
  readonly options: RunOptions;
  readonly emit: EventSink;
  readonly check: boolean;
  readonly pendingFile: string;
  readonly runOnce: RunOnceOwners;
}

/**
 * Who runs a `runOnce` step: the first host, in the play's host order, that reaches it with its `when` true and is
 * still in the run (Ansible's run_once takes the first host of the batch), whichever host gets there first in time.
 * So a check run and the real run pick the same host, and a re-run picks it again. A host waits only for the
 * hosts before it to reach the step, skip it or leave the play, so no two hosts ever wait for each other.
 */
class RunOnceOwners {
  readonly #order: readonly string[];
  readonly #decisions = new Map<string, { promise: Promise<boolean>; resolve: (eligible: boolean) => void; decided: boolean }>();

  constructor(order: readonly string[]) {
    this.#order = order;
  }

  #decision(index: number, host: string) {
    const key = `${index}\u0000${host}`;
    let d = this.#decisions.get(key);
    if (!d) {
      let resolve!: (eligible: boolean) => void;
      const promise = new Promise<boolean>((r) => (resolve = r));
      d = { promise, resolve, decided: false };
      this.#decisions.set(key, d);
    }
    return d;
  }

  /** `host` reached step `index`: it would run it (eligible) or its `when` said no. */
  decide(index: number, host: string, eligible: boolean): void {
    const d = this.#decision(index, host);
    if (!d.decided) {
      d.decided = true;
      d.resolve(eligible);
    }
  }

  /** `host` left the play (done, failed or unreachable): it runs none of the steps it has not reached. */
  leave(host: string, stepCount: number): void {
    for (let i = 0; i < stepCount; i++) this.decide(i, host, false);
  }

  /** The host that runs step `index`, asked by an eligible `host`: the first eligible host before it, else itself. */
  async owner(index: number, host: string): Promise<string> {
    for (const other of this.#order) {
      if (other === host) return host;
      if (await this.#decision(index, other).promise) return other;
    }
    return host;
  }
}

interface PreparedStep {
  readonly step: Step;
  readonly index: number;
  /** undefined when `when` said no. */
  readonly args?: unknown;
  readonly skipReason?: string;
  readonly probes: readonly Fact<unknown>[];
}

/** Who a batch entry (and so a failure in it) belongs to. */
interface Label {
  readonly task: string;
  readonly taskId: string;
  readonly handler: boolean;
}

/** An entry of the batch failed: the steps before it ran, it failed, the ones after it did not run. */
class BatchFailure extends Error {
  constructor(
    readonly index: number,
    readonly label: Label,
    readonly error: CommandError,
  ) {
    super(error.message);
  }
}

/**
 * One host in one play: plans every step against probed facts plus the predicted-fact overlay, collects the
 * planned commands of the play (and its handlers) into one batch, and runs that batch in ONE remote script at
 * the end. Results are emitted in step order; those planned after a pending change are held until the batch ran,
 * so a failure reports exactly what ran, what failed and (by their absence) what did not run, as a step-by-step
 * run would. A change that cannot predict its effect makes later reads stale: the batch so far runs (with the
 * remaining steps' probes in the same round trip) before the next plan reads a fact.
 */
class HostPlay {
  readonly #pending: { entry: BatchEntry; label: Label }[] = [];
  readonly #held: { event: RunEvent; seq: number }[] = [];
  #flushing: Promise<void> | null = null;
  /** Why the current step's plan may differ from a real run (check mode read a stale fact). */
  #uncertain: string | undefined;
  /** Declared probes of the steps not planned yet (fetched again with a flush). */
  remaining: () => readonly Fact<unknown>[] = () => [];

  constructor(
    readonly host: Host,
    readonly overlay: Overlay,
    readonly check: boolean,
    readonly emit: EventSink,
  ) {}

  /** Emit now, or hold until the pending batch ran. */
  out(event: RunEvent): void {
    if (this.#pending.length === 0 && this.#held.length === 0) this.emit(event);
    else this.#held.push({ event, seq: this.#pending.length });
  }

  /** The view a plan gets: facts through the overlay. */
  view(base: HostView): HostView {
    return Object.create(base, { fact: { value: <T>(f: Fact<T>) => this.read(f) as Promise<T> } }) as HostView;
  }

  beginStep(): void {
    this.#uncertain = undefined;
  }

  get uncertain(): string | undefined {
    return this.#uncertain;
  }

  async read(f: Fact<unknown>): Promise<unknown> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const l = this.overlay.lookup(f);
      if (l.kind === 'predicted') return l.value;
      if (l.kind === 'probed') return this.host.fact(f);
      if (this.check) {
        this.#uncertain ??= l.reason;
        return this.host.fact(f);
      }
      await this.flush([f, ...this.remaining()]);
    }
    throw new Error(`host '${this.host.name}': probe '${f.key}' is still stale after running the pending commands (executor bug)`);
  }

  /** Before a plan: run the batch when a declared probe is stale (real mode), fetch declared probes not cached. */
  async ready(probes: readonly Fact<unknown>[]): Promise<void> {
    const stale = probes.filter((f) => this.overlay.lookup(f).kind === 'stale');
    if (stale.length && !this.check) await this.flush(this.remaining());
    const missing = probes.filter((f) => this.overlay.lookup(f).kind === 'probed' && !this.host.isCached(f));
    if (missing.length) await this.host.prefetch(this.remaining().filter((f) => this.overlay.lookup(f).kind === 'probed'));
  }

  /** Queue commands (a step's, a handler's, bookkeeping) for the batch. */
  queue(label: Label, commands: readonly Command[]): void {
    if (this.check) throw new Error(`host '${this.host.name}': commands queued in check mode (executor bug)`);
    this.#pending.push({ entry: { commands }, label });
  }

  /** Run the pending batch (and `reprobe` in the same round trip); then nothing is predicted or stale. */
  async flush(reprobe: readonly Fact<unknown>[] = []): Promise<void> {
    while (this.#flushing) await this.#flushing;
    if (this.#pending.length === 0 && !this.overlay.dirty) {
      this.#release(Infinity);
      return;
    }
    this.#flushing = (async () => {
      const batch = this.#pending.splice(0);
      if (batch.length === 0) {
        // Changes that already ran (a commit-confirmed step): only probe again.
        this.host.invalidate();
        this.overlay.clear();
        await this.host.prefetch(reprobe);
        return;
      }
      const res = await this.host.runBatch(batch.map((b) => b.entry), reprobe);
      this.overlay.clear();
      if (!res.ok) {
        this.#release(res.entry);
        throw new BatchFailure(res.entry, batch[res.entry]!.label, res.error);
      }
      this.#release(Infinity);
    })();
    try {
      await this.#flushing;
    } finally {
      this.#flushing = null;
    }
  }

  /** Emit held events up to (and including the start of) entry `upTo`; drop the rest (they did not run). */
  #release(upTo: number): void {
    const held = this.#held.splice(0);
    for (const h of held) if (h.seq <= upTo) this.emit(h.event);
  }
}

async function runHostPlay(state: HostState, play: Play, steps: readonly Step[], ctx: PlayContext): Promise<void> {
  try {
    await runHostSteps(state, play, steps, ctx);
  } finally {
    // the run-once steps this host did not reach are not its to run
    ctx.runOnce.leave(state.inv.name, steps.length);
  }
}

async function runHostSteps(state: HostState, play: Play, steps: readonly Step[], ctx: PlayContext): Promise<void> {
  const { emit, check } = ctx;
  let current: Label = { task: '(connect)', taskId: 'connect', handler: false };
  let t0 = Date.now();
  const vars = mergeVars(ctx.inventory, state.inv, play.vars, ctx.options.vars);
  let hostPlay: HostPlay | null = null;
  try {
    if (!state.host) {
      const transport = await ctx.options.connect(state.inv);
      emit({ type: 'host.connected', host: state.inv.name, durationMs: Date.now() - t0 });
      state.host = new Host(state.inv, transport, { vars, check, ...(ctx.options.commandTimeoutMs ? { commandTimeoutMs: ctx.options.commandTimeoutMs } : {}) });
      current = { task: '(gather facts)', taskId: 'facts', handler: false };
      // Facts, pending handlers and (speculatively, see speculativeProbes) the play's probes: one round trip.
      const extra = await state.host.gather({ pending: sh`cat ${ctx.pendingFile}` }, speculativeProbes(state.inv, steps, vars, check));
      for (const line of (extra.pending ?? '').split('\n')) if (line.trim()) state.pending.add(line.trim());
    }
    const host = state.host;
    host.setVars(vars);
    const base = host.view();
    const run = new HostPlay(host, state.overlay, check, countingEmitter(state, emit));
    hostPlay = run;
    const view = run.view(base);

    // Resolve every step for this host up front (when, args, probes), so the probes go out in one batch.
    const prepared: PreparedStep[] = steps.map((step, index) => {
      current = { task: step.name, taskId: step.task.id, handler: false };
      if (step.when && !step.when(base)) return { step, index, skipReason: 'condition (when) is false', probes: [] };
      const args = resolveArgs(step.args, base);
      return { step, index, args, probes: step.task.probes?.(base, args) ?? [] };
    });
    const notified = new Set<string>([...state.pending].filter((n) => (play.handlers ?? []).some((h) => h.name === n)));
    let next = 0;
    run.remaining = () => prepared.slice(next).flatMap((q) => (q.skipReason ? [] : q.probes));

    for (let i = 0; i < prepared.length; i++) {
      const p = prepared[i]!;
      next = i;
      current = { task: p.step.name, taskId: p.step.task.id, handler: false };
      t0 = Date.now();
      run.beginStep();
      run.out({ type: 'task.start', host: host.name, play: play.name, task: p.step.name, taskId: p.step.task.id, index: i + 1, total: prepared.length, handler: false });
      let skipReason = p.skipReason;
      if (p.step.runOnce) {
        // Still in the run? The commands batched so far must have run first (a failure among them leaves the run,
        // and the step then belongs to the next host): one extra round trip, for run-once steps only.
        if (!skipReason) await run.flush();
        ctx.runOnce.decide(p.index, host.name, !skipReason);
        if (!skipReason) {
          const owner = await ctx.runOnce.owner(p.index, host.name);
          if (owner !== host.name) skipReason = `run once: runs on ${owner}`;
        }
      }
      if (skipReason) {
        result(state, (e) => run.out(e), { host: host.name, play: play.name, task: p.step.name, taskId: p.step.task.id, status: 'skipped', summary: skipReason, handler: false, durationMs: 0 });
        continue;
      }
      await run.ready(p.probes);
      const plan = await p.step.task.plan(view, p.args);
      next = i + 1;
      const notify = notifyList(p.step);
      const after: string[] = [];
      if (plan.kind === 'change' && notify.length > 0) {
        for (const n of notify) notified.add(n);
        after.push(sh`mkdir -p ${dirname(ctx.pendingFile)} && printf '%s\n' ${[...notify]} >> ${ctx.pendingFile}`);
      }
      if (plan.kind === 'change' && !check) {
        if (plan.confirm) {
          // Commit-confirm: its own round trip (after the pending batch), then a NEW connection confirms it.
          await run.flush();
          const res = await host.runBatch([{ commands: plan.commands }]);
          if (!res.ok) throw res.error;
          await confirmOverNewConnection(state.inv, plan.confirm, ctx.options.connect, host.name);
          if (after.length) run.queue(current, after);
        } else {
          run.queue(current, [...plan.commands, ...after]);
        }
      }
      if (plan.kind === 'change') state.overlay.record(p.step.name, plan.predicts);
      report(state, (e) => run.out(e), ctx, play, { name: p.step.name, task: p.step.task }, plan, false, Date.now() - t0, run.uncertain);
    }
    next = prepared.length;

    // Handlers, in definition order, for everything notified now or persisted by an earlier run; their commands
    // join the same batch, after the steps (so they run only when no step failed).
    for (const h of play.handlers ?? []) {
      if (!notified.has(h.name)) continue;
      current = { task: h.name, taskId: h.task.id, handler: true };
      t0 = Date.now();
      run.beginStep();
      run.out({ type: 'task.start', host: host.name, play: play.name, task: h.name, taskId: h.task.id, index: 0, total: 0, handler: true });
      const args = resolveArgs(h.args, base);
      await run.ready(h.task.probes?.(base, args) ?? []);
      const plan = await h.task.plan(view, args);
      const forget = sh`if [ -f ${ctx.pendingFile} ]; then t=${ctx.pendingFile}.$$; { grep -vxF -e ${h.name} ${ctx.pendingFile} > "$t" || true; } && mv -f "$t" ${ctx.pendingFile}; fi`;
      if (!check) {
        if (plan.kind === 'change') run.queue(current, [...plan.commands, forget]);
        else if (state.pending.has(h.name)) run.queue(current, [forget]);
        state.pending.delete(h.name);
      }
      if (plan.kind === 'change') state.overlay.record(h.name, plan.predicts);
      report(state, (e) => run.out(e), ctx, play, { name: h.name, task: h.task }, plan, true, Date.now() - t0, run.uncertain);
    }
    if (!check) await run.flush();
  } catch (e) {
    let err = e;
    if (!(e instanceof BatchFailure) && !(e instanceof ConnectionError) && hostPlay && !check) {
      // A plan failed (bad input, a probe that does not parse): the steps before it still run, as they would have
      // step by step; a failure among them is the one reported.
      const failed = current;
      try {
        await hostPlay.flush();
        current = failed;
      } catch (f) {
        err = f;
      }
    }
    if (err instanceof BatchFailure) {
      current = err.label;
      err = err.error;
    }
    const unreachable = err instanceof ConnectionError;
    const message = redact(err instanceof Error ? err.message : String(err));
    state.status = unreachable ? 'unreachable' : 'failed';
    if (unreachable) {
      state.recap.unreachable++;
      emit({ type: 'host.unreachable', host: state.inv.name, error: message });
    } else {
      state.recap.failed++;
    }
    emit({ type: 'task.result', host: state.inv.name, play: play.name, task: current.task, taskId: current.taskId, status: unreachable ? 'unreachable' : 'failed', summary: message.split('\n')[0] ?? '', error: message, handler: current.handler, durationMs: Date.now() - t0 });
    // Drop the connection of a host that left the run.
    await state.host?.close().catch(() => {});
  }
}

/**
 * The probes the play will probably need, computed BEFORE the facts exist, so they travel in the same round trip
 * as the fact gathering: `when` and `args` see facts through a stand-in that accepts any use. A step whose
 * functions throw on it is left out; a probe computed from a stand-in value that turns out wrong is simply not
 * asked for (the real probes, computed with the real facts, are fetched in one more round trip if any is missing).
 */
function speculativeProbes(inv: InventoryHost, steps: readonly Step[], vars: Readonly<Record<string, VarValue>>, check: boolean): Fact<unknown>[] {
  const view: HostView = {
    name: inv.name,
    address: inv.address,
    groups: ['all', ...inv.groups],
    vars,
    facts: anything() as HostView['facts'],
    check,
    fact: () => Promise.reject(new Error('no probes while guessing')),
  };
  const out: Fact<unknown>[] = [];
  for (const step of steps) {
    try {
      if (step.when && !step.when(view)) continue;
      const args = resolveArgs(step.args, view);
      for (const f of step.task.probes?.(view, args) ?? []) if (typeof f?.key === 'string' && typeof f.command === 'string') out.push(f);
    } catch {
      /* this step's probes come with the real facts */
    }
  }
  return out;
}

/** A value that survives any property access, call, comparison or iteration (empty). */
function anything(): unknown {
  const proxy: unknown = new Proxy(function stand() {}, {
    get: (_t, prop) => (prop === Symbol.toPrimitive ? () => '' : prop === Symbol.iterator ? function* empty() {} : prop === 'then' ? undefined : proxy),
    apply: () => proxy,
    has: () => false,
  });
  return proxy;
}

function report(state: HostState, emit: EventSink, ctx: PlayContext, play: Play, s: { name: string; task: Task<unknown> }, plan: Plan, handler: boolean, durationMs: number, uncertain?: string): void {
  const status: TaskStatus = plan.kind === 'change' ? 'changed' : plan.kind === 'skip' ? 'skipped' : 'ok';
  const event = {
    host: state.inv.name,
    play: play.name,
    task: s.name,
    taskId: s.task.id,
    status,
    summary: plan.summary,
    ...(uncertain ? { uncertain } : {}),
    ...(ctx.check && plan.kind !== 'skip' && plan.unpredictable ? { unpredictable: plan.unpredictable } : {}),
    handler,
    durationMs,
    ...(plan.kind === 'change' ? { commands: plan.commands.map(commandText) } : {}),
    ...(plan.kind === 'change' && plan.diff !== undefined && ctx.options.diff ? { diff: plan.diff } : {}),
  };
  result(state, emit, event);
}

function result(_state: HostState, emit: EventSink, event: Omit<Extract<RunEvent, { type: 'task.result' }>, 'type'>): void {
  emit({ type: 'task.result', ...event });
}

/** The emitter of one host: counts every result in the recap as it is emitted (held results count once they ran). */
function countingEmitter(state: HostState, emit: EventSink): EventSink {
  return (event) => {
    if (event.type === 'task.result') {
      if (event.status === 'changed') state.recap.changed++;
      else if (event.status === 'skipped') state.recap.skipped++;
      else if (event.status === 'ok') state.recap.ok++;
    }
    emit(event);
  };
}

/**
 * Commit-confirm (Plan.confirm): open a NEW connection to the host and run the confirmation over it, bounded in
 * time. Any failure (cannot connect, command fails, timeout) fails the step with the plan's `failure` message.
 */
async function confirmOverNewConnection(inv: InventoryHost, confirm: Confirmation, connect: Connector, name: string): Promise<void> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no confirmation within ${confirm.timeoutMs} ms`)), confirm.timeoutMs);
  });
  const opening = connect(inv);
  try {
    const transport = await Promise.race([opening, deadline]);
    try {
      const script = ['set -e', ...confirm.commands.map(commandRun)].join('\n');
      const res = await Promise.race([transport.run(script, { timeoutMs: Math.max(1000, confirm.timeoutMs - (Date.now() - started)) }), deadline]);
      if (res.exitCode !== 0) throw new Error(`confirmation exited with ${res.exitCode ?? 'no exit code'}: ${res.stderr.trim().split('\n').slice(-3).join(' / ')}`);
    } finally {
      await transport.close().catch(() => {});
    }
  } catch (e) {
    // A connection that opens after the deadline is closed as soon as it does.
    void opening.then((t) => t.close()).catch(() => {});
    throw new CommandError({ host: name, command: `confirm over a new connection: ${confirm.commands.map(commandText).join(' && ')}`, exitCode: null, stderr: '', reason: `${confirm.failure} (${(e as Error).message})` });
  } finally {
    clearTimeout(timer);
  }
}

function selectedByTags(s: Step, tags: readonly string[] | undefined, skipTags: readonly string[] | undefined): boolean {
  const own = s.tags ?? [];
  if (skipTags?.some((t) => own.includes(t))) return false;
  if (!tags || tags.length === 0) return true;
  return own.includes('always') || tags.some((t) => own.includes(t));
}

function mergeVars(inventory: Inventory, inv: InventoryHost, play: Play['vars'], run: RunOptions['vars']): Record<string, VarValue> {
  const out: Record<string, VarValue> = {};
  for (const g of inv.groups) Object.assign(out, inventory.groupVars?.[g] ?? {});
  return Object.assign(out, inv.vars, play ?? {}, run ?? {});
}

function batches(hosts: readonly InventoryHost[], serial: Play['serial'], play: string): InventoryHost[][] {
  if (serial === undefined) return [[...hosts]];
  let size: number;
  if (typeof serial === 'number') size = serial;
  else {
    const m = /^(\d+(?:\.\d+)?)%$/.exec(serial);
    if (!m) throw new ValidationError(`play '${play}': serial '${serial}' is not a count or a percentage (expected e.g. 2 or '30%')`);
    size = Math.ceil((Number(m[1]) / 100) * hosts.length);
  }
  if (!Number.isInteger(size) || size < 1) throw new ValidationError(`play '${play}': serial ${String(serial)} gives a batch of ${size} hosts (expected at least 1)`);
  const out: InventoryHost[][] = [];
  for (let i = 0; i < hosts.length; i += size) out.push(hosts.slice(i, i + size));
  return out;
}

/** Run `fn` over items with at most `limit` at a time. */
async function parallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  });
  await Promise.all(workers);
}

function checkUniqueNames(inventory: Inventory): void {
  const seen = new Set<string>();
  for (const h of inventory.hosts) {
    if (seen.has(h.name)) throw new ValidationError(`inventory '${inventory.name}': host name '${h.name}' appears twice (expected unique names)`);
    seen.add(h.name);
  }
}

function dirname(path: string): string {
  return path.slice(0, path.lastIndexOf('/')) || '/';
}
