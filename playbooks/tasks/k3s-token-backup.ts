/**
 * `k3s.token-backup`: an encrypted copy of the cluster's server token ON THE OPERATOR'S MACHINE, next to the
 * region's other secrets (dist/<region>/secrets/, git-ignored). k3s encrypts its bootstrap data in the datastore
 * with this token, so restoring a snapshot onto new servers needs it: a region whose servers are all lost can
 * only come back with this copy (restore playbook).
 *
 * Encryption: AES-256-GCM, key from scrypt(passphrase, 16-byte salt; N=2^15, r=8, p=1). The passphrase is the
 * secret var `backupPassphrase` (--secret-var backupPassphrase=ENV); without it the step is skipped with a summary
 * that says the region has no backup (shown in every run's output). The file is 0600 JSON ({ v, kdf, salt, iv, tag, data }, base64). An existing
 * copy that decrypts to the same token is left alone; one that does not decrypt with the passphrase is an error
 * (never overwritten). Like the kubeconfig task, its effect is local and skipped in check mode.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { change, defineFact, isSecret, ok, registerSecret, sh, skip, unpredictable, ValidationError, type Fact, type Task, type VarValue } from '../core';

const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export interface TokenBackupFile {
  readonly v: 1;
  readonly kdf: 'scrypt-N32768-r8-p1';
  readonly salt: string;
  readonly iv: string;
  readonly tag: string;
  readonly data: string;
}

export function encryptToken(token: string, passphrase: string): TokenBackupFile {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = scryptSync(passphrase, salt, 32, SCRYPT);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return { v: 1, kdf: 'scrypt-N32768-r8-p1', salt: salt.toString('base64'), iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

/** The token, or a ValidationError naming the file when the passphrase is wrong or the file is damaged. */
export function decryptToken(file: TokenBackupFile, passphrase: string, where: string): string {
  if (file.v !== 1 || file.kdf !== 'scrypt-N32768-r8-p1') throw new ValidationError(`${where}: not a token backup this version writes (v ${String(file.v)}, kdf ${String(file.kdf)})`);
  try {
    const key = scryptSync(passphrase, Buffer.from(file.salt, 'base64'), 32, SCRYPT);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(file.iv, 'base64'));
    decipher.setAuthTag(Buffer.from(file.tag, 'base64'));
    const token = Buffer.concat([decipher.update(Buffer.from(file.data, 'base64')), decipher.final()]).toString('utf8');
    registerSecret(token);
    return token;
  } catch {
    throw new ValidationError(`${where}: does not decrypt with the given backupPassphrase (wrong passphrase, or the file is damaged); it was left as it is`);
  }
}

export function readBackup(path: string): TokenBackupFile {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as TokenBackupFile;
  } catch (e) {
    throw new ValidationError(`token backup ${path}: cannot be read (${(e as Error).message})`);
  }
}

export function passphraseOf(vars: Readonly<Record<string, VarValue>>, regionName: string): string {
  const v = vars.backupPassphrase;
  const text = v === undefined ? '' : isSecret(v) ? v.reveal() : String(v);
  if (text.length < 12) {
    throw new ValidationError(
      `region '${regionName}': no backupPassphrase var of at least 12 characters (expected --secret-var backupPassphrase=ENV_NAME: the server token is also the datastore passphrase, and its encrypted copy is what brings the region back when every server is lost)`,
    );
  }
  return text;
}

function serverToken(file: string): Fact<string | null> {
  return defineFact(`k3s.server-token:${file}`, sh`head -n 1 ${file} 2>/dev/null`, ({ stdout, exitCode }) => {
    const t = stdout.trim();
    if (exitCode !== 0 || t.length < 16) return null;
    registerSecret(t);
    return t;
  });
}

export interface TokenBackupArgs {
  /** The token file on the server, e.g. /etc/rancher/k3s/server-token. */
  readonly tokenFile: string;
  /** Absolute local path, e.g. <repo>/dist/<region>/secrets/k3s-server-token.enc. */
  readonly localPath: string;
  readonly region: string;
}

export const tokenBackup: Task<TokenBackupArgs> = {
  id: 'k3s.token-backup',
  probes: (_h, a) => [serverToken(a.tokenFile)],
  async plan(host, a) {
    if (!a.localPath.startsWith('/')) throw new ValidationError(`k3s.token-backup: localPath '${a.localPath}' is not absolute`);
    if (host.vars.backupPassphrase === undefined) {
      return skip(`NO BACKUP of the server token (the datastore passphrase): pass --secret-var backupPassphrase=ENV_NAME so an encrypted copy is kept in ${a.localPath}`);
    }
    const passphrase = passphraseOf(host.vars, a.region);
    const token = await host.fact(serverToken(a.tokenFile));
    if (token === null) {
      return unpredictable(
        change(`back up the server token to ${a.localPath} (not on ${host.name} yet)`, [{ run: sh`test -s ${a.tokenFile}`, display: `read ${a.tokenFile}` }], { predicts: [] }),
        `${a.tokenFile} is generated on the host earlier in the run; whether the local backup then matches it is not known before`,
      );
    }
    if (existsSync(a.localPath) && decryptToken(readBackup(a.localPath), passphrase, `token backup ${a.localPath}`) === token) {
      return ok(`encrypted server token backup up to date at ${a.localPath}`);
    }
    if (!host.check) {
      mkdirSync(dirname(a.localPath), { recursive: true, mode: 0o700 });
      const tmp = `${a.localPath}.tmp-${process.pid}`;
      writeFileSync(tmp, `${JSON.stringify(encryptToken(token, passphrase), null, 2)}\n`, { mode: 0o600 });
      chmodSync(tmp, 0o600);
      renameSync(tmp, a.localPath);
    }
    // the write is on the operator's machine; the host only gets a read
    return change(`encrypted server token backup written to ${a.localPath} (AES-256-GCM, 0600)`, [{ run: sh`test -s ${a.tokenFile}`, display: `read ${a.tokenFile} (content hidden)` }], { predicts: [] });
  },
};
