/**
 * TypeScript -> JavaScript for the CLIs, without tsx: each .ts module is transpiled on its own (esbuild's
 * `transform`, the same transpiler tsx uses; types are checked by `tsc --noEmit`, not here) and the result is kept
 * in a cache addressed by the sha256 of everything that determines it (the source text, this file's options, the
 * esbuild version). A source that changed has another address, so a stale compiled module cannot be run: it is
 * compiled again on the spot. `npm ci` fills the cache for every source of the repo (prepare: build.mjs), so a
 * CLI start reads and hashes its modules and loads them, nothing more.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Shared by the worktrees of a checkout through node_modules; entries are content-addressed, so sharing is safe. */
export const CACHE_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'region-bootstrapper', 'ts');

const require = createRequire(import.meta.url);
const ESBUILD_VERSION = JSON.parse(readFileSync(require.resolve('esbuild/package.json'), 'utf8')).version;

/**
 * The transform options, from tsconfig.json's compiler options that change emitted code (esbuild reads these from
 * tsconfigRaw: https://esbuild.github.io/content-types/#tsconfig-json). `sourcemap: 'inline'` keeps stack traces
 * pointing at the .ts lines.
 */
function options() {
  const tsconfig = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.json'), 'utf8'));
  const co = tsconfig.compilerOptions ?? {};
  const keep = ['target', 'useDefineForClassFields', 'experimentalDecorators', 'verbatimModuleSyntax', 'preserveValueImports', 'importsNotUsedAsValues', 'jsx', 'jsxFactory', 'jsxFragmentFactory', 'jsxImportSource', 'alwaysStrict'];
  const compilerOptions = Object.fromEntries(keep.filter((k) => co[k] !== undefined).map((k) => [k, co[k]]));
  return { loader: 'ts', format: 'esm', target: 'node20', sourcemap: 'inline', tsconfigRaw: { compilerOptions } };
}

let cached;
function opts() {
  cached ??= { value: options() };
  return cached.value;
}
let keyPrefix;

/** The cache path of a source text. */
export function cachePath(source) {
  keyPrefix ??= `esbuild ${ESBUILD_VERSION}\n${JSON.stringify(opts())}\n`;
  const h = createHash('sha256').update(keyPrefix).update(source).digest('hex');
  return join(CACHE_DIR, h.slice(0, 2), `${h.slice(2)}.mjs`);
}

let esbuild;
/** Compile one module (cache hit: read it; miss: transform and store). `file` names it in errors and source maps. */
export async function compile(file, source) {
  const out = cachePath(source);
  try {
    return readFileSync(out, 'utf8');
  } catch {
    /* not cached yet */
  }
  esbuild ??= await import('esbuild');
  const { code } = await esbuild.transform(source, { ...opts(), sourcefile: file });
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, out);
  return code;
}
