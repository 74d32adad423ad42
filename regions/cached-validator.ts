/**
 * An ajv validator that is compiled once per machine, not once per process: the first process compiles the schema
 * and writes ajv's standalone code (https://ajv.js.org/standalone.html) to a file addressed by the sha256 of
 * everything that determines it (the schema, the ajv options, the ajv version); later processes `require` that file,
 * which costs a few ms instead of the ~200 ms of compiling the region schema, and never load ajv's compiler at all.
 * A schema or option change has another address, so a stale validator cannot be used. A cache that cannot be
 * written (read-only tree, full disk) is simply not used; `REGION_VALIDATOR_CACHE=off` turns it off.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { default as AjvClass, Options, ValidateFunction } from 'ajv';
import type { default as StandaloneCode } from 'ajv/dist/standalone';

const requireHere = createRequire(import.meta.url);

/** Beside the compile cache of tools/ts and synth's validators (shared by the worktrees of a checkout). */
export const VALIDATOR_CACHE_DIR = fileURLToPath(new URL('../node_modules/.cache/region-bootstrapper/region-validators/', import.meta.url));

let ajvVersion: string | undefined;

/** The cache file of a schema compiled with these options (the address covers schema, options and ajv version). */
export function validatorCachePath(name: string, schema: object, options: Options, dir: string = VALIDATOR_CACHE_DIR): string {
  ajvVersion ??= (JSON.parse(readFileSync(requireHere.resolve('ajv/package.json'), 'utf8')) as { version: string }).version;
  const h = createHash('sha256').update(`ajv ${ajvVersion}\n${JSON.stringify(options)}\n`).update(JSON.stringify(schema)).digest('hex');
  return join(dir, `${name}-${h.slice(0, 32)}.cjs`);
}

/**
 * The validator of `schema`: from the cache when it holds this schema compiled with these options, else compiled
 * now (with `code.source`, which standalone code needs) and stored. Both behave the same: the cached file IS ajv's
 * code for the compiled validator, errors included (`verbose`, `allErrors` and the rest are compiled in).
 */
export function cachedValidator(name: string, schema: object, options: Options, dir: string | null = process.env.REGION_VALIDATOR_CACHE === 'off' ? null : VALIDATOR_CACHE_DIR): ValidateFunction {
  const opts: Options = { ...options, code: { ...options.code, source: true } };
  const file = dir === null ? undefined : validatorCachePath(name, schema, opts, dir);
  if (file && existsSync(file)) {
    try {
      return requireHere(file) as ValidateFunction;
    } catch {
      /* a truncated or foreign file: compile again and replace it */
    }
  }
  const Ajv = (requireHere('ajv') as { default: typeof AjvClass }).default;
  const ajv = new Ajv(opts);
  const validate = ajv.compile(schema);
  if (file) {
    try {
      const standaloneCode = (requireHere('ajv/dist/standalone') as { default: typeof StandaloneCode }).default;
      mkdirSync(dir!, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, standaloneCode(ajv, validate));
      renameSync(tmp, file);
    } catch {
      // The cache only saves time; validation does not depend on it.
    }
  }
  return validate;
}
