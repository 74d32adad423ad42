/**
 * The executor against "hosts" that are local shells (LocalTransport): the real fact, probe and apply scripts run,
 * writing only inside a temp directory. Every test gets its own directory and state dir.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createReporter, definePlaybook, handler, runPlaybook, secret, sh, step, type Playbook, type RunEvent, type RunOptions } from '../../../playbooks/core';
import { command, file, template } from '../../../playbooks/tasks';
import { localConnector, localInventory } from '../support/local-transport';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rb-exec-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function filesPlaybook(extra: Partial<{ motd: string }> = {}): Playbook {
  return definePlaybook({
    name: 'files',
    description: 'test',
    plays: [{
      name: 'Files',
      hosts: 'all',
      steps: [
        step('Write a', file, (h) => ({ path: `${dir}/${h.name}/a.txt`, content: `${extra.motd ?? 'hello'}\n`, mode: '0640' }), { tags: ['a'], notify: 'Log' }),
        step('Write b', template, (h) => ({ path: `${dir}/${h.name}/b.conf`, source: 'name={{n}}\n', vars: { n: h.name } }), { tags: ['b'] }),
        step('Always', command, (h) => ({ command: sh`touch ${`${dir}/${h.name}/always`}`, creates: `${dir}/${h.name}/always` }), { tags: ['always'] }),
      ],
      handlers: [handler('Log', command, (h) => ({ command: sh`echo ran >> ${`${dir}/${h.name}/handler.log`}` }))],
    }],
  });
}

async function run(pb: Playbook, names: string[], opts: Partial<RunOptions> = {}) {
  const events: RunEvent[] = [];
  const connect = opts.connect ?? localConnector();
  const result = await runPlaybook(pb, localInventory(names), { connect, stateDir: join(dir, 'state'), onEvent: (e) => events.push(e), ...opts });
  const results = events.filter((e): e is Extract<RunEvent, { type: 'task.result' }> => e.type === 'task.result');
  return { result, events, results };
}

describe('runPlaybook', () => {
  it('changes on the first run in two round trips per host, nothing on the second in one', async () => {
    const first = await run(filesPlaybook(), ['a', 'b']);
    expect(first.result.ok, JSON.stringify(first.results.filter((r) => r.status === 'failed'))).toBe(true);
    expect(first.result.recap.a).toEqual({ ok: 0, changed: 4, failed: 0, unreachable: 0, skipped: 0 });
    expect(readFileSync(`${dir}/a/a.txt`, 'utf8')).toBe('hello\n');
    expect(statSync(`${dir}/a/a.txt`).mode & 0o777).toBe(0o640);
    expect(readFileSync(`${dir}/b/b.conf`, 'utf8')).toBe('name=b\n');
    // facts + every probe, then every change and the handler in one script
    expect(first.result.roundTrips).toEqual({ a: 2, b: 2 });
    const second = await run(filesPlaybook(), ['a', 'b']);
    expect(second.result.recap.a).toEqual({ ok: 3, changed: 0, failed: 0, unreachable: 0, skipped: 0 });
    // facts and every probe of the play in one round trip
    expect(second.result.roundTrips).toEqual({ a: 1, b: 1 });
  });

  it('check mode plans from real probes and changes nothing', async () => {
    const connect = localConnector();
    const { result, results } = await run(filesPlaybook(), ['a'], { check: true, connect });
    expect(result.recap.a?.changed).toBe(4);
    expect(results.map((r) => r.status)).toEqual(['changed', 'changed', 'changed', 'changed']);
    expect(existsSync(`${dir}/a`)).toBe(false);
    expect(existsSync(`${dir}/state`)).toBe(false);
    expect(connect.transports.get('a')!.scripts.some((s) => s.includes('rb_fail'))).toBe(false);
  });

  it('diff mode puts the file diff into the result', async () => {
    await run(filesPlaybook(), ['a']);
    const { results } = await run(filesPlaybook({ motd: 'goodbye' }), ['a'], { diff: true, check: true });
    expect(results[0]?.diff).toContain('-hello\n+goodbye');
    const plain = await run(filesPlaybook({ motd: 'goodbye' }), ['a'], { check: true });
    expect(plain.results[0]?.diff).toBeUndefined();
  });

  it('runs a handler exactly when its notifying task changed', async () => {
    await run(filesPlaybook(), ['a']);
    expect(readFileSync(`${dir}/a/handler.log`, 'utf8')).toBe('ran\n');
    await run(filesPlaybook(), ['a']);
    expect(readFileSync(`${dir}/a/handler.log`, 'utf8')).toBe('ran\n');
    await run(filesPlaybook({ motd: 'changed' }), ['a']);
    expect(readFileSync(`${dir}/a/handler.log`, 'utf8')).toBe('ran\nran\n');
  });

  it('keeps a notification when a later task fails, and runs the handler on the next run', async () => {
    const pb = (fail: boolean) => definePlaybook({
      name: 'p', description: 'd',
      plays: [{
        name: 'P', hosts: 'all',
        steps: [
          step('Write a', file, { path: `${dir}/a.txt`, content: 'x\n' }, { notify: 'Log' }),
          step('Maybe fail', command, { command: fail ? 'echo boom >&2; false' : 'true', summary: 'maybe fail' }),
        ],
        handlers: [handler('Log', command, { command: sh`echo ran >> ${`${dir}/handler.log`}` })],
      }],
    });
    const failed = await run(pb(true), ['a']);
    expect(failed.result.ok).toBe(false);
    expect(failed.result.recap.a?.failed).toBe(1);
    const failure = failed.results.find((r) => r.status === 'failed');
    expect(failure?.task).toBe('Maybe fail');
    expect(failure?.error).toMatch(/command exited with code 1: echo boom >&2; false/);
    expect(failure?.error).toContain('stderr: boom');
    expect(existsSync(`${dir}/handler.log`)).toBe(false);
    expect(readFileSync(`${dir}/state/pending-handlers`, 'utf8')).toBe('Log\n');
    const next = await run(pb(false), ['a']);
    expect(next.result.ok).toBe(true);
    expect(next.results.find((r) => r.handler)?.status).toBe('changed');
    expect(readFileSync(`${dir}/handler.log`, 'utf8')).toBe('ran\n');
    expect(readFileSync(`${dir}/state/pending-handlers`, 'utf8')).toBe('');
  });

  it('an unreachable host leaves the run, the others finish, the run is not ok', async () => {
    const { result, events } = await run(filesPlaybook(), ['a', 'b', 'c'], { connect: localConnector(['b']) });
    expect(result.ok).toBe(false);
    expect(result.recap.b).toEqual({ ok: 0, changed: 0, failed: 0, unreachable: 1, skipped: 0 });
    expect(result.recap.a?.changed).toBe(4);
    expect(result.recap.c?.changed).toBe(4);
    expect(events.some((e) => e.type === 'host.unreachable' && e.host === 'b' && /ECONNREFUSED/.test(e.error))).toBe(true);
  });

  it('maxFailPercent stops the play after the failing batch', async () => {
    const pb = definePlaybook({
      name: 'p', description: 'd',
      plays: [{ name: 'P', hosts: 'all', serial: 1, maxFailPercent: 0, steps: [step('Fail on a', command, (h) => ({ command: h.name === 'a' ? 'false' : 'true' }))] }],
    });
    const { result, results } = await run(pb, ['a', 'b', 'c']);
    expect(result.stopped).toMatch(/1 of 3 hosts failed \(33% > maxFailPercent 0\)/);
    expect(results.map((r) => r.host)).toEqual(['a']);
  });

  it('serial batches finish one batch before the next starts', async () => {
    const pb = definePlaybook({ name: 'p', description: 'd', plays: [{ name: 'P', hosts: 'all', serial: '50%', steps: [step('One', command, { command: 'true' }), step('Two', command, { command: 'true' })] }] });
    const { results } = await run(pb, ['a', 'b', 'c', 'd']);
    const order = results.map((r) => r.host);
    expect(order.slice(0, 4).sort()).toEqual(['a', 'a', 'b', 'b']);
    expect(order.slice(4).sort()).toEqual(['c', 'c', 'd', 'd']);
  });

  it('tags, limit and runOnce narrow the run', async () => {
    const tagged = await run(filesPlaybook(), ['a', 'b', 'c'], { tags: ['b'], limit: ['b*,c', '!c'] });
    expect(tagged.results.map((r) => `${r.host}:${r.task}`)).toEqual(['b:Write b', 'b:Always']);
    const pb = definePlaybook({ name: 'p', description: 'd', plays: [{ name: 'P', hosts: 'all', steps: [step('Once', command, { command: 'true' }, { runOnce: true })] }] });
    const once = await run(pb, ['a', 'b', 'c']);
    expect(once.results.filter((r) => r.status === 'changed')).toHaveLength(1);
    expect(once.results.filter((r) => r.status === 'skipped' && /run once: runs on/.test(r.summary))).toHaveLength(2);
  });

  it('runOnce runs on the first host in play order whose when holds, not on whichever host gets there first', async () => {
    // a is slow to reach the step: the owner is still a (so --check and the run pick the same host)
    const slow = definePlaybook({ name: 'p', description: 'd', plays: [{ name: 'P', hosts: 'all', steps: [
      step('Slow on a', command, { command: 'sleep 1' }, { when: (h) => h.name === 'a' }),
      step('Once', command, { command: 'true' }, { runOnce: true }),
    ] }] });
    for (let i = 0; i < 2; i++) {
      const once = await run(slow, ['a', 'b', 'c']);
      expect(once.results.filter((r) => r.task === 'Once' && r.status === 'changed').map((r) => r.host)).toEqual(['a']);
      expect(once.results.filter((r) => r.task === 'Once' && r.status === 'skipped').map((r) => r.summary)).toEqual(['run once: runs on a', 'run once: runs on a']);
    }
    // a's `when` says no, and b fails before the step: c runs it
    const skipped = definePlaybook({ name: 'p', description: 'd', plays: [{ name: 'P', hosts: 'all', steps: [
      step('Fail on b', command, { command: 'false' }, { when: (h) => h.name === 'b' }),
      step('Once', command, { command: 'true' }, { runOnce: true, when: (h) => h.name !== 'a' }),
    ] }] });
    const res = await run(skipped, ['a', 'b', 'c']);
    expect(res.results.filter((r) => r.task === 'Once' && r.status === 'changed').map((r) => r.host)).toEqual(['c']);
  });

  it('refuses a limit that matches nothing', async () => {
    await expect(run(filesPlaybook(), ['a'], { limit: ['nope'] })).rejects.toThrow(/--limit: pattern 'nope' matches no host or group/);
  });

  it('never lets a secret var reach events, the NDJSON log or printed output', async () => {
    const token = secret('s3cr3t-$(echo) "quoted"');
    const pb = definePlaybook({
      name: 'p', description: 'd',
      plays: [{
        name: 'P', hosts: 'all',
        steps: [
          step('Render', template, (h) => ({ path: `${dir}/t.env`, source: 'TOKEN={{t}}\n', vars: { t: h.vars.token } })),
          step('Use it', command, (h) => ({ command: sh`printf %s ${h.vars.token as typeof token} > ${`${dir}/cmd.out`}; echo leak ${h.vars.token as typeof token} >&2; false` })),
        ],
      }],
    });
    let printed = '';
    const reporter = createReporter({ out: { write: (t: string) => (printed += t) }, tty: false, logFile: join(dir, 'log.ndjson') });
    const events: RunEvent[] = [];
    await runPlaybook(pb, localInventory(['a']), {
      connect: localConnector(), stateDir: join(dir, 'state'), diff: true, vars: { token },
      onEvent: (e) => { events.push(e); reporter.onEvent(e); },
    });
    reporter.close();
    expect(readFileSync(`${dir}/t.env`, 'utf8')).toBe('TOKEN=s3cr3t-$(echo) "quoted"\n');
    expect(readFileSync(`${dir}/cmd.out`, 'utf8')).toBe('s3cr3t-$(echo) "quoted"');
    const log = readFileSync(join(dir, 'log.ndjson'), 'utf8');
    expect(log.split('\n').filter(Boolean).every((l) => JSON.parse(l).type)).toBe(true);
    expect(printed).toContain('TOKEN=***');
    expect(log).toContain('***');
    for (const text of [printed, log]) {
      expect(text).not.toContain('s3cr3t');
    }
  });
});
