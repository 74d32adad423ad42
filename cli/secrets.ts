/**
 * npm run secrets -- <region> [--check] [--dist <dir>] [--regions-dir <dir>]
 * Fills dist/<region>/secrets/*.env (git-ignored) for the secretGenerator (see docs/synth.md).
 */
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { composeRegion } from '../regions/compose';
import { loadRegion, REPO_ROOT, RegionValidationError } from '../regions/load';
import { SECRETS_DIR } from '../synth/render/header';
import type { SecretFilePlan } from '../synth/secrets/plan-secrets';
import { planSecretFiles, writeSecretFiles } from '../synth/secrets/write-secret-files';

const USAGE = `Usage: npm run secrets -- <region> [--check] [--dist <dir>] [--regions-dir <dir>]

Creates the env files that dist/<region>/kustomization.yaml's secretGenerator reads, in the
git-ignored folder dist/<region>/secrets/ (mode 0700, files 0600):
  - keys the platform can generate get a random value, once (hex, or base64url where the consumer
    needs it: Gitea's JWT secrets); existing values are never replaced;
  - keys a person must supply get a commented placeholder line (\`# key=\`) and are listed with where
    to get them; replace the placeholder with \`key=<value>\`.
Nothing you wrote is removed or changed. Secret values are never printed.

Options:
  --check              write nothing; exit 1 while any value (generated or supplied) is missing, empty or
                       refused by its check (DATABASE_URL against the region's database, a pull secret's
                       .dockerconfigjson against the image's registry)

Both modes check the values already there (DATABASE_URL against the region's database, a pull secret's
.dockerconfigjson against the image's registry, Gitea's JWT secrets as base64url of 32 bytes: a hex value
is refused by Gitea, which would make a new one at every start) and exit 1 naming the file, line and key
of each refused value, never the value; nothing is replaced.
  --dist <dir>         synthesized output folder (default: dist/ of the repository)
  --regions-dir <dir>  folder of region files (default: regions/ of the repository)
  -h, --help           show this help

Then: kubectl apply -k dist/<region>`;

const STATUS_TEXT = {
  present: 'present',
  generated: 'generated now',
  missing: 'MISSING',
  empty: 'EMPTY',
  invalid: 'INVALID',
} as const;

function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

function report(plans: readonly SecretFilePlan[], dir: string, region: string): { missing: number; invalid: number } {
  let missing = 0;
  let invalid = 0;
  const width = Math.max(0, ...plans.flatMap((p) => p.keys.map((k) => k.requirement.key.length)));
  for (const plan of plans) {
    process.stdout.write(`${plan.secret.namespace}/${plan.secret.name} (${display(join(dir, plan.file))}): ${plan.secret.description}\n`);
    for (const k of plan.keys) {
      const { key, source, help } = k.requirement;
      let line = `  ${key.padEnd(width)}  ${source === 'generate' ? 'generated' : 'supplied '}  ${STATUS_TEXT[k.status]}`;
      if (k.status === 'invalid') {
        invalid++;
        const where = `${display(join(dir, plan.file))}${k.line ? `:${k.line}` : ''}`;
        const fix =
          source === 'generate'
            ? `delete that line and run npm run secrets -- ${region} to generate a new value (what was signed with the old one stops working)`
            : 'replace the value with one in the expected form';
        line += `: the value ${k.problem ?? 'is refused'} (${where}); fix: ${fix}`;
      } else if (k.status === 'missing' || k.status === 'empty') {
        missing++;
        if (source === 'supply') line += `: ${help ?? 'ask the platform owner'}`;
        else if (k.status === 'empty') line += ': delete the empty line and run npm run secrets again to generate it';
        else line += ': run npm run secrets to generate it';
      }
      process.stdout.write(`${line}\n`);
    }
    for (const u of plan.unknownKeys) process.stdout.write(`  ${u.padEnd(width)}  not used by the manifests (kept)\n`);
  }
  return { missing, invalid };
}

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        check: { type: 'boolean', default: false },
        dist: { type: 'string' },
        'regions-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    process.stderr.write(`secrets: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1 || !positionals[0]) {
    process.stderr.write(`secrets: expected exactly one region, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}\n\n${USAGE}\n`);
    return 2;
  }
  const name = positionals[0];
  const distDir = resolve(values.dist ?? join(REPO_ROOT, 'dist'));
  const regionsDir = values['regions-dir'] ? resolve(values['regions-dir']) : undefined;
  let secrets;
  try {
    const region = await loadRegion(name, regionsDir ? { regionsDir } : {});
    secrets = composeRegion(region).secrets;
  } catch (error) {
    if (error instanceof RegionValidationError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const dir = join(distDir, name, SECRETS_DIR);
  const plans = await planSecretFiles(dir, name, secrets, { check: values.check });
  if (!values.check) await writeSecretFiles(dir, plans);
  const { missing, invalid } = report(plans, dir, name);
  if (invalid > 0) {
    process.stdout.write(`${name}: ${invalid} secret values are in a form their consumer refuses (see INVALID above); nothing was replaced\n`);
    return 1;
  }
  if (missing === 0) {
    process.stdout.write(`${name}: all ${plans.reduce((n, p) => n + p.keys.length, 0)} secret values are in ${display(dir)}/\n`);
    return 0;
  }
  process.stdout.write(
    values.check
      ? `${name}: ${missing} secret values missing, empty or invalid (see above)\n`
      : `${name}: ${missing} values must still be supplied: edit the files above, replacing each \`# key=\` line with \`key=<value>\`, then kubectl apply -k ${display(join(distDir, name))}\n`,
  );
  return values.check ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`secrets: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
