/**
 * The task model (pyinfra shape): a task turns arguments plus facts into a read-only PLAN; the executor alone
 * decides whether the plan's commands run. A plan without commands is "no change", which is what makes check
 * mode honest: in check mode the same plans are computed from the same real probes, and nothing runs. A change
 * declares the facts it leaves behind (`predicts`), so later steps plan against them without probing again: the
 * play's commands run in one script, and check mode is exact.
 *
 *   export const kernelModule: Task<{ name: string }> = {
 *     id: 'kernel.module',
 *     probes: (host, { name }) => [moduleLoaded(name)],
 *     async plan(host, { name }) {
 *       if (await host.fact(moduleLoaded(name))) return ok(`${name} loaded`);
 *       return change(`load ${name}`, [sh`modprobe ${name}`], { predicts: [predict(moduleLoaded(name), true)] });
 *     },
 *   };
 */
import type { Fact } from './fact';
import type { HostFacts } from './facts';
import type { VarValue } from './inventory';

/**
 * One shell command of a plan. A plain string is shown as it is (redacted); `{ run, display }` shows `display`
 * instead, for commands that carry a payload (file contents) which would only clutter messages.
 * `stdinFile` (absolute path on the RUNNER's machine) streams that local file into the command's stdin over the
 * host's existing connection (how files of an air-gap bundle reach a host without internet): such a command runs in
 * a round trip of its own, `run` must be short (it may travel in argv) and must never contain a secret.
 */
export type Command = string | { readonly run: string; readonly display: string; readonly stdinFile?: string };

export type Plan =
  /** Already in the desired state. */
  | { readonly kind: 'ok'; readonly summary: string; readonly unpredictable?: string }
  /** Not in the desired state: these commands (run in order, stopping at the first failure) converge it. */
  | {
      readonly kind: 'change';
      readonly summary: string;
      readonly unpredictable?: string;
      readonly commands: readonly Command[];
      readonly diff?: string;
      readonly confirm?: Confirmation;
      /**
       * The state the commands leave behind, in terms of facts (see Effect). Later steps of the play plan against
       * these predictions instead of probing again, which is what lets a whole play run in one remote script and
       * makes check mode exact. ABSENT means "cannot predict": the executor then runs the pending commands and
       * probes again before the next plan reads a fact (in check mode, the next plans read the state before this
       * change and their results say so).
       */
      readonly predicts?: readonly Effect[];
    }
  /** Does not apply to this host (the summary says why, e.g. "container: modules are the host kernel's"). */
  | { readonly kind: 'skip'; readonly summary: string };

/**
 * A commit-confirm step (e.g. a firewall change): after the plan's commands succeeded, the executor opens a NEW
 * connection to the host (the way a fresh login would come in) and runs `commands` over it. When the connection
 * cannot be opened or the commands fail within `timeoutMs`, the step fails with `failure` (the host is expected to
 * undo the change by itself, e.g. with a rollback timer armed by the plan's commands).
 */
export interface Confirmation {
  readonly commands: readonly Command[];
  /** Bound on opening the new connection plus running the commands. */
  readonly timeoutMs: number;
  /** Why the change is not kept when confirmation fails, e.g. "firewall change cut new SSH logins; rolled back". */
  readonly failure: string;
}

/** After the plan's commands ran, `fact` reads `value` (exactly what a probe would then parse). */
export interface Prediction<T = unknown> {
  readonly fact: Fact<T>;
  readonly value: T;
}

/** The plan changes `subject` (see Fact.subjects) in a way it cannot put a value on: facts reading it are probed again. */
export interface Touch {
  readonly touches: string;
}

/**
 * What a change does to the facts later steps read. A change's effects are COMPLETE: every subject it may alter is
 * either predicted (a Prediction of a fact reading it) or touched; facts of other subjects keep their probed value.
 * Facts without declared subjects are re-probed after any change, predicted or not (they may read anything).
 */
