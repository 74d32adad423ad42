/**
 * npm run new-region -- <name> --provider <hetzner|contabo> [options]
 * Scaffolds regions/<name>.ts and regions/<name>.known_hosts from templates/ (see docs/regions.md).
 */
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { RegionValidationError } from '../regions/load';
import { REPO_ROOT } from '../regions/resolve';
import { createNewRegion, planNewRegion, ScaffoldError, SCAFFOLD_PROVIDERS, verifyPlan, type NewRegionOptions, type ScaffoldProvider } from '../regions/scaffold';
import { POOL_NAMES, type PoolName } from '../regions/types';

const HELP = `Usage: npm run new-region -- <name> --provider <hetzner|contabo> [options]

Scaffolds regions/<name>.ts and regions/<name>.known_hosts with sensible defaults. Values only a person
knows are marked TODO(person); until then they are documentation addresses (RFC 5737), so the new file
validates. The result is checked with the region validator before anything is written, and existing
files are never overwritten.

Options:
  --provider <p>        hetzner or contabo (required)
  --domain <d>          base domain of the platform hosts (default: <name>.example, a TODO)
  --servers <n>         k3s servers, odd (default 3)
  --run <n>             run-pool hosts, 0 for none (default 2)
  --build <n>           build-pool hosts, 0 for none (default 1)
  --ops <n>             ops-pool hosts, 0 for none (default 1)
  --dedicated <pools>   hetzner only: comma-separated pools on dedicated (Robot) machines, joined by a
                        vSwitch, e.g. run,ops (default: none, all Hetzner Cloud)
  --private-cidr <c>    private network (default 10.0.0.0/16)
  --admin-cidr <c>      a source allowed to SSH; repeatable (default 198.51.100.0/28, a TODO)
  --ssh-user <u>        remote user (default root; others use sudo -n)
  --acme-email <e>      Let's Encrypt e-mail (default ops@<domain>, a TODO)
  --regions-dir <dir>   where to write (default regions/)
  --print               print the region file instead of writing anything
  -h, --help            this help

Example:
  npm run new-region -- eu-west-1 --provider hetzner --domain west.threesix.example --dedicated run,ops
`;

function integer(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]+$/.test(value)) throw new ScaffoldError(`new-region: --${option} '${value}' is not a whole number (expected e.g. 3)`);
  return Number(value);
}

async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      provider: { type: 'string' },
      domain: { type: 'string' },
      servers: { type: 'string' },
      run: { type: 'string' },
      build: { type: 'string' },
      ops: { type: 'string' },
      dedicated: { type: 'string' },
      'private-cidr': { type: 'string' },
      'admin-cidr': { type: 'string', multiple: true },
      'ssh-user': { type: 'string' },
      'acme-email': { type: 'string' },
      'regions-dir': { type: 'string' },
      print: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length !== 1 || !values.provider) {
    process.stderr.write(
      `new-region: ${positionals.length === 0 ? 'a region name is required' : positionals.length > 1 ? `one region name expected, got ${positionals.join(' ')}` : '--provider is required'} (expected: <name> --provider <${SCAFFOLD_PROVIDERS.join('|')}>)\n\n${HELP}`,
    );
    return 2;
  }
  const dedicated = values.dedicated?.split(',').map((p) => p.trim()).filter((p) => p !== '');
  for (const pool of dedicated ?? []) {
    if (!POOL_NAMES.includes(pool as PoolName)) {
      throw new ScaffoldError(`new-region: --dedicated '${pool}' is not a pool (expected a comma-separated list of ${POOL_NAMES.join(', ')})`);
    }
  }
  const options: NewRegionOptions = {
    name: positionals[0] ?? '',
    provider: values.provider as ScaffoldProvider,
    ...(values.domain !== undefined ? { domain: values.domain } : {}),
    ...(values.servers !== undefined ? { servers: integer('servers', values.servers) } : {}),
    ...(values.run !== undefined ? { run: integer('run', values.run) } : {}),
    ...(values.build !== undefined ? { build: integer('build', values.build) } : {}),
    ...(values.ops !== undefined ? { ops: integer('ops', values.ops) } : {}),
    ...(dedicated ? { dedicated: dedicated as PoolName[] } : {}),
    ...(values['private-cidr'] !== undefined ? { privateCidr: values['private-cidr'] } : {}),
    ...(values['admin-cidr'] !== undefined ? { adminCidrs: values['admin-cidr'] } : {}),
    ...(values['ssh-user'] !== undefined ? { sshUser: values['ssh-user'] } : {}),
    ...(values['acme-email'] !== undefined ? { acmeEmail: values['acme-email'] } : {}),
    ...(values['regions-dir'] !== undefined ? { regionsDir: values['regions-dir'] } : {}),
  };

  if (values.print) {
    const plan = await planNewRegion(options);
    await verifyPlan(plan);
    process.stdout.write(plan.files[0]?.content ?? '');
    return 0;
  }
  const { plan, region } = await createNewRegion(options);
  const shown = (p: string): string => (relative(REPO_ROOT, p).startsWith('..') ? p : relative(REPO_ROOT, p));
  const todos = plan.files[0]?.content.split('\n').filter((l) => l.includes('TODO(person)')).length ?? 0;
  process.stdout.write(
    [
      `created ${plan.files.map((f) => shown(f.path)).join(' and ')}`,
      `  ${region.hosts.length} hosts (${Object.entries(region.pools).map(([p, h]) => `${p} ${h.length}`).join(', ')}), domain ${region.platform.domain}`,
      `next: resolve the ${todos} TODO(person) markers in ${shown(plan.files[0]?.path ?? '')}, then`,
      `  npm run synth -- ${region.name}          validate and write dist/${region.name}/`,
      `  npm run host-keys -- ${region.name}      record the host keys (check the fingerprints out of band)`,
      '  and follow the checklist in docs/regions.md ("Adding a new region").',
      '',
    ].join('\n'),
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ScaffoldError || error instanceof RegionValidationError) {
      process.stderr.write(`${error.message}\nnothing was written\n`);
      process.exit(1);
    }
    if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`new-region: ${error.message}\n\n${HELP}`);
      process.exit(2);
    }
    throw error;
  },
);
