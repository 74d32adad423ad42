/**
 * Plans that compose: the predicted-fact overlay, the one-script batch per play and host (stops at the first
 * failure, reports per step), handlers in the batch, stale facts after a change that cannot predict, and check
 * mode reporting what the real run then does. Hosts are local shells (LocalTransport) in a temp directory.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { change, createReporter, defineFact, definePlaybook, handler, ok, pathSubject, predict, runPlaybook, sh, step, unpredictable, ValidationError, type Playbook, type RunEvent, type RunOptions, type Task } from '../../../playbooks/core';
import { command, directory, file, template } from '../../../playbooks/tasks';
import { localConnector, localInventory } from '../support/local-transport';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rb-batch-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

type Result = Extract<RunEvent, { type: 'task.result' }>;

async function run(pb: Playbook, opts: Partial<RunOptions> = {}, names = ['a']) {
  const events: RunEvent[] = [];
  const connect = localConnector();
  const result = await runPlaybook(pb, localInventory(names), { connect, stateDir: join(dir, 'state'), onEvent: (e) => events.push(e), ...opts });
  const results = events.filter((e): e is Result => e.type === 'task.result');
  return { result, events, results, scripts: connect.transports.get(names[0]!)!.scripts };
}

const pb = (steps: Playbook['plays'][number]['steps'], handlers: Playbook['plays'][number]['handlers'] = []) =>
  definePlaybook({ name: 'p', description: 'd', plays: [{ name: 'P', hosts: 'all', steps, handlers }] });

/** What a comparison of check and run looks at: each step's name, status and summary. */
const outline = (rs: readonly Result[]) => rs.map((r) => `${r.task} | ${r.status} | ${r.summary}`);

describe('plans that compose', () => {
  it('a later step plans against what an earlier step predicted: check mode reports exactly what the run does', async () => {
    const p = () => pb([
      step('Make the directory', directory, { path: `${dir}/etc`, mode: '0750' }),
      step('Write the config', file, { path: `${dir}/etc/app.conf`, content: 'port=1\n', mode: '0600' }),
      // The same file again: planned against the predicted file (not the probe, which found nothing), so no change.
      step('Write it once more', file, { path: `${dir}/etc/app.conf`, content: 'port=1\n', mode: '0600' }),
      step('Render beside it', template, { path: `${dir}/etc/name`, source: '{{n}}\n', vars: { n: 'x' } }),
    ]);
    const check = await run(p(), { check: true });
    expect(outline(check.results)).toEqual([
      `Make the directory | changed | create ${dir}/etc`,
      `Write the config | changed | ${dir}/etc/app.conf: create`,
      `Write it once more | ok | ${dir}/etc/app.conf up to date`,
      `Render beside it | changed | ${dir}/etc/name: create`,
    ]);
    expect(check.results.some((r) => r.uncertain)).toBe(false);
    expect(existsSync(`${dir}/etc`)).toBe(false);
    const real = await run(p());
    expect(outline(real.results)).toEqual(outline(check.results));
    expect(real.result.roundTrips).toEqual({ a: 2 });
    expect(statSync(`${dir}/etc/app.conf`).mode & 0o777).toBe(0o600);
    expect(statSync(`${dir}/etc`).mode & 0o777).toBe(0o750);
    const again = await run(p());
    expect(again.result.recap.a).toMatchObject({ changed: 0, ok: 4 });
    expect(again.result.roundTrips).toEqual({ a: 1 });
  });

  it('a change that cannot predict its effect makes the next reader probe again after it ran (check mode says so)', async () => {
    const target = () => `${dir}/made-by-command`;
    const p = () => pb([
      step('Write it by hand', command, { command: sh`echo v > ${target()}`, creates: target() }),
      step('Manage it', file, { path: target(), content: 'v\n' }),
    ]);
    const check = await run(p(), { check: true });
    const managed = check.results.find((r) => r.task === 'Manage it')!;
    expect(managed.status).toBe('changed');
    expect(managed.uncertain).toBe(`'Write it by hand' changed the host without predicting its effect`);
    let printed = '';
    const reporter = createReporter({ out: { write: (t: string) => (printed += t) }, tty: false });
    for (const e of check.events) reporter.onEvent(e);
    expect(printed).toContain(`a | WOULD CHANGE | Manage it | ${target()}: create (uncertain: planned against the host before that change: 'Write it by hand' changed the host without predicting its effect)`);
    const real = await run(p());
    expect(outline(real.results)).toEqual([`Write it by hand | changed | run: echo v > ${target()}`, `Manage it | ok | ${target()} up to date`]);
    // facts + probes; the command with the next step's probes in the same script (the file step has nothing to run)
    expect(real.result.roundTrips).toEqual({ a: 2 });
  });

  it('a plan that depends on what the host cannot show yet says so in check mode (result and output), not in a real run', async () => {
    const waits: Task<Record<string, never>> = {
      id: 'test.waits',
      async plan() {
        return unpredictable(change('wait for the other host', ['true'], { predicts: [] }), 'the other host starts it later in the run');
      },
    };
    const check = await run(pb([step('Wait for it', waits, {})]), { check: true });
    expect(check.results[0]).toMatchObject({ status: 'changed', unpredictable: 'the other host starts it later in the run' });
    expect(check.results[0]!.uncertain).toBeUndefined();
    let printed = '';
    const reporter = createReporter({ out: { write: (t: string) => (printed += t) }, tty: false });
    for (const e of check.events) reporter.onEvent(e);
    expect(printed).toContain('a | WOULD CHANGE | Wait for it | wait for the other host (cannot predict: the other host starts it later in the run)');
    const real = await run(pb([step('Wait for it', waits, {})]));
    expect(real.results[0]).toMatchObject({ status: 'changed' });
    expect(real.results[0]!.unpredictable).toBeUndefined();
  });

  it('without `predicts` a command invalidates everything; with it only its guard and what it names', async () => {
    const mark = `${dir}/mark`;
    const conf = `${dir}/c.conf`;
    const p = (predicts: boolean) => pb([
      step('Mark', command, { command: sh`touch ${mark}`, creates: mark, ...(predicts ? { predicts: [] } : {}) }),
      step('Config', file, { path: conf, content: 'x\n' }),
    ]);
    expect((await run(p(false))).result.roundTrips).toEqual({ a: 3 });
    rmSync(mark);
    rmSync(conf);
    const predicted = await run(p(true));
    expect(predicted.result.roundTrips).toEqual({ a: 2 });
    expect(readFileSync(conf, 'utf8')).toBe('x\n');
  });
});

