/** Where lab state lives: `<repo>/.lab/` (git-ignored), one folder per lab id. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabError } from './errors';

export const DEFAULT_LAB_ID = 'lab';

const LAB_ID = /^[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?$/;

/** `<repo>/.lab`, or LAB_ROOT when set (an absolute path). */
export function labRoot(): string {
  const fromEnv = process.env['LAB_ROOT'];
  if (fromEnv) return resolve(fromEnv);
  return join(dirname(fileURLToPath(import.meta.url)), '..', '.lab');
}

/** Throws unless `id` is a usable lab id. */
export function checkLabId(id: string): string {
  if (!LAB_ID.test(id)) {
    throw new LabError(
      `lab id '${id}' is not valid (expected 1-20 characters of a-z, 0-9 and '-', not starting or ending with '-', e.g. 'lab' or 'runner-it'); pick another --id`,
    );
  }
  return id;
}

/** `<repo>/.lab/<id>`: the folder `loadRegion('lab', { labDir })` reads (lab.region.json, known_hosts, id_ed25519). */
export function labDir(id: string = DEFAULT_LAB_ID): string {
  return join(labRoot(), checkLabId(id));
}

/** Per-host state folder (overlay upper/work dirs and the mounted root). */
export function hostDir(id: string, name: string): string {
  return join(labDir(id), 'hosts', name);
}
