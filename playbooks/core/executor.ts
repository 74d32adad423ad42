/**
 * The executor: runs a playbook over an inventory.
 *
 * Per host and play: connect once (the connection is reused by every play and task of the run), gather facts in
 * one round trip (with the persisted pending handlers), prefetch the probes of every step in one round trip, then
 * for each step: plan -> (unless check mode) apply the plan's commands in one round trip. After a change the probe
 * cache is dropped and the remaining steps' probes are fetched again in one round trip. Notified handlers run at
 * the end of the play. Hosts run independently in parallel (up to `forks`), in `serial` batches when asked.
 *
 * A failed or unreachable host leaves the run; the others go on. `maxFailPercent` stops the play (and the run).
 */
import { CommandError, ConnectionError, ValidationError } from './errors';
import type { EventSink, HostRecap, RunEvent, TaskStatus } from './events';
import type { Fact } from './fact';
import { Host, stateFile } from './host';
import { selectHosts } from './host-pattern';
import type { Inventory, InventoryHost, VarValue } from './inventory';
import { notifyList, resolveArgs, type Handler, type Play, type Playbook, type Step } from './playbook';
import { sh } from './quote';
import { redact } from './redaction';
import { commandRun, commandText, type Confirmation, type HostView, type Plan, type Task } from './task';
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
    selected.map((inv) => [inv.name, { inv, host: null, status: 'active', recap: { ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0 }, pending: new Set() }]),
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
      const runOnceClaims = new Map<number, string>();
      for (const batch of batches(targets, play.serial, play.name)) {
        await parallel(batch, forks, (inv) =>
          runHostPlay(states.get(inv.name)!, play, steps, { inventory, options, emit, check, pendingFile, runOnceClaims }),
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
  emit({ type: 'run.end', ok, recap, durationMs, ...(stopped ? { stopped } : {}) });
  const roundTrips = Object.fromEntries([...states.values()].map((s) => [s.inv.name, s.host?.roundTrips ?? 0]));
  return { ok, recap, durationMs, roundTrips, ...(stopped ? { stopped } : {}) };
}

interface PlayContext {
  readonly inventory: Inventory;
  readonly options: RunOptions;
  readonly emit: EventSink;
  readonly check: boolean;
  readonly pendingFile: string;
  readonly runOnceClaims: Map<number, string>;
}

interface PreparedStep {
  readonly step: Step;
  readonly index: number;
  /** undefined when `when` said no. */
  readonly args?: unknown;
  readonly skipReason?: string;
  readonly probes: readonly Fact<unknown>[];
}

async function runHostPlay(state: HostState, play: Play, steps: readonly Step[], ctx: PlayContext): Promise<void> {
  const { emit, check } = ctx;
  let current = { task: '(connect)', taskId: 'connect', handler: false };
  let t0 = Date.now();
  try {
    if (!state.host) {
      const transport = await ctx.options.connect(state.inv);
      emit({ type: 'host.connected', host: state.inv.name, durationMs: Date.now() - t0 });
      state.host = new Host(state.inv, transport, { vars: {}, check, ...(ctx.options.commandTimeoutMs ? { commandTimeoutMs: ctx.options.commandTimeoutMs } : {}) });
      current = { task: '(gather facts)', taskId: 'facts', handler: false };
      const extra = await state.host.gather({ pending: sh`cat ${ctx.pendingFile}` });
      for (const line of (extra.pending ?? '').split('\n')) if (line.trim()) state.pending.add(line.trim());
    }
    const host = state.host;
    host.setVars(mergeVars(ctx.inventory, state.inv, play.vars, ctx.options.vars));
    const view = host.view();

    // Resolve every step for this host up front (when, args, probes), so the probes go out in one batch.
    const prepared: PreparedStep[] = steps.map((step, index) => {
      current = { task: step.name, taskId: step.task.id, handler: false };
      if (step.when && !step.when(view)) return { step, index, skipReason: 'condition (when) is false', probes: [] };
      const args = resolveArgs(step.args, view);
      return { step, index, args, probes: step.task.probes?.(view, args) ?? [] };
    });
    const notified = new Set<string>([...state.pending].filter((n) => (play.handlers ?? []).some((h) => h.name === n)));

    for (let i = 0; i < prepared.length; i++) {
      const p = prepared[i]!;
      current = { task: p.step.name, taskId: p.step.task.id, handler: false };
      t0 = Date.now();
      emit({ type: 'task.start', host: host.name, play: play.name, task: p.step.name, taskId: p.step.task.id, index: i + 1, total: prepared.length, handler: false });
      let skipReason = p.skipReason;
      if (!skipReason && p.step.runOnce) {
        const owner = ctx.runOnceClaims.get(p.index);
        if (owner === undefined) ctx.runOnceClaims.set(p.index, host.name);
        else skipReason = `run once: runs on ${owner}`;
      }
      if (skipReason) {
        result(state, emit, { host: host.name, play: play.name, task: p.step.name, taskId: p.step.task.id, status: 'skipped', summary: skipReason, handler: false, durationMs: 0 });
        continue;
      }
      // A probe of this step is not cached (first step, or a change dropped the cache): fetch what every remaining
      // step declared, in one round trip.
      if (p.probes.some((f) => !host.isCached(f))) await host.prefetch(prepared.slice(i).flatMap((q) => (q.skipReason ? [] : q.probes)));
      const plan = await p.step.task.plan(view, p.args);
      const notify = notifyList(p.step);
      let after: string[] = [];
      if (plan.kind === 'change' && notify.length > 0) {
        for (const n of notify) notified.add(n);
        after = [sh`mkdir -p ${dirname(ctx.pendingFile)} && printf '%s\n' ${[...notify]} >> ${ctx.pendingFile}`];
      }
      if (plan.kind === 'change' && !check) {
        if (!plan.confirm) {
          // The next step's probes are fetched again in the same round trip as the apply, with the later probes of
          // the same groups (they cost no extra process). Re-probing every later step after every change would make
          // a first run quadratic in probe work; a later step that finds its probes missing fetches them in one batch.
          await host.apply(plan.commands, after, reprobeAfterChange(prepared.slice(i + 1)));
        } else {
          await host.apply(plan.commands, []);
        }
        if (plan.confirm) {
          await confirmOverNewConnection(state.inv, plan.confirm, ctx.options.connect, host.name);
          if (after.length) await host.apply([], after);
        }
      }
      report(state, emit, ctx, play, { name: p.step.name, task: p.step.task }, plan, false, Date.now() - t0);
    }

    // Handlers, in definition order, for everything notified now or persisted by an earlier run.
    for (const h of play.handlers ?? []) {
      if (!notified.has(h.name)) continue;
      current = { task: h.name, taskId: h.task.id, handler: true };
      t0 = Date.now();
      emit({ type: 'task.start', host: host.name, play: play.name, task: h.name, taskId: h.task.id, index: 0, total: 0, handler: true });
      await runHandler(host, view, h, state, ctx, play, t0);
    }
  } catch (e) {
    const unreachable = e instanceof ConnectionError;
    const message = redact(e instanceof Error ? e.message : String(e));
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

/** The probes to fetch again with an apply: the next step's, plus later ones of the same fact groups. */
function reprobeAfterChange(rest: readonly PreparedStep[]): Fact<unknown>[] {
  const live = rest.filter((q) => !q.skipReason);
  const next = live[0]?.probes ?? [];
  const groups = new Set(next.flatMap((f) => (f.group ? [f.group.id] : [])));
  return [...next, ...live.slice(1).flatMap((q) => q.probes.filter((f) => f.group && groups.has(f.group.id)))];
}

async function runHandler(host: Host, view: HostView, h: Handler, state: HostState, ctx: PlayContext, play: Play, t0: number): Promise<void> {
  const args = resolveArgs(h.args, view);
  if (h.task.probes) await host.prefetch(h.task.probes(view, args));
  const plan = await h.task.plan(view, args);
  const forget = sh`if [ -f ${ctx.pendingFile} ]; then t=${ctx.pendingFile}.$$; { grep -vxF -e ${h.name} ${ctx.pendingFile} > "$t" || true; } && mv -f "$t" ${ctx.pendingFile}; fi`;
  if (!ctx.check) {
    if (plan.kind === 'change') {
      await host.apply(plan.commands, [forget]);
    } else if (state.pending.has(h.name)) {
      await host.apply([], [forget]);
    }
    state.pending.delete(h.name);
  }
  report(state, ctx.emit, ctx, play, { name: h.name, task: h.task }, plan, true, Date.now() - t0);
}

function report(state: HostState, emit: EventSink, ctx: PlayContext, play: Play, s: { name: string; task: Task<unknown> }, plan: Plan, handler: boolean, durationMs: number): void {
  const status: TaskStatus = plan.kind === 'change' ? 'changed' : plan.kind === 'skip' ? 'skipped' : 'ok';
  const event = {
    host: state.inv.name,
    play: play.name,
    task: s.name,
    taskId: s.task.id,
    status,
    summary: plan.summary,
    handler,
    durationMs,
    ...(plan.kind === 'change' ? { commands: plan.commands.map(commandText) } : {}),
    ...(plan.kind === 'change' && plan.diff !== undefined && ctx.options.diff ? { diff: plan.diff } : {}),
  };
  result(state, emit, event);
}

function result(state: HostState, emit: EventSink, event: Omit<Extract<RunEvent, { type: 'task.result' }>, 'type'>): void {
  if (event.status === 'changed') state.recap.changed++;
  else if (event.status === 'skipped') state.recap.skipped++;
  else if (event.status === 'ok') state.recap.ok++;
  emit({ type: 'task.result', ...event });
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
