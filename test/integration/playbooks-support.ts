/** Running this project's playbooks against a lab region from integration tests. */
import type { Region } from '../../regions/types';
import { runPlaybook, sshConnector, type RunEvent, type RunResult } from '../../playbooks/core';
import { inventoryFromRegion } from '../../playbooks/inventory';
import { regionForRun, type RegionPlaybook } from '../../playbooks/region-playbook';
import type { UsedLab } from '../support/lab';

export interface PlayOutcome extends RunResult {
  readonly events: readonly RunEvent[];
  /** Wall-clock time (ms since the epoch) at which each event of `events` arrived. */
  readonly eventTimes: readonly number[];
  /** Sum of `changed` over every host. */
  readonly changed: number;
  /** Every task.result that failed, as `host: task: error`. */
  readonly failures: readonly string[];
  /** Every task.result that changed, as `host: task: summary`. */
  readonly changes: readonly string[];
}

export async function play(playbook: RegionPlaybook, region: Region, options: { check?: boolean; limit?: string[]; confirm?: string } = {}): Promise<PlayOutcome> {
  // the same preflight the CLI runs (e.g. reset of a whole region needs confirm = the region's name)
  playbook.preflight?.(region, { limit: options.limit ?? [], ...(options.confirm !== undefined ? { confirm: options.confirm } : {}) });
  const { inventory, ssh } = inventoryFromRegion(regionForRun(playbook, region));
  const connect = sshConnector(ssh);
  const events: RunEvent[] = [];
  const eventTimes: number[] = [];
  try {
    const res = await runPlaybook(playbook.build(region), inventory, {
      connect,
      check: options.check ?? false,
      onEvent: (e) => { events.push(e); eventTimes.push(Date.now()); },
      ...(options.limit ? { limit: options.limit } : {}),
    });
    const results = events.filter((e): e is Extract<RunEvent, { type: 'task.result' }> => e.type === 'task.result');
    return {
      ...res,
      events,
      eventTimes,
      changed: Object.values(res.recap).reduce((n, r) => n + r.changed, 0),
      failures: results.filter((e) => e.status === 'failed' || e.status === 'unreachable').map((e) => `${e.host}: ${e.task}: ${e.error ?? e.summary}`),
      changes: results.filter((e) => e.status === 'changed').map((e) => `${e.host}: ${e.task}: ${e.summary}`),
    };
  } finally {
    await connect.close();
  }
}

/** The region with extra vars on every host (e.g. a short firewall rollback window for tests). */
export function withHostVars(region: Region, vars: Readonly<Record<string, string | number | boolean>>): Region {
  return { ...region, hosts: region.hosts.map((h) => ({ ...h, vars: { ...h.vars, ...vars } })) };
}

