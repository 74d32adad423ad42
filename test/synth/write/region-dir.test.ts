import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { diffRegionDir, listGeneratedFiles, repairInterruptedWrite, writeRegionDir } from '../../../synth/write/region-dir';

let out: string;
beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'synth-write-'));
});
afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

const files = [
  { path: 'kustomization.yaml', content: 'k: 1\n' },
  { path: '10-a.yaml', content: 'a: 1\n' },
  { path: 'components/c/kustomization.yaml', content: 'c: 1\n' },
];

describe('writeRegionDir', () => {
  it('writes a new region, then only reports changes, removing stale files and keeping secrets/', async () => {
    expect(await writeRegionDir(out, 'r', files)).toBe(true);
    expect(await listGeneratedFiles(join(out, 'r'))).toEqual(['10-a.yaml', 'components/c/kustomization.yaml', 'kustomization.yaml']);
    expect(await writeRegionDir(out, 'r', files)).toBe(false);
    await mkdir(join(out, 'r', 'secrets'));
    await writeFile(join(out, 'r', 'secrets', 'x.env'), 'x=1\n');
    await writeFile(join(out, 'r', '99-stale.yaml'), 'old\n');
    expect(await diffRegionDir(join(out, 'r'), files)).toEqual({ missing: [], stale: [], extra: ['99-stale.yaml'] });
    expect(await writeRegionDir(out, 'r', [files[0]!, { path: '10-a.yaml', content: 'a: 2\n' }])).toBe(true);
    expect(await listGeneratedFiles(join(out, 'r'))).toEqual(['10-a.yaml', 'kustomization.yaml']);
    expect(await readFile(join(out, 'r', 'secrets', 'x.env'), 'utf8')).toBe('x=1\n');
    expect((await readdir(out)).sort()).toEqual(['r']);
  });
});

describe('repairInterruptedWrite', () => {
  it('finishes a swap that died after secrets moved into the new tree', async () => {
    await mkdir(join(out, '.r.synth-tmp', 'secrets'), { recursive: true });
    await writeFile(join(out, '.r.synth-tmp', 'kustomization.yaml'), 'k: 1\n');
    await writeFile(join(out, '.r.synth-tmp', 'secrets', 'x.env'), 'x=1\n');
    await mkdir(join(out, '.r.synth-old'));
    await writeFile(join(out, '.r.synth-old', 'kustomization.yaml'), 'old\n');
    await repairInterruptedWrite(out, 'r');
    expect(await readdir(out)).toEqual(['r']);
    expect(await readFile(join(out, 'r', 'secrets', 'x.env'), 'utf8')).toBe('x=1\n');
    expect(await readFile(join(out, 'r', 'kustomization.yaml'), 'utf8')).toBe('k: 1\n');
  });

  it('moves secrets back when the region folder is there without them', async () => {
    await mkdir(join(out, 'r'));
    await mkdir(join(out, '.r.synth-tmp', 'secrets'), { recursive: true });
    await writeFile(join(out, '.r.synth-tmp', 'secrets', 'x.env'), 'x=1\n');
    await repairInterruptedWrite(out, 'r');
    expect(await readFile(join(out, 'r', 'secrets', 'x.env'), 'utf8')).toBe('x=1\n');
    expect(existsSync(join(out, '.r.synth-tmp'))).toBe(false);
  });

  it('refuses to choose between two secrets folders', async () => {
    await mkdir(join(out, 'r', 'secrets'), { recursive: true });
    await mkdir(join(out, '.r.synth-old', 'secrets'), { recursive: true });
    await expect(repairInterruptedWrite(out, 'r')).rejects.toThrow(/contain secrets\/; merge them by hand/);
    expect(existsSync(join(out, '.r.synth-old', 'secrets'))).toBe(true);
  });
});