describe('one script per play and host', () => {
  it('stops at the first failure: earlier steps ran, later ones did not and are not reported; the error is that step\'s', async () => {
    const p = pb([
      step('First', file, { path: `${dir}/first`, content: '1\n' }),
      step('Noisy', command, { command: 'echo noise-from-noisy >&2', predicts: [] }),
      step('Breaks', command, { command: 'echo it-broke >&2; exit 3', summary: 'break', predicts: [] }),
      step('Never', file, { path: `${dir}/never`, content: '1\n' }),
    ], [handler('Never either', command, { command: sh`touch ${`${dir}/handler`}` })]);
    const { result, results, events } = await run(p);
    expect(result.ok).toBe(false);
    expect(results.map((r) => `${r.task}:${r.status}`)).toEqual(['First:changed', 'Noisy:changed', 'Breaks:failed']);
    const failed = results.at(-1)!;
    expect(failed.error).toMatch(/command exited with code 3: echo it-broke >&2; exit 3/);
    expect(failed.error).toContain('stderr: it-broke');
    expect(failed.error).not.toContain('noise-from-noisy');
    expect(result.recap.a).toEqual({ ok: 0, changed: 2, failed: 1, unreachable: 0, skipped: 0 });
    expect(existsSync(`${dir}/first`)).toBe(true);
    expect(existsSync(`${dir}/never`)).toBe(false);
    expect(existsSync(`${dir}/handler`)).toBe(false);
    // every start has its result, in order; nothing of 'Never'
    expect(events.filter((e) => e.type === 'task.start').map((e) => (e as { task: string }).task)).toEqual(['First', 'Noisy', 'Breaks']);
    expect(result.roundTrips).toEqual({ a: 2 });
  });

  it('a plan that fails (bad input) still lets the steps before it run, and reports that step', async () => {
    const bad: Task<Record<string, never>> = { id: 'test.bad', async plan() { throw new ValidationError('test.bad: always refuses (expected nothing)'); } };
    const { result, results } = await run(pb([step('Before', file, { path: `${dir}/before`, content: '1\n' }), step('Refuses', bad, {})]));
    expect(results.map((r) => `${r.task}:${r.status}`)).toEqual(['Before:changed', 'Refuses:failed']);
    expect(results[1]!.error).toContain('always refuses');
    expect(readFileSync(`${dir}/before`, 'utf8')).toBe('1\n');
    expect(result.ok).toBe(false);
  });

  it('runs the notified handlers in the same script, after the steps, only when none failed', async () => {
    const log = `${dir}/log`;
    const p = (fail: boolean) => pb([
      step('Config', file, { path: `${dir}/unit.conf`, content: 'a\n' }, { notify: 'Restart' }),
      step('Step log', command, { command: sh`echo step >> ${log}`, predicts: [] }),
      step('Maybe fail', command, { command: fail ? 'false' : 'true', predicts: [] }),
    ], [handler('Restart', command, { command: sh`echo handler >> ${log}`, predicts: [] })]);
    const failed = await run(p(true));
    expect(failed.result.roundTrips).toEqual({ a: 2 });
    expect(readFileSync(log, 'utf8')).toBe('step\n');
    expect(readFileSync(`${dir}/state/pending-handlers`, 'utf8')).toBe('Restart\n');
    rmSync(log);
    const next = await run(p(false));
    expect(next.results.map((r) => `${r.task}:${r.status}:${r.handler}`)).toEqual(['Config:ok:false', 'Step log:changed:false', 'Maybe fail:changed:false', 'Restart:changed:true']);
    expect(readFileSync(log, 'utf8')).toBe('step\nhandler\n');
    expect(readFileSync(`${dir}/state/pending-handlers`, 'utf8')).toBe('');
    expect(next.result.roundTrips).toEqual({ a: 2 });
    // one apply script holding the step and the handler
    expect(next.scripts.filter((s) => s.includes('rb_fail'))).toHaveLength(1);
  });

  it('a handler whose probe an earlier change made stale is planned after the batch ran', async () => {
    const flag = `${dir}/flag`;
    const flagSet = defineFact(`test.flag:${flag}`, sh`cat ${flag} 2>/dev/null || echo unset`, ({ stdout }) => stdout.trim());
    const reads: Task<Record<string, never>> = {
      id: 'test.reads-flag',
      probes: () => [flagSet],
      async plan(host) {
        const v = await host.fact(flagSet);
        return v === 'set' ? ok('flag is set') : change(`flag is ${v}`, ['true'], { predicts: [] });
      },
    };
    const { results, result } = await run(pb([step('Set flag', command, { command: sh`echo set > ${flag}` }, { notify: 'Read flag' })], [handler('Read flag', reads, {})]));
    expect(results.map((r) => `${r.task}:${r.status}:${r.summary}`)).toEqual([`Set flag:changed:run (no guard, runs every time): echo set > ${flag}`, 'Read flag:ok:flag is set']);
    // facts + probes; the step (the handler's probe in the same script); the handler's forget
    expect(result.roundTrips).toEqual({ a: 3 });
  });

  it('a predicted value wins over the probe; a fact reading a touched subject is stale', async () => {
    const path = `${dir}/p`;
    writeFileSync(path, 'old\n');
    const sees = defineFact(`test.sees:${path}`, sh`cat ${path}`, ({ stdout }) => stdout.trim(), { subjects: [pathSubject(path)] });
    const observed: string[] = [];
    const observe: Task<Record<string, never>> = { id: 'test.observe', probes: () => [sees], async plan(host) { observed.push(await host.fact(sees)); return ok('seen'); } };
    const writes: Task<{ predictValue: boolean }> = {
      id: 'test.writes',
      async plan(_h, a) {
        return change('write new', [sh`echo new > ${path}`], { predicts: a.predictValue ? [predict(sees, 'predicted-new')] : [{ touches: pathSubject(path) }] });
      },
    };
    await run(pb([step('Observe', observe, {}), step('Write', writes, { predictValue: true }), step('Observe again', observe, {})]));
    expect(observed).toEqual(['old', 'predicted-new']);
    writeFileSync(path, 'old\n');
    observed.length = 0;
    const touched = await run(pb([step('Observe', observe, {}), step('Write', writes, { predictValue: false }), step('Observe again', observe, {})]));
    expect(observed).toEqual(['old', 'new']);
    expect(touched.result.roundTrips).toEqual({ a: 2 });
  });
});
