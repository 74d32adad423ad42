/**
 * Proof that a command wrote nothing under a directory, stronger than a content hash (which a byte-identical
 * rewrite, a delete-and-recreate or a touch would not change):
 *
 *   const proof = await plantSentinel(dir);   // every entry's mtime set to 2001-01-01, a sentinel file planted
 *   await runTheCommand();
 *   expect(await untouched(proof)).toEqual([]); // lists every entry created, removed, replaced or written
 *
 * Each entry (directories included) is recorded with its inode, mode, size, mtime and ctime in nanoseconds and a
 * sha256 of its content. A write changes mtime and ctime (ctime cannot be set back by anyone), a rename or
 * recreate changes the inode, a new or removed file changes its directory's mtime, and the planted sentinel
 * vanishes when the tree is wiped and rebuilt.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstat, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

interface EntryState {
  readonly ino: bigint;
  readonly mode: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  readonly sha256: string;
}

export interface SentinelProof {
  readonly dir: string;
  readonly sentinel: string;
  readonly entries: ReadonlyMap<string, EntryState>;
}

const PAST = new Date('2001-01-01T00:00:00Z');

async function walk(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [rel];
  for (const e of (await readdir(join(dir, rel), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = rel ? join(rel, e.name) : e.name;
    if (e.isDirectory()) out.push(...(await walk(dir, p)));
    else out.push(p);
  }
  return out;
}

async function snapshot(dir: string): Promise<Map<string, EntryState>> {
  const entries = new Map<string, EntryState>();
  for (const rel of await walk(dir)) {
    const s = await lstat(join(dir, rel), { bigint: true });
    const sha256 = s.isFile() ? createHash('sha256').update(await readFile(join(dir, rel))).digest('hex') : '';
    entries.set(rel || '.', { ino: s.ino, mode: s.mode, size: s.isDirectory() ? 0n : s.size, mtimeNs: s.mtimeNs, ctimeNs: s.ctimeNs, sha256 });
  }
  return entries;
}

export async function plantSentinel(dir: string): Promise<SentinelProof> {
  const sentinel = `.sentinel-${randomBytes(6).toString('hex')}`;
  await writeFile(join(dir, sentinel), `planted by the test at ${new Date().toISOString()}\n`);
  const paths = await walk(dir);
  // deepest first, so setting a file's times does not disturb its directory's afterwards
  for (const rel of [...paths].reverse()) {
    const s = await lstat(join(dir, rel));
    if (!s.isSymbolicLink()) await utimes(join(dir, rel), PAST, PAST);
  }
  return { dir, sentinel, entries: await snapshot(dir) };
}

/** Every difference since the sentinel was planted, one line each (empty: nothing was written). */
export async function untouched(proof: SentinelProof): Promise<string[]> {
  const now = await snapshot(proof.dir);
  const out: string[] = [];
  for (const [rel, before] of proof.entries) {
    const after = now.get(rel);
    if (!after) {
      out.push(`removed: ${rel}`);
      continue;
    }
    const what = (['ino', 'mode', 'size', 'mtimeNs', 'ctimeNs', 'sha256'] as const).filter((k) => before[k] !== after[k]);
    if (what.length) out.push(`changed (${what.join(', ')}): ${rel}`);
  }
  for (const rel of now.keys()) if (!proof.entries.has(rel)) out.push(`created: ${rel}`);
  if (!now.has(proof.sentinel)) out.push(`sentinel ${proof.sentinel} is gone: the tree was rebuilt`);
  return out;
}
