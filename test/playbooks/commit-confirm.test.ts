/**
 * Plan.confirm (commit-confirm): after a change is applied, the executor confirms it over a NEW connection; when
 * that connection cannot be opened, the step fails with the plan's failure message and notifications are not kept.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { change, ConnectionError, definePlaybook, ok, runPlaybook, sh, step, type Connector, type RunEvent, type Task } from '../../playbooks/core';
import { localConnector, localInventory } from './support/local-transport';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rb-confirm-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const confirmed: Task<{ marker: string }> = {
  id: 'test.confirmed',
  async plan(_h, a) {
    if (existsSync(`${a.marker}.confirmed`)) return ok('confirmed earlier');
    return change('apply then confirm', [sh`touch ${`${a.marker}.applied`}`], {
      confirm: { commands: [sh`mv ${`${a.marker}.applied`} ${`${a.marker}.confirmed`}`], timeoutMs: 5000, failure: 'change NOT applied: no new connection' },
    });
  },
};

function playbook() {
  return definePlaybook({ name: 't', description: 't', plays: [{ name: 'p', hosts: 'all', steps: [step('Confirm', confirmed, { marker: join(dir, 'm') })] }] });
}

describe('commit-confirm over a new connection', () => {
  it('runs the confirmation over a second connection when the first apply succeeded', async () => {
    const base = localConnector();
    let connects = 0;
    const connect: Connector = (h) => {
      connects++;
      return base(h);
    };
    const res = await runPlaybook(playbook(), localInventory(['a']), { connect, stateDir: join(dir, 'state') });
    expect(res.ok).toBe(true);
    expect(connects).toBe(2);
    expect(existsSync(join(dir, 'm.confirmed'))).toBe(true);
  });

  it('fails the step with the failure message when the new connection is refused', async () => {
    const base = localConnector();
    let connects = 0;
    const connect: Connector = (h) => (++connects === 1 ? base(h) : Promise.reject(new ConnectionError(h.name, 'timeout', 'connect timed out')));
    const events: RunEvent[] = [];
    const res = await runPlaybook(playbook(), localInventory(['a']), { connect, stateDir: join(dir, 'state'), onEvent: (e) => events.push(e) });
    expect(res.ok).toBe(false);
    const failed = events.find((e) => e.type === 'task.result' && e.status === 'failed') as { error?: string } | undefined;
    expect(failed?.error).toMatch(/change NOT applied: no new connection \(host 'a': connect timed out\)/);
    expect(existsSync(join(dir, 'm.confirmed'))).toBe(false);
  });

  it('gives up after timeoutMs when the new connection hangs', async () => {
    const base = localConnector();
    let connects = 0;
    const connect: Connector = (h) => (++connects === 1 ? base(h) : new Promise(() => {}));
    const t0 = Date.now();
    const res = await runPlaybook(playbook(), localInventory(['a']), { connect, stateDir: join(dir, 'state') });
    expect(res.ok).toBe(false);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });
});
