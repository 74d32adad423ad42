/**
 * npm run play -- <region> <playbook> [options]
 *
 * Runs a playbook (a module under playbooks/ whose default export is a Playbook, or a RegionPlaybook with
 * build(region)) on the hosts of a region over SSH. Exit codes: 0 nothing failed; 1 bad input (region, playbook,
 * options); 2 a host failed or the run was stopped (maxFailPercent); 3 a host was unreachable (and none failed).
 */
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Region } from '../regions/types';
import type { Playbook, VarValue } from '../playbooks/core';
// Light modules only at the top (node built-ins and the runner's error and redaction modules): `--help` and bad
// options answer without loading the region validator, ssh2 and the rest, which main() imports when it needs them.
import { ValidationError } from '../playbooks/core/errors';
import { redact, secret } from '../playbooks/core/redaction';
import { regionForRun, type PlayRequest, type RegionPlaybook } from '../playbooks/region-playbook';

const PLAYBOOKS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'playbooks');

const HELP = `Usage: npm run play -- <region> <playbook> [options]

Runs <playbook> (a module under playbooks/) on the hosts of <region> over SSH, Ansible-style:
facts, then a read-only plan per task, then only the changes.

Options:
  --check              plan only: probe the hosts, report what would change, change nothing
  --diff               show file diffs of changed (or would-change) files
  --limit <patterns>   only these hosts: names, pools, globs, !exclusions (comma-separated, repeatable)
  --tags <tags>        only steps with these tags (and steps tagged 'always')
  --skip-tags <tags>   skip steps with these tags
  --forks <n>          hosts worked on at the same time (default 20)
  --var k=v            a playbook variable (repeatable)
  --secret-var k=ENV   a secret playbook variable read from environment variable ENV; redacted everywhere
  --log <file>         append every event as NDJSON to <file>
  --bundle <dir>       deliver k3s, gVisor, the air-gap images and the cert-manager chart from this bundle (made by
                       npm run bundle) over SSH instead of letting hosts download; overrides the region's airgap.bundleDir
  --confirm <region>   name the region to allow a destructive run on all of it (reset without --limit)
  --lab-dir <dir>      directory of the lab region (region 'lab'; default $LAB_DIR, else .lab/lab: the default lab id)
  --verbose            also print ok and skipped tasks on a terminal
  -h, --help           this help

Host keys are checked strictly against the region's known_hosts; record new hosts with
  npm run host-keys -- <region> [--limit ...]

Exit codes: 0 ok, 1 bad input, 2 a host failed (or maxFailPercent stopped the run), 3 a host was unreachable.`;

interface PlayableModule {
  default?: Playbook | RegionPlaybook;
}

function isPlaybook(v: unknown): v is Playbook {
  return !!v && typeof v === 'object' && Array.isArray((v as Playbook).plays) && typeof (v as Playbook).name === 'string';
}

function isRegionPlaybook(v: unknown): v is RegionPlaybook {
  return !!v && typeof v === 'object' && typeof (v as { build?: unknown }).build === 'function';
}

/** Playbook modules: top-level .ts files of playbooks/ whose default export is a Playbook or a RegionPlaybook. */
async function availablePlaybooks(): Promise<string[]> {
  const names: string[] = [];
  for (const f of readdirSync(PLAYBOOKS_DIR).filter((n) => n.endsWith('.ts')).sort()) {
    try {
      const mod = (await import(pathToFileURL(join(PLAYBOOKS_DIR, f)).href)) as PlayableModule;
      if (isPlaybook(mod.default) || isRegionPlaybook(mod.default)) names.push(f.replace(/\.ts$/, ''));
    } catch {
      /* a module that does not load is not offered */
    }
  }
  return names;
}

export async function loadPlaybookModule(name: string, region: Region, request: PlayRequest = { limit: [] }): Promise<Playbook> {
  return (await loadRunnable(name, region, request)).playbook;
}

/** The playbook built for the region, and the region as the run connects to it (first-contact: the initial login). */
export async function loadRunnable(name: string, region: Region, request: PlayRequest = { limit: [] }): Promise<{ playbook: Playbook; region: Region }> {
  const unknown = async () =>
    new ValidationError(`playbook '${name}' does not exist under playbooks/ (expected one of: ${(await availablePlaybooks()).join(', ') || 'none'}; e.g. npm run play -- ${region.name} bench-play)`);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw await unknown();
  const file = join(PLAYBOOKS_DIR, `${name}.ts`);
  let mod: PlayableModule;
  try {
    mod = (await import(pathToFileURL(file).href)) as PlayableModule;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(file)) throw await unknown();
    throw e;
  }
  if (isPlaybook(mod.default)) return { playbook: mod.default, region };
  if (isRegionPlaybook(mod.default)) {
    mod.default.preflight?.(region, request);
    return { playbook: mod.default.build(region), region: regionForRun(mod.default, region) };
  }
  throw await unknown();
}

