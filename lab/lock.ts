/** A lock file (O_EXCL) held by a live pid, with a bounded wait; a lock left by a dead process is taken over. */
import { openSync, closeSync, writeSync, readFileSync, unlinkSync } from 'node:fs';
import { LabError } from './errors';
import { sleep } from './run';

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryAcquire(path: string): boolean {
  try {
    const fd = openSync(path, 'wx', 0o644);
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  let holder = NaN;
  try {
    holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
  } catch {
    return false; // being written or just released: try again
  }
  if (!pidAlive(holder)) {
    try {
      unlinkSync(path);
    } catch {
      /* another waiter took it over first */
    }
  }
  return false;
}

/**
 * Runs `fn` while holding the lock file `path`. Waits at most `timeoutSeconds` for another holder;
 * `onWait` is called once when the lock is busy.
 */
export async function withLock<T>(path: string, timeoutSeconds: number, fn: () => Promise<T>, onWait?: () => void): Promise<T> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let told = false;
  while (!tryAcquire(path)) {
    if (!told) {
      onWait?.();
      told = true;
    }
    if (Date.now() > deadline) {
      let holder = '?';
      try {
        holder = readFileSync(path, 'utf8').trim();
      } catch {
        /* gone meanwhile */
      }
      throw new LabError(`lab: lock ${path} is still held by pid ${holder} after ${timeoutSeconds} s (expected it to be released); wait for that process, or remove the file if it is not running`);
    }
    await sleep(250);
  }
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(path);
    } catch {
      /* already removed */
    }
  }
}
