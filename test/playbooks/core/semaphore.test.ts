import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../../playbooks/core';

describe('Semaphore', () => {
  it('never lets more than the limit run at once, and runs everything', async () => {
    const s = new Semaphore(3);
    let now = 0;
    let peak = 0;
    const done = await Promise.all(Array.from({ length: 20 }, (_, i) => s.use(async () => {
      now++;
      peak = Math.max(peak, now);
      await new Promise((r) => setTimeout(r, 2));
      now--;
      return i;
    })));
    expect(peak).toBe(3);
    expect(done).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(s.inUse).toBe(0);
  });
  it('releases on failure', async () => {
    const s = new Semaphore(1);
    await expect(s.use(async () => { throw new Error('x'); })).rejects.toThrow('x');
    expect(await s.use(async () => 'ok')).toBe('ok');
  });
});
