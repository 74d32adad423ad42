/** The sentinel proof catches every kind of write a content hash misses, and nothing else. */
import { mkdir, mkdtemp, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { plantSentinel, untouched } from './sentinel';

let dir = '';
async function tree(): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'sentinel-'));
  await mkdir(join(dir, 'eu'));
  await writeFile(join(dir, 'eu', 'a.yaml'), 'kind: A\n');
  await writeFile(join(dir, 'top.txt'), 'top\n');
  return dir;
}
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('sentinel proof of "nothing written"', () => {
  it('reports nothing when only read', async () => {
    const proof = await plantSentinel(await tree());
    await readFile(join(dir, 'eu', 'a.yaml'));
    expect(await untouched(proof)).toEqual([]);
  });

  it.each([
    ['a byte-identical rewrite in place', async () => writeFile(join(dir, 'eu', 'a.yaml'), 'kind: A\n'), /changed \(.*mtimeNs.*\): eu\/a\.yaml/],
    ['a byte-identical rewrite through temp + rename', async () => { await writeFile(join(dir, 'eu', '.tmp'), 'kind: A\n'); await rename(join(dir, 'eu', '.tmp'), join(dir, 'eu', 'a.yaml')); }, /changed \(ino.*\): eu\/a\.yaml/],
    ['a touch that restores the old mtime', async () => { const t = new Date('2001-01-01T00:00:00Z'); await writeFile(join(dir, 'top.txt'), 'top\n'); await utimes(join(dir, 'top.txt'), t, t); }, /changed \(ctimeNs\): top\.txt/],
    ['a new file', async () => writeFile(join(dir, 'eu', 'b.yaml'), 'x'), /created: eu\/b\.yaml/],
    ['a wipe and rebuild', async () => { await rm(join(dir), { recursive: true }); await mkdir(join(dir, 'eu'), { recursive: true }); await writeFile(join(dir, 'eu', 'a.yaml'), 'kind: A\n'); await writeFile(join(dir, 'top.txt'), 'top\n'); }, /sentinel \.sentinel-[0-9a-f]+ is gone/],
  ])('catches %s', async (_what, write, expected) => {
    const proof = await plantSentinel(await tree());
    await write();
    expect((await untouched(proof)).join('\n')).toMatch(expected);
  });
});
