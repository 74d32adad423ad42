import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withLock } from '../../lab/lock';

const dir = mkdtempSync(join(tmpdir(), 'lab-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lab lock file', () => {
  it('runs holders one at a time and releases the lock', async () => {
    const path = join(dir, 'a.lock');
    const events: string[] = [];
    const holder = (name: string) => async () => {
      events.push(`${name} in`);
      await new Promise((r) => setTimeout(r, 300));
      events.push(`${name} out`);
    };
    await Promise.all([withLock(path, 10, holder('one')), withLock(path, 10, holder('two'))]);
    expect(events).toEqual(['one in', 'one out', 'two in', 'two out']);
    expect(existsSync(path)).toBe(false);
  });

  it('takes over a lock left by a process that is gone', async () => {
    const path = join(dir, 'b.lock');
    writeFileSync(path, '999999999\n');
    await expect(withLock(path, 5, async () => 'ran')).resolves.toBe('ran');
  });

  it('gives up after the bound, naming the holder', async () => {
    const path = join(dir, 'c.lock');
    writeFileSync(path, `${process.pid}\n`);
    await expect(withLock(path, 1, async () => 'ran')).rejects.toThrow(`lab: lock ${path} is still held by pid ${process.pid} after 1 s`);
  });
});
