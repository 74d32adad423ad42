/**
 * Events the executor emits, in order. The reporter renders them for people and writes them as NDJSON;
 * tests read them. Every string in an event is redacted before it leaves the reporter.
 */
export type TaskStatus = 'ok' | 'changed' | 'skipped' | 'failed' | 'unreachable';

export interface HostRecap {
  ok: number;
  changed: number;
  failed: number;
  unreachable: number;
  skipped: number;
}

export type RunEvent =
  | { readonly type: 'run.start'; readonly playbook: string; readonly inventory: string; readonly hosts: readonly string[]; readonly check: boolean; readonly diff: boolean }
  | { readonly type: 'play.start'; readonly play: string; readonly hosts: readonly string[]; readonly steps: number }
  | { readonly type: 'host.connected'; readonly host: string; readonly durationMs: number }
  | { readonly type: 'task.start'; readonly host: string; readonly play: string; readonly task: string; readonly taskId: string; readonly index: number; readonly total: number; readonly handler: boolean }
  | {
      readonly type: 'task.result';
      readonly host: string;
      readonly play: string;
      readonly task: string;
      readonly taskId: string;
      readonly status: TaskStatus;
      readonly summary: string;
      readonly handler: boolean;
      /** Set in diff mode when the plan carries a diff. */
      readonly diff?: string;
      /** Commands the plan ran (or would run in check mode); their display form, redacted. */
      readonly commands?: readonly string[];
      readonly error?: string;
      /**
       * Check mode only: the plan read a fact that an earlier change (one that cannot predict its effect) may alter,
       * so a real run may plan differently; says which change. Absent when the plan is exact.
       */
      readonly uncertain?: string;
      /**
       * Check mode only: the task itself says its plan depends on what no probe of this host can see before the run
       * (another host's state during the run, how long a wait takes), see unpredictable() in task.ts; says what.
       */
      readonly unpredictable?: string;
      readonly durationMs: number;
    }
  | { readonly type: 'host.unreachable'; readonly host: string; readonly error: string }
  | { readonly type: 'play.stopped'; readonly play: string; readonly reason: string }
  | {
      readonly type: 'run.end';
      readonly ok: boolean;
      readonly recap: Readonly<Record<string, HostRecap>>;
      readonly durationMs: number;
      /** Scripts run per host after connecting (facts and probes, batches), for the bench and tests. */
      readonly roundTrips?: Readonly<Record<string, number>>;
      readonly stopped?: string;
    };

export type EventSink = (event: RunEvent) => void;