export type Effect = Prediction | Touch;

export function predict<T>(fact: Fact<T>, value: T): Prediction<T> {
  return { fact, value };
}

export function touches(subject: string): Touch {
  return { touches: subject };
}

export function ok(summary: string): Plan {
  return { kind: 'ok', summary };
}

export interface ChangeOptions {
  readonly diff?: string;
  readonly confirm?: Confirmation;
  /** See Plan `predicts`; absent = cannot predict. */
  readonly predicts?: readonly Effect[];
}

export function change(summary: string, commands: readonly Command[], opts: ChangeOptions = {}): Plan {
  if (commands.length === 0) throw new Error(`change('${summary}'): a change needs at least one command (use ok() for no change)`);
  return {
    kind: 'change',
    summary,
    commands,
    ...(opts.diff === undefined ? {} : { diff: opts.diff }),
    ...(opts.confirm === undefined ? {} : { confirm: opts.confirm }),
    ...(opts.predicts === undefined ? {} : { predicts: opts.predicts }),
  };
}

/** The same plan with these effects declared (e.g. when a task wraps another task's plan). */
export function withPredictions(plan: Plan, predicts: readonly Effect[] | undefined): Plan {
  if (plan.kind !== 'change') return plan;
  const { predicts: _old, ...rest } = plan;
  return predicts === undefined ? rest : { ...rest, predicts };
}

/**
 * The same plan, marked as one a check run cannot predict: it depends on state no probe of this host can see before
 * the run (what another host produces during the run, e.g. the seed server's join token; how long a service or
 * another host takes to answer a wait). `why` says what it depends on. Check mode reports it with the step
 * (`unpredictable` on the result, "cannot predict: ..." in the output), so a difference between `--check` and the
 * run is announced, never silent; a real run ignores it.
 */
export function unpredictable(plan: Plan, why: string): Plan {
  return plan.kind === 'skip' ? plan : { ...plan, unpredictable: why };
}

export function skip(summary: string): Plan {
  return { kind: 'skip', summary };
}

/** What a plan (and a step's `when`/`args` function) may see of a host: read-only, no way to run commands. */
export interface HostView {
  readonly name: string;
  /** Address the runner dials. */
  readonly address: string;
  /** Groups (pools) the host belongs to, plus `all`. */
  readonly groups: readonly string[];
  /** Inventory vars (pool vars overridden by host vars) overridden by play vars and run vars. */
  readonly vars: Readonly<Record<string, VarValue>>;
  /** Facts gathered once when the host joined the play (one round trip). */
  readonly facts: HostFacts;
  /** Whether this is a check-mode run (plans only). Plans must not depend on it; informational. */
  readonly check: boolean;
  /**
   * A probe result as the host will be when this step runs: the value an earlier step of the play predicted, else
   * the probed value (from the batch the executor prefetched, or fetched now when not declared).
   */
  fact<T>(fact: Fact<T>): Promise<T>;
}

export interface Task<A> {
  /** `module.action`, e.g. `file.template`, `sysctl.set`. */
  readonly id: string;
  /**
   * The probes `plan` will ask for, declared up front so the executor fetches those of every step of a play in one
   * round trip. Optional: an undeclared probe still works, it just costs its own round trip.
   */
  probes?(host: HostView, args: A): readonly Fact<unknown>[];
  /** Read-only: compute what would change. Never runs commands (HostView cannot). */
  plan(host: HostView, args: A): Promise<Plan>;
}

/** Print form of a command (its `display` or the text itself). */
export function commandText(command: Command): string {
  return typeof command === 'string' ? command : command.display;
}

export function commandRun(command: Command): string {
  return typeof command === 'string' ? command : command.run;
}

/** The local file a command streams to the host (undefined for plain commands). */
export function commandStdinFile(command: Command): string | undefined {
  return typeof command === 'string' ? undefined : command.stdinFile;
}
