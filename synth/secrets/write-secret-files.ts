/**
 * Applies secret-file plans to dist/<region>/secrets/: folder mode 0700, files mode 0600, each file
 * replaced atomically (temp file + rename) and only when its content changes. Modes are corrected on
 * files that stay as they are, too.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecretRequirement } from '../../constructs/secret-requirement';
import { planSecretFile, type RandomBytes, type SecretFilePlan } from './plan-secrets';

export async function readSecretFile(dir: string, secret: SecretRequirement): Promise<string | undefined> {
  const path = join(dir, `${secret.name}.env`);
  return existsSync(path) ? readFile(path, 'utf8') : undefined;
}

/** Plans every secret of a region against the files in `dir` (dist/<region>/secrets). */
export async function planSecretFiles(
  dir: string,
  region: string,
  secrets: readonly SecretRequirement[],
  options: { readonly check: boolean; readonly randomBytes?: RandomBytes },
): Promise<SecretFilePlan[]> {
  const plans: SecretFilePlan[] = [];
  for (const s of secrets) plans.push(planSecretFile(s, region, await readSecretFile(dir, s), options));
  return plans;
}

export async function writeSecretFiles(dir: string, plans: readonly SecretFilePlan[]): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  for (const plan of plans) {
    const path = join(dir, plan.file);
    if (plan.content !== undefined) {
      const tmp = join(dir, `.${plan.file}.tmp`);
      await writeFile(tmp, plan.content, { mode: 0o600 });
      await chmod(tmp, 0o600);
      await rename(tmp, path);
    } else if (existsSync(path) && ((await stat(path)).mode & 0o777) !== 0o600) {
      await chmod(path, 0o600);
    }
  }
}
