/**
 * Finding and loading regions.
 *
 * Convention: a region file is `regions/<name>.ts` whose source has a line starting with
 * `export default defineRegion(`. Library modules (types, net, load, compose, ...) never do, so adding a
 * module needs no list to maintain, and `listRegionNames` never imports anything.
 *
 * A region's known_hosts defaults to `<regionsDir>/<name>.known_hosts`, beside its file.
 *
 * The special region `lab` is not a file in regions/: it is `<labDir>/lab.region.json`, written by
 * `npm run lab -- up <n>`, with labDir = options.labDir ?? $LAB_DIR ?? <repo>/.lab/lab (the default lab id's folder).
 */
import { access, readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dnsLabelProblem } from './formats';
import { RegionValidationError } from './region-error';
import { REPO_ROOT, resolveRegion } from './resolve';
import type { Region } from './types';

export { resolveRegion, REPO_ROOT, DEFAULTS, type ResolveOptions } from './resolve';
export { RegionValidationError, type RegionIssue } from './region-error';

/** regions/ of this repository. */
export const REGIONS_DIR = join(REPO_ROOT, 'regions');
/** The name of the region read from the lab directory. */
export const LAB_REGION = 'lab';
/** File of the lab region inside the lab directory. */
export const LAB_REGION_FILE = 'lab.region.json';

const REGION_MARKER = /^export default defineRegion\(/m;

export interface LoadRegionOptions {
  /** Directory of region files. @default <repo>/regions */
  readonly regionsDir?: string;
  /** Directory holding lab.region.json (region `lab` only). @default $LAB_DIR, else <repo>/.lab/lab (the default lab id) */
  readonly labDir?: string;
  /** Seconds one region file may take to import. @default $REGION_IMPORT_TIMEOUT_SECONDS, else 30 */
  readonly importTimeoutSeconds?: number;
}

/** The lab directory that `loadRegion('lab')` reads. */
export function labDirOf(options: LoadRegionOptions = {}): string {
  return resolve(options.labDir ?? process.env.LAB_DIR ?? join(REPO_ROOT, '.lab', 'lab'));
}

function display(file: string): string {
  const rel = relative(REPO_ROOT, file);
  return rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** A file in regions/ that is a region file (it has the marker) but cannot be one. */
interface RefusedRegionFile {
  readonly file: string;
  readonly stem: string;
  readonly problem: string;
  readonly expected: string;
  readonly fix: string;
}

async function scanRegionFiles(regionsDir: string): Promise<{ names: string[]; refused: RefusedRegionFile[] }> {
  const entries = await readdir(regionsDir, { withFileTypes: true });
  const names: string[] = [];
  const refused: RefusedRegionFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts')) continue;
    const stem = entry.name.slice(0, -'.ts'.length);
    const file = join(regionsDir, entry.name);
    const text = await readFile(file, 'utf8');
    if (!REGION_MARKER.test(text)) continue; // a library module, not a region file
    const nameProblem = dnsLabelProblem(stem);
    if (nameProblem) {
      refused.push({
        file,
        stem,
        problem: `is a region file whose name ${nameProblem.replace(/^is /, 'is ')}, so it is not a valid region name`,
        expected: 'a file named <region>.ts where <region> is a DNS label, e.g. regions/eu-west-1.ts',
        fix: `rename the file and its name: field to lower case letters, digits and - (e.g. ${stem.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'eu-west-1'}.ts)`,
      });
    } else if (stem === LAB_REGION) {
      refused.push({
        file,
        stem,
        problem: `is named like the reserved region '${LAB_REGION}'`,
        expected: `any other region name; '${LAB_REGION}' is always the local lab, read from <lab dir>/${LAB_REGION_FILE}`,
        fix: `rename the file and its name: field (e.g. ${LAB_REGION}-eu-1.ts); npm run lab writes the lab region itself`,
      });
    } else names.push(stem);
  }
  return { names: names.sort(), refused: refused.sort((a, b) => a.file.localeCompare(b.file)) };
}

function refusedError(refused: readonly RefusedRegionFile[]): RegionValidationError {
  const errors = refused.map(
    (r) => new RegionValidationError(r.stem, display(r.file), [{ region: r.stem, path: '', value: display(r.file), problem: r.problem, expected: r.expected, fix: r.fix }]),
  );
  return errors.length === 1 && errors[0] ? errors[0] : RegionValidationError.combine(errors);
}

/**
 * Names of the region files in regionsDir (sorted); `lab` is not among them. A region file (one with the
 * marker) whose name is not a valid region name, or is the reserved `lab`, is an error, not skipped.
 */
export async function listRegionNames(regionsDir: string = REGIONS_DIR): Promise<string[]> {
  const { names, refused } = await scanRegionFiles(regionsDir);
  if (refused.length > 0) throw refusedError(refused);
  return names;
}

/** How long importing one region file may take (a top-level await that never settles must not hang synth). */
export const REGION_IMPORT_TIMEOUT_SECONDS = 30;

function importTimeoutSeconds(options: LoadRegionOptions): number {
  if (options.importTimeoutSeconds !== undefined) return options.importTimeoutSeconds;
  const env = process.env.REGION_IMPORT_TIMEOUT_SECONDS;
  const n = env !== undefined ? Number(env) : NaN;
  return Number.isFinite(n) && n > 0 ? n : REGION_IMPORT_TIMEOUT_SECONDS;
}

/** Imports a region file, bounded in time: a module that never finishes loading is an error naming the file. */
async function importRegionFile(name: string, file: string, timeoutSeconds: number): Promise<{ default?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new RegionValidationError(name, display(file), [
          {
            region: name,
            path: '',
            value: display(file),
            problem: `did not finish loading within ${timeoutSeconds} s`,
            expected: 'a module that evaluates at once: export default defineRegion({ ... })',
            fix: 'remove top-level awaits (and anything else that waits) from the region file; a region is plain data',
          },
        ]),
      );
    }, timeoutSeconds * 1000);
  });
  try {
    return (await Promise.race([import(pathToFileURL(file).href), timeout])) as { default?: unknown };
  } finally {
    clearTimeout(timer);
  }
}

