/**
 * `command.run`: a command that is not naturally idempotent, made so by a guard:
 *   creates: skip when this path exists; removes: run only when this path exists;
 *   unless: skip when this read-only check exits 0; onlyIf: run only when this check exits 0.
 * Without any guard it runs every time and reports changed (it says so in its summary).
 * Build `command` (and the checks) with `sh` so every value is quoted.
 *
 * A command's effect is opaque to the runner: unless the step declares `predicts` (what else it changes, e.g.
 * `[]` for nothing a later step reads), later steps are planned only after it ran (one more round trip). With
 * `predicts`, the guards are predicted too: `creates` exists, `removes` is gone, `unless` passes.
 */
import { change, ok, predict, ValidationError, type Effect, type Fact, type Task } from '../core';
import { commandStatus, pathExists } from './facts/command-status';

export interface CommandArgs {
  readonly command: string;
  readonly creates?: string;
  readonly removes?: string;
  readonly unless?: string;
  readonly onlyIf?: string;
  /** Shown instead of the command text. */
  readonly summary?: string;
  /**
   * What the command changes that a later step may read, besides its guards (see Effect in core/task.ts): e.g.
   * `[touches('path:/etc/foo')]`, or `[]` when it changes nothing later steps probe. Absent: cannot predict.
   */
  readonly predicts?: readonly Effect[];
}

function probesOf(a: CommandArgs): Fact<unknown>[] {
  const out: Fact<unknown>[] = [];
  if (a.creates) out.push(pathExists(a.creates));
  if (a.removes) out.push(pathExists(a.removes));
  if (a.unless) out.push(commandStatus(a.unless));
  if (a.onlyIf) out.push(commandStatus(a.onlyIf));
  return out;
}

export const command: Task<CommandArgs> = {
  id: 'command.run',
  probes: (_h, a) => probesOf(a),
  async plan(host, a) {
    if (!a.command.trim()) throw new ValidationError(`command.run: empty command (expected a shell command built with sh\`...\`)`);
    const what = a.summary ?? a.command;
    if (a.creates && (await host.fact(pathExists(a.creates)))) return ok(`${a.creates} exists`);
    if (a.removes && !(await host.fact(pathExists(a.removes)))) return ok(`${a.removes} absent`);
    if (a.unless && (await host.fact(commandStatus(a.unless))) === 0) return ok(`already done (unless check passed)`);
    if (a.onlyIf && (await host.fact(commandStatus(a.onlyIf))) !== 0) return ok(`not needed (onlyIf check failed)`);
    const guarded = a.creates || a.removes || a.unless || a.onlyIf;
    const predicts = a.predicts && [
      ...a.predicts,
      ...(a.creates ? [predict(pathExists(a.creates), true)] : []),
      ...(a.removes ? [predict(pathExists(a.removes), false)] : []),
      ...(a.unless ? [predict(commandStatus(a.unless), 0)] : []),
    ];
    return change(guarded ? `run: ${what}` : `run (no guard, runs every time): ${what}`, [a.command], predicts ? { predicts } : {});
  },
};
