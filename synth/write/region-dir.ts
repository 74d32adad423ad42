/**
 * Reading and replacing dist/<region>/ without ever losing dist/<region>/secrets/ (the git-ignored env
 * files a person filled in).
 *
 * A region is written into a sibling temp dir, then swapped in: the secrets/ directory is moved (one
 * rename, its files untouched) into the new tree, the old tree is renamed aside, the new one renamed
 * into place, and the old one (now without secrets) removed. A run that dies half-way leaves at most a
 * `.<region>.synth-*` directory, which the next run repairs before doing anything else.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SECRETS_DIR } from '../render/header';
import type { RenderedFile } from '../render/render-region';

export interface OutputDiff {
  /** Files synth would write that are not there. */
  readonly missing: readonly string[];
  /** Files whose content differs. */
  readonly stale: readonly string[];
  /** Generated files there that synth would not write (removed on the next write). */
  readonly extra: readonly string[];
}

export function isUpToDate(diff: OutputDiff): boolean {
  return diff.missing.length === 0 && diff.stale.length === 0 && diff.extra.length === 0;
}

function tempDirOf(outDir: string, region: string): string {
  return join(outDir, `.${region}.synth-tmp`);
}

function oldDirOf(outDir: string, region: string): string {
  return join(outDir, `.${region}.synth-old`);
}

/** Generated files under dir (relative, `/`-separated, sorted), leaving out secrets/ at the top. */
export async function listGeneratedFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    for (const entry of await readdir(join(dir, rel), { withFileTypes: true })) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (rel === '' && entry.name === SECRETS_DIR) continue;
      if (entry.isDirectory()) await walk(path);
      else out.push(path);
    }
  }
  await walk('');
  return out.sort();
}

/** How dist/<region>/ differs from what synth would write. */
export async function diffRegionDir(regionDir: string, files: readonly RenderedFile[]): Promise<OutputDiff> {
  const present = new Set(await listGeneratedFiles(regionDir));
  const missing: string[] = [];
  const stale: string[] = [];
  for (const f of files) {
    if (!present.has(f.path)) missing.push(f.path);
    else if ((await readFile(join(regionDir, f.path), 'utf8')) !== f.content) stale.push(f.path);
  }
  const wanted = new Set(files.map((f) => f.path));
  const extra = [...present].filter((p) => !wanted.has(p));
  return { missing, stale, extra };
}

/** Removes a generated tree; refuses when it holds a secrets/ folder. */
async function removeGeneratedTree(dir: string): Promise<void> {
  if (existsSync(join(dir, SECRETS_DIR))) {
    throw new Error(`refusing to remove ${dir}: it contains ${SECRETS_DIR}/ (move ${join(dir, SECRETS_DIR)} back into the region folder by hand)`);
  }
  await rm(dir, { recursive: true, force: true });
}

/** Finishes or undoes a swap that an earlier run did not complete. */
export async function repairInterruptedWrite(outDir: string, region: string): Promise<void> {
  const target = join(outDir, region);
  const tmp = tempDirOf(outDir, region);
  const old = oldDirOf(outDir, region);
  for (const leftover of [tmp, old]) {
    if (!existsSync(join(leftover, SECRETS_DIR))) continue;
    if (!existsSync(target)) {
      // secrets are only moved once a tree is complete, so this tree is a whole region: use it.
      await rename(leftover, target);
    } else if (!existsSync(join(target, SECRETS_DIR))) {
      await rename(join(leftover, SECRETS_DIR), join(target, SECRETS_DIR));
    } else {
      throw new Error(`both ${target} and ${leftover} contain ${SECRETS_DIR}/; merge them by hand and remove ${leftover}`);
    }
  }
  if (existsSync(old) && !existsSync(target)) await rename(old, target);
  if (existsSync(old)) await removeGeneratedTree(old);
  if (existsSync(tmp)) await removeGeneratedTree(tmp);
}

/**
 * Replaces the generated files of dist/<region>/ with `files` (stale generated files disappear),
 * keeping secrets/ as it is. Does nothing when the folder is already up to date.
 * Returns whether anything changed.
 */
export async function writeRegionDir(outDir: string, region: string, files: readonly RenderedFile[]): Promise<boolean> {
  await mkdir(outDir, { recursive: true });
  await repairInterruptedWrite(outDir, region);
  const target = join(outDir, region);
  if (isUpToDate(await diffRegionDir(target, files))) return false;
  const tmp = tempDirOf(outDir, region);
  const old = oldDirOf(outDir, region);
  await mkdir(tmp);
  for (const f of files) {
    const path = join(tmp, f.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, f.content, { mode: 0o644 });
  }
  if (existsSync(target)) {
    if (existsSync(join(target, SECRETS_DIR))) await rename(join(target, SECRETS_DIR), join(tmp, SECRETS_DIR));
    await rename(target, old);
  }
  await rename(tmp, target);
  if (existsSync(old)) await removeGeneratedTree(old);
  return true;
}

/**
 * Removes the generated files of a dist/<name>/ whose region no longer exists. When it holds
 * secrets/, only secrets/ stays (returns 'kept-secrets'), so nothing a person wrote is lost.
 */
export async function removeStaleRegionDir(outDir: string, name: string): Promise<'removed' | 'kept-secrets'> {
  const dir = join(outDir, name);
  await repairInterruptedWrite(outDir, name);
  if (!existsSync(join(dir, SECRETS_DIR))) {
    await rm(dir, { recursive: true, force: true });
    return 'removed';
  }
  for (const entry of await readdir(dir)) {
    if (entry !== SECRETS_DIR) await rm(join(dir, entry), { recursive: true, force: true });
  }
  return 'kept-secrets';
}

/** Region folders present in outDir (not the hidden temp dirs). */
export async function listRegionDirs(outDir: string): Promise<string[]> {
  if (!existsSync(outDir)) return [];
  const entries = await readdir(outDir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
}
