/**
 * Node module hooks (module.register, see register.mjs) that run the repo's .ts modules from the compile cache
 * (compile.mjs): extensionless and directory specifiers resolve as the bundler-style tsconfig says (`./x` ->
 * `./x.ts` or `./x/index.ts`), .ts modules load as ES modules from the cache, and a .json module imported without an
 * import attribute (tsconfig resolveJsonModule) loads as a module whose default export is the parsed JSON. A module
 * keeps its own file URL, so `import.meta.url` and paths relative to it are those of the source.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compile } from './compile.mjs';

// (throwIfNoEntry: a missing candidate is the common case; building an exception for each costs more than the stat)
const isFile = (p) => statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;

export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (parent?.startsWith('file:') && (specifier.startsWith('./') || specifier.startsWith('../')) && parent.endsWith('.ts')) {
    const base = fileURLToPath(new URL(specifier, parent));
    const candidates = isFile(base) ? [base] : [`${base}.ts`, `${base}/index.ts`, base.replace(/\.js$/, '.ts')];
    for (const c of candidates) if (isFile(c)) return { url: pathToFileURL(c).href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (url.startsWith('file:') && url.endsWith('.ts')) {
    const file = fileURLToPath(url);
    return { format: 'module', source: await compile(file, readFileSync(file, 'utf8')), shortCircuit: true };
  }
  if (url.startsWith('file:') && url.endsWith('.json') && context.importAttributes?.type !== 'json' && existsSync(fileURLToPath(url))) {
    return { format: 'module', source: `export default ${readFileSync(fileURLToPath(url), 'utf8')};`, shortCircuit: true };
  }
  return next(url, context);
}