function notFound(name: string, file: string, expected: string, fix: string): RegionValidationError {
  return new RegionValidationError(name, display(file), [
    { region: name, path: '', value: display(file), problem: 'does not exist', expected, fix },
  ]);
}

async function loadLabRegion(options: LoadRegionOptions): Promise<Region> {
  const labDir = labDirOf(options);
  const file = join(labDir, LAB_REGION_FILE);
  if (!(await exists(file))) {
    throw notFound(LAB_REGION, file, 'a lab region written by the lab tool', 'run `npm run lab -- up 3` (or pass --lab-dir / set LAB_DIR to the lab directory)');
  }
  let definition: unknown;
  try {
    definition = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new RegionValidationError(LAB_REGION, display(file), [
      {
        region: LAB_REGION,
        path: '',
        value: display(file),
        problem: `is not valid JSON: ${(error as Error).message}`,
        expected: 'a RegionDefinition as JSON',
        fix: 'recreate it with `npm run lab -- down` then `npm run lab -- up <n>`',
      },
    ]);
  }
  return resolveRegion(definition, display(file), {
    baseDir: labDir,
    defaultKnownHostsPath: join(labDir, 'known_hosts'),
  });
}

/**
 * Loads and validates one region: `regions/<name>.ts` (its default export; the `name` field must equal
 * the file name), or the lab region for `lab`. Throws RegionValidationError listing every issue.
 */
export async function loadRegion(name: string, options: LoadRegionOptions = {}): Promise<Region> {
  const regionsDir = resolve(options.regionsDir ?? REGIONS_DIR);
  if (name === LAB_REGION) {
    const shadow = (await scanRegionFiles(regionsDir).catch(() => ({ refused: [] as RefusedRegionFile[] }))).refused.filter((r) => r.stem === LAB_REGION);
    if (shadow.length > 0) throw refusedError(shadow);
    return loadLabRegion(options);
  }
  const nameProblem = dnsLabelProblem(name);
  if (nameProblem) {
    throw new RegionValidationError(name, display(regionsDir), [
      { region: name, path: '', value: name, problem: `${nameProblem}, not a region name`, expected: 'a region name like eu-central-1' },
    ]);
  }
  const file = join(regionsDir, `${name}.ts`);
  const known = (await scanRegionFiles(regionsDir).catch(() => ({ names: [] as string[] }))).names;
  if (!(await exists(file)) || !known.includes(name)) {
    throw notFound(name, file, `one of: ${[...known, LAB_REGION].join(', ')}`, `create it with \`npm run new-region -- ${name} --provider hetzner\``);
  }
  const mod = await importRegionFile(name, file, importTimeoutSeconds(options));
  if (mod.default === undefined) {
    throw new RegionValidationError(name, display(file), [
      { region: name, path: '', value: display(file), problem: 'has no default export', expected: 'export default defineRegion({ ... })' },
    ]);
  }
  return resolveRegion(mod.default, display(file), {
    expectedName: name,
    defaultKnownHostsPath: join(regionsDir, `${name}.known_hosts`),
  });
}

/**
 * Loads every region file of regionsDir (not `lab`), in name order. When any is invalid, throws one
 * RegionValidationError with the issues of all invalid regions.
 */
export async function loadAllRegions(options: LoadRegionOptions = {}): Promise<Region[]> {
  const names = await listRegionNames(options.regionsDir ?? REGIONS_DIR);
  const regions: Region[] = [];
  const failures: RegionValidationError[] = [];
  for (const name of names) {
    try {
      regions.push(await loadRegion(name, options));
    } catch (error) {
      if (!(error instanceof RegionValidationError)) throw error;
      failures.push(error);
    }
  }
  if (failures.length === 1 && failures[0]) throw failures[0];
  if (failures.length > 1) throw RegionValidationError.combine(failures);
  return regions;
}
