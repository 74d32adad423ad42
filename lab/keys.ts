/** SSH keys of a lab: one client key per lab id (kept across up/down), one host key per host made at every up. */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { run } from './run';

async function keygen(path: string, comment: string): Promise<void> {
  rmSync(path, { force: true });
  rmSync(`${path}.pub`, { force: true });
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
}

/** Makes `path` (and `.pub`) once; returns the public key line. */
export async function ensureClientKey(path: string, comment: string): Promise<string> {
  if (!existsSync(path) || !existsSync(`${path}.pub`)) await keygen(path, comment);
  return readFileSync(`${path}.pub`, 'utf8').trim();
}

/** Makes a fresh ed25519 host key at `path`; returns `<type> <base64>` of its public half. */
export async function makeHostKey(path: string, comment: string): Promise<string> {
  await keygen(path, comment);
  const [type, key] = readFileSync(`${path}.pub`, 'utf8').trim().split(/\s+/);
  return `${type ?? ''} ${key ?? ''}`;
}

/** Reads `<type> <base64>` of an existing public host key, or undefined. */
export function readHostPublicKey(path: string): string | undefined {
  if (!existsSync(`${path}.pub`)) return undefined;
  const [type, key] = readFileSync(`${path}.pub`, 'utf8').trim().split(/\s+/);
  return `${type ?? ''} ${key ?? ''}`;
}
