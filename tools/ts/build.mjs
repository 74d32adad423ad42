/**
 * Fill the compile cache (compile.mjs) with every TypeScript module of the repo, so that no CLI start compiles
 * anything. Runs at `npm ci` / `npm install` (package.json `prepare`); run it by hand any time (`npm run build`).
 * Safe to skip: a module missing from the cache is compiled when it is first loaded.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

// Without esbuild (an install without devDependencies) there is nothing to fill the cache with: say so, do not fail
// the install; the CLIs then need the devDependencies anyway.
let compile;
let REPO_ROOT;
try {
  ({ compile, REPO_ROOT } = await import('./compile.mjs'));
  await import('esbuild');
} catch (e) {
  process.stderr.write(`tools/ts/build: compile cache not filled (${e.message.split('\n')[0]}); install the devDependencies (npm ci) to run the CLIs\n`);
  process.exit(0);
}

const DIRS = ['cli', 'playbooks', 'regions', 'synth', 'constructs', 'lab', 'review', 'bench'];

function* walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) yield p;
  }
}

const started = performance.now();
const files = DIRS.flatMap((d) => [...walk(join(REPO_ROOT, d))]);
const failed = [];
await Promise.all(files.map(async (f) => {
  try {
    await compile(f, readFileSync(f, 'utf8'));
  } catch (e) {
    failed.push(`${relative(REPO_ROOT, f)}: ${e.message.split('\n')[0]}`);
  }
}));
// A module that does not compile fails when it is loaded, with the compiler's message; say so here too.
if (failed.length) process.stderr.write(`tools/ts/build: ${failed.length} module(s) did not compile (they fail when loaded):\n  ${failed.join('\n  ')}\n`);
process.stdout.write(`tools/ts/build: ${files.length - failed.length} TypeScript modules in the compile cache (${Math.round(performance.now() - started)} ms)\n`);
