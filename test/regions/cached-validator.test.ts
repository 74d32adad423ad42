/**
 * The region validator compiled once per machine (regions/cached-validator.ts): the cached standalone code validates
 * exactly like the freshly compiled validator (same verdict, same errors with `verbose` data), a schema or option
 * change gets another file, and a broken cache file is compiled again and replaced.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cachedValidator, validatorCachePath } from '../../regions/cached-validator';
import { checkRegionSchema, regionSchema } from '../../regions/schema-check';

const OPTIONS = { allErrors: true, verbose: true, strict: true, allowUnionTypes: true, discriminator: true } as const;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rb-validators-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const bad = { name: 'Bad Name', provider: 'nowhere', pools: { ctrl: { hosts: [{ name: 'a', publicIp: 7 }] } }, extra: true };

describe('cached region validator', () => {
  it('the cached code gives the same verdict and errors as the compiled validator', () => {
    const compiled = cachedValidator('region', regionSchema, OPTIONS, dir);
    const file = validatorCachePath('region', regionSchema, { ...OPTIONS, code: { source: true } }, dir);
    expect(existsSync(file)).toBe(true);
    const cached = cachedValidator('region', regionSchema, OPTIONS, dir);
    expect(cached).not.toBe(compiled); // loaded from the file, not the same function
    expect(compiled(bad)).toBe(false);
    expect(cached(bad)).toBe(false);
    expect(cached.errors!.length).toBeGreaterThan(3);
    expect(cached.errors).toEqual(compiled.errors);
    // the region messages built from them are those of the compiled validator (schema-check uses the machine cache)
    expect(checkRegionSchema(bad, 'x').map((i) => `${i.path}: ${i.problem}`)).toEqual(['network: is missing', 'platform: is missing', 'provider: is not a known field', 'extra: is not a known field', 'name: does not have the expected format', 'pools.ctrl.hosts[0].provider: is missing', 'pools.ctrl.hosts[0].privateIp: is missing', 'pools.ctrl.hosts[0].publicIp: is an integer']);
  });

  it('another schema or other options get another file; a broken file is compiled again and replaced', () => {
    const a = validatorCachePath('s', { type: 'object' }, { allErrors: true }, dir);
    expect(validatorCachePath('s', { type: 'string' }, { allErrors: true }, dir)).not.toBe(a);
    expect(validatorCachePath('s', { type: 'object' }, { allErrors: false }, dir)).not.toBe(a);
    const schema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };
    const file = validatorCachePath('s', schema, { allErrors: true, code: { source: true } }, dir);
    writeFileSync(file, 'this is not javascript {');
    const v = cachedValidator('s', schema, { allErrors: true }, dir);
    expect(v({ n: 1 })).toBe(true);
    expect(v({})).toBe(false);
    expect(readdirSync(dir)).toEqual([file.split('/').pop()]);
    expect(cachedValidator('s', schema, { allErrors: true }, dir)({ n: 'x' })).toBe(false);
  });

  it('with the cache off (null) nothing is written', () => {
    const v = cachedValidator('region', regionSchema, OPTIONS, null);
    expect(v(bad)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});