/** Runs a command on a lab host over SSH and returns its stdout; a non-zero exit fails with the host, command and stderr. */
export async function labShell(lab: Pick<UsedLab, 'ssh'>, host: string, command: string): Promise<string> {
  const r = await lab.ssh(host, command, 30);
  if (r.code !== 0) throw new Error(`${host}: ${command} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** When the first task on `host` started (ms since the epoch), or undefined when no task ran there. */
/**
 * Read-only steps a run starts with on every host before it changes anything: the k3s playbook's cluster state and
 * join decision (playbooks/tasks/k3s-cluster-state.ts), the upgrade preflight. Not a touch.
 */
const READ_ONLY_TASKS = [
  /^Read the datastore, service, API, CA and token state of this server$/,
  /^Choose the server to initialise or join; stop on two clusters or a token mismatch$/,
  /^Read which server this agent joins now$/,
  /^Check that \S+ is a step this node may take$/,
  /^Wait until every server is a voting etcd member/,
];

export function firstTouch(outcome: PlayOutcome, host: string): number | undefined {
  const i = firstTouchIndex(outcome, host);
  return i < 0 ? undefined : outcome.eventTimes[i];
}

/** Index in outcome.events of the first task.start that touched `host` (see firstTouch), -1 when none did. */
export function firstTouchIndex(outcome: PlayOutcome, host: string): number {
  // a step skipped on this host (e.g. the seed's steps on the other servers) did not touch it either
  const ev = outcome.events;
  const skippedAt = (i: number): boolean => {
    const task = (ev[i] as { task: string }).task;
    const result = ev.slice(i + 1).find((e) => e.type === 'task.result' && e.host === host && (e as { task: string }).task === task);
    return (result as { status?: string } | undefined)?.status === 'skipped';
  };
  return ev.findIndex((e, k) => e.type === 'task.start' && e.host === host && !READ_ONLY_TASKS.some((r) => r.test((e as { task: string }).task)) && !skippedAt(k));
}

/** Node names as `k3s kubectl get nodes -o json` on `server` lists them, sorted. */
export async function nodeNames(lab: Pick<UsedLab, 'ssh'>, server: string): Promise<string[]> {
  const doc = JSON.parse(await labShell(lab, server, '/usr/local/bin/k3s kubectl get nodes -o json')) as { items: { metadata: { name: string } }[] };
  return doc.items.map((n) => n.metadata.name).sort();
}

type TaskResult = Extract<RunEvent, { type: 'task.result' }>;

/**
 * What `--check` reported against what the run then did, host by host and step by step: the status of every step
 * (and handler), and the summary of every change. Empty when check mode was exact.
 */
export function checkDifferences(check: { readonly events: readonly RunEvent[] }, run: { readonly events: readonly RunEvent[] }, options: { exceptFlagged?: boolean } = {}): string[] {
  const key = (r: TaskResult) => `${r.host} | ${r.play} | ${r.handler ? 'handler ' : ''}${r.task}`;
  const show = (r: TaskResult | undefined) => (r ? (r.status === 'changed' ? `changed: ${r.summary}` : r.status) : 'not reported');
  const c = new Map(taskResults(check).map((r) => [key(r), r]));
  const d = new Map(taskResults(run).map((r) => [key(r), r]));
  const out: string[] = [];
  for (const k of new Set([...c.keys(), ...d.keys()])) {
    const flagged = c.get(k)?.uncertain || c.get(k)?.unpredictable;
    if (options.exceptFlagged && flagged) continue;
    const [a, b] = [show(c.get(k)), show(d.get(k))];
    if (a !== b) out.push(`${k}: --check '${a}'${c.get(k)?.uncertain ? ` (uncertain: ${c.get(k)!.uncertain})` : ''}${c.get(k)?.unpredictable ? ` (cannot predict: ${c.get(k)!.unpredictable})` : ''}, run '${b}'`);
  }
  return out;
}

function taskResults(o: { readonly events: readonly RunEvent[] }): TaskResult[] {
  return o.events.filter((e): e is TaskResult => e.type === 'task.result');
}

/**
 * The steps a check run said it cannot predict, as `<hosts> | <play> | <task>` with the hosts that share a step joined
 * (`lab-2,lab-3 | ...`), in run order: a task that declared so (another host's state, a wait: `unpredictable`) or a
 * plan that read what a change before it may alter without predicting it (`uncertain`). A test asserts this list is
 * exactly the expected one, and checkDifferences(check, run, { exceptFlagged: true }) is empty: every other step of
 * --check was exactly what the run did. `why` lists the reasons instead (for a failing assertion's message).
 */
export function unpredictedSteps(check: { readonly events: readonly RunEvent[] }, options: { why?: boolean } = {}): string[] {
  const groups = new Map<string, string[]>();
  for (const r of taskResults(check)) {
    const why = r.unpredictable ? `cannot predict: ${r.unpredictable}` : r.uncertain ? `uncertain: ${r.uncertain}` : undefined;
    if (!why) continue;
    const k = `${r.play} | ${r.handler ? 'handler ' : ''}${r.task}${options.why ? `: ${why}` : ''}`;
    groups.set(k, [...(groups.get(k) ?? []), r.host]);
  }
  return [...groups].map(([k, hosts]) => `${[...new Set(hosts)].sort().join(',')} | ${k}`);
}
