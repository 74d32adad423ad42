import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createReporter, recapText, secret } from '../../../playbooks/core';

const dir = mkdtempSync(join(tmpdir(), 'rb-rep-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reporter', () => {
  it('prints plain lines, diffs and a recap; writes NDJSON; redacts both', () => {
    const s = secret('hunter2-reporter');
    let out = '';
    const log = join(dir, 'events.ndjson');
    const r = createReporter({ out: { write: (t: string) => (out += t) }, tty: false, logFile: log });
    r.onEvent({ type: 'run.start', playbook: 'base', inventory: 'lab', hosts: ['a'], check: true, diff: true });
    r.onEvent({ type: 'task.result', host: 'a', play: 'P', task: 'Write x', taskId: 'file.content', status: 'changed', summary: 'create', handler: false, durationMs: 3, diff: `--- /x\n+++ /x (planned)\n+pw=${s.reveal()}\n` });
    r.onEvent({ type: 'task.result', host: 'a', play: 'P', task: 'Cmd', taskId: 'command.run', status: 'failed', summary: 'x', error: `exit 1: echo ${s.reveal()}`, handler: false, durationMs: 3 });
    r.onEvent({ type: 'run.end', ok: false, recap: { a: { ok: 1, changed: 1, failed: 1, unreachable: 0, skipped: 0 } }, durationMs: 1200 });
    r.close();
    expect(out).toContain('CHECK base on lab: 1 host(s) (check mode: nothing is changed)');
    expect(out).toContain('a | WOULD CHANGE | Write x | create');
    expect(out).toContain('+pw=***');
    expect(out).toContain('a | FAILED | Cmd | exit 1: echo ***');
    expect(out).toContain('a     ok=1  changed=1  failed=1  unreachable=0  skipped=0');
    expect(out).toMatch(/FAILED in 1\.2 s/);
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(['run.start', 'task.result', 'task.result', 'run.end']);
    expect(lines[1].diff).toContain('+pw=***');
    expect(`${out}${readFileSync(log, 'utf8')}`).not.toContain('hunter2');
  });

  it('recapText aligns host names', () => {
    expect(recapText({ 'ctrl-1': { ok: 2, changed: 0, failed: 0, unreachable: 0, skipped: 1 }, x: { ok: 0, changed: 0, failed: 0, unreachable: 1, skipped: 0 } })).toBe(
      'RECAP\nctrl-1  ok=2  changed=0  failed=0  unreachable=0  skipped=1\nx       ok=0  changed=0  failed=0  unreachable=1  skipped=0',
    );
  });
});

describe('reporter on a terminal', () => {
  it('draws a live line per host, prints changes above it, and clears it for the recap', () => {
    let out = '';
    const r = createReporter({ out: { write: (t: string) => (out += t), columns: 80 }, tty: true });
    r.onEvent({ type: 'run.start', playbook: 'base', inventory: 'lab', hosts: ['a', 'b'], check: false, diff: false });
    r.onEvent({ type: 'play.start', play: 'P', hosts: ['a', 'b'], steps: 2 });
    r.onEvent({ type: 'task.start', host: 'a', play: 'P', task: 'Write x', taskId: 'file.content', index: 1, total: 2, handler: false });
    r.onEvent({ type: 'task.result', host: 'a', play: 'P', task: 'Write x', taskId: 'file.content', status: 'ok', summary: 'up to date', handler: false, durationMs: 1 });
    r.onEvent({ type: 'task.result', host: 'b', play: 'P', task: 'Write x', taskId: 'file.content', status: 'changed', summary: 'create', handler: false, durationMs: 1 });
    r.onEvent({ type: 'run.end', ok: true, recap: { a: { ok: 1, changed: 0, failed: 0, unreachable: 0, skipped: 0 }, b: { ok: 0, changed: 1, failed: 0, unreachable: 0, skipped: 0 } }, durationMs: 10 });
    r.close();
    expect(out).toContain('[1/2] Write x');
    expect(out).toContain('\x1b[J');
    expect(out).toContain('b | CHANGED');
    expect(out).not.toContain('a | OK'); // ok results stay quiet on a terminal unless verbose
    expect(out).toMatch(/RECAP[\s\S]*changed=1/);
  });
});
