/**
 * Playbooks: named lists of plays; a play targets host patterns and runs steps (a task plus its arguments) in
 * order on every targeted host, then the handlers its changed steps notified.
 *
 *   export default definePlaybook({
 *     name: 'base',
 *     description: 'Packages, sysctls and users every host needs',
 *     plays: [{
 *       name: 'Base system',
 *       hosts: 'all',
 *       steps: [
 *         step('Ensure IP forwarding', sysctl, { key: 'net.ipv4.ip_forward', value: '1' }, { tags: ['network'] }),
 *         step('Install the sshd config', template, (h) => ({ path: '/etc/ssh/sshd_config.d/10-platform.conf', src: 'templates/sshd.hbs', vars: h.vars }), { notify: 'Reload sshd' }),
 *       ],
 *       handlers: [handler('Reload sshd', service, { name: 'ssh', reload: true })],
 *     }],
 *   });
 */
import { ValidationError } from './errors';
import type { VarValue } from './inventory';
import type { HostView, Task } from './task';

/** Arguments, or a function of the host (its vars and facts) that returns them. */
export type Args<A> = A | ((host: HostView) => A);

export interface StepOptions {
  /** `--tags` selects steps with any of these tags; the tag `always` runs whatever `--tags` says. */
  readonly tags?: readonly string[];
  /** Run the step only on hosts for which this is true (facts and vars are available). */
  readonly when?: (host: HostView) => boolean;
  /** Handler name(s) to notify when this step changed something. */
  readonly notify?: string | readonly string[];
  /** Run on one host of the play only (the first host to reach the step); the others skip it. */
  readonly runOnce?: boolean;
}

export interface Step<A = any> extends StepOptions {
  /** A sentence: "Ensure br_netfilter is loaded". */
  readonly name: string;
  readonly task: Task<A>;
  readonly args: Args<A>;
}

export interface Handler<A = any> {
  /** The name steps notify. Unique within the play. */
  readonly name: string;
  readonly task: Task<A>;
  readonly args: Args<A>;
}

export interface Play {
  readonly name: string;
  /** Host patterns: `all`, group (pool) names, host names, globs (`run-*`). */
  readonly hosts: string | readonly string[];
  readonly steps: readonly Step[];
  readonly handlers?: readonly Handler[];
  /** Vars for every host of this play, over inventory vars and under run vars. */
  readonly vars?: Readonly<Record<string, VarValue>>;
  /**
   * Rolling batches: a number of hosts, or a percentage (`'30%'`). Each batch runs every step and its handlers
   * before the next batch starts. @default all targeted hosts in one batch
   */
  readonly serial?: number | `${number}%`;
  /**
   * Stop the play (no further batches, no further steps) when more than this percentage of its hosts failed or were
   * unreachable. @default undefined: a failed host leaves the play, the others always go on
   */
  readonly maxFailPercent?: number;
}

export interface Playbook {
  /** The module name under playbooks/ (`base`, `k3s`, ...). */
  readonly name: string;
  readonly description: string;
  readonly plays: readonly Play[];
}

/** A step with its argument type inferred from the task. */
export function step<A>(name: string, task: Task<A>, args: Args<A>, options: StepOptions = {}): Step<A> {
  return { name, task, args, ...options };
}

export function handler<A>(name: string, task: Task<A>, args: Args<A>): Handler<A> {
  return { name, task, args };
}

/** Identity with checks: handler names unique and every notify names a handler of its play. */
export function definePlaybook(playbook: Playbook): Playbook {
  for (const play of playbook.plays) {
    const names = new Set<string>();
    for (const h of play.handlers ?? []) {
      if (names.has(h.name)) throw new ValidationError(`playbook '${playbook.name}', play '${play.name}': handler '${h.name}' is defined twice (expected unique handler names; rename one)`);
      names.add(h.name);
    }
    for (const s of play.steps) {
      for (const n of notifyList(s)) {
        if (!names.has(n)) {
          throw new ValidationError(`playbook '${playbook.name}', play '${play.name}', step '${s.name}': notifies '${n}' but the play has no such handler (expected one of: ${[...names].join(', ') || 'none'}; add handler('${n}', ...) to the play)`);
        }
      }
    }
    if (play.maxFailPercent !== undefined && !(play.maxFailPercent >= 0 && play.maxFailPercent <= 100)) {
      throw new ValidationError(`playbook '${playbook.name}', play '${play.name}': maxFailPercent ${play.maxFailPercent} is out of range (expected 0..100)`);
    }
  }
  return playbook;
}

export function notifyList(s: StepOptions): readonly string[] {
  return s.notify === undefined ? [] : typeof s.notify === 'string' ? [s.notify] : s.notify;
}

/** Resolve `Args` for a host. */
export function resolveArgs<A>(args: Args<A>, host: HostView): A {
  return typeof args === 'function' ? (args as (h: HostView) => A)(host) : args;
}