function parseVars(list: readonly string[], secretList: readonly string[]): Record<string, VarValue> {
  const vars: Record<string, VarValue> = {};
  for (const kv of list) {
    const i = kv.indexOf('=');
    if (i < 1) throw new ValidationError(`--var '${kv}' is not key=value (expected e.g. --var deployUser=ops)`);
    vars[kv.slice(0, i)] = kv.slice(i + 1);
  }
  for (const kv of secretList) {
    const i = kv.indexOf('=');
    if (i < 1) throw new ValidationError(`--secret-var '${kv}' is not key=ENV_NAME (expected e.g. --secret-var k3sToken=K3S_TOKEN; the value is read from the environment so it never sits in argv)`);
    const env = kv.slice(i + 1);
    const value = process.env[env];
    if (value === undefined || value === '') throw new ValidationError(`--secret-var ${kv.slice(0, i)}: environment variable '${env}' is not set (expected it to hold the secret; fix: export ${env}=...)`);
    vars[kv.slice(0, i)] = secret(value);
  }
  return vars;
}

export async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      check: { type: 'boolean', default: false },
      diff: { type: 'boolean', default: false },
      limit: { type: 'string', multiple: true, default: [] },
      tags: { type: 'string', multiple: true, default: [] },
      'skip-tags': { type: 'string', multiple: true, default: [] },
      forks: { type: 'string' },
      var: { type: 'string', multiple: true, default: [] },
      'secret-var': { type: 'string', multiple: true, default: [] },
      log: { type: 'string' },
      'lab-dir': { type: 'string' },
      bundle: { type: 'string' },
      confirm: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (positionals.length !== 2) throw new ValidationError(`play: expected <region> <playbook>, got ${positionals.length ? `'${positionals.join(' ')}'` : 'nothing'} (e.g. npm run play -- eu-central-1 base; see --help)`);
  const [regionName, playbookName] = positionals as [string, string];
  const forks = values.forks === undefined ? undefined : Number(values.forks);
  if (forks !== undefined && (!Number.isInteger(forks) || forks < 1)) throw new ValidationError(`--forks '${values.forks}' is not a positive integer (expected e.g. --forks 10)`);
  const split = (l: string[]) => l.flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
  const vars = parseVars(values.var, values['secret-var']);

  const [{ loadRegion }, { createReporter, runPlaybook, sshConnector }, { inventoryFromRegion }, { loadBundle }, { standInLines }] = await Promise.all([
    import('../regions/load'),
    import('../playbooks/core'),
    import('../playbooks/inventory'),
    import('../playbooks/bundle-manifest'),
    import('../playbooks/bundle-steps'),
  ]);
  const loaded = await loadRegion(regionName, values['lab-dir'] ? { labDir: values['lab-dir'] } : {});
  const region: Region = values.bundle ? { ...loaded, airgap: { bundleDir: resolve(values.bundle) } } : loaded;
  if (region.airgap) {
    // Verified here (every file against the manifest and the repository's pins) before any host is contacted.
    const bundle = loadBundle(region.airgap.bundleDir, { region: region.name });
    const standIns = standInLines(bundle);
    process.stdout.write(`bundle ${bundle.dir}: ${bundle.byKey.size} artifacts verified${standIns.length ? `; ${standIns.length} are STAND-INS, not the real artifacts:` : ''}\n`);
    for (const l of standIns) process.stdout.write(`  STAND-IN ${l}\n`);
  }
  const runnable = await loadRunnable(playbookName, region, { limit: split(values.limit), ...(values.confirm !== undefined ? { confirm: values.confirm } : {}) });
  const playbook = runnable.playbook;
  const { inventory, ssh } = inventoryFromRegion(runnable.region);
  const connect = sshConnector(ssh);
  const reporter = createReporter({ out: process.stdout, verbose: values.verbose, ...(values.log ? { logFile: values.log } : {}) });
  try {
    const result = await runPlaybook(playbook, inventory, {
      connect,
      check: values.check,
      diff: values.diff,
      limit: split(values.limit),
      tags: split(values.tags),
      skipTags: split(values['skip-tags']),
      vars,
      onEvent: reporter.onEvent,
      ...(forks ? { forks } : {}),
    });
    if (result.ok) return 0;
    const counts = Object.values(result.recap);
    if (result.stopped || counts.some((c) => c.failed > 0)) return 2;
    return 3;
  } finally {
    reporter.close();
    await connect.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      const err = e as Error;
      const known = err instanceof ValidationError || err?.name === 'RegionValidationError' || err?.name === 'ValidationError' || (err as NodeJS.ErrnoException)?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION';
      process.stderr.write(`${redact(known ? err.message : (err?.stack ?? String(e)))}\n`);
      process.exit(1);
    },
  );
}
