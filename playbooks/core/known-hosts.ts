/**
 * known_hosts files (OpenSSH format): parse, look up, fingerprint, append, replace.
 * Supports plain (`host`, `[host]:port`, comma lists) and hashed (`|1|salt|hash`) host fields.
 */
import { createHash, createHmac } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface KnownHostKey {
  /** `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`, ... */
  readonly type: string;
  /** The key blob (what the server presents). */
  readonly blob: Buffer;
}

interface Entry {
  readonly hosts: string;
  readonly type: string;
  readonly blob: Buffer;
  readonly line: number;
}

/** The name a host has in known_hosts: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** OpenSSH's `SHA256:...` fingerprint of a key blob. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type inside a key blob (its first SSH string). */
export function keyType(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

export class KnownHosts {
  readonly path: string;
  #entries: Entry[];
  #lines: string[];

  private constructor(path: string, text: string) {
    this.path = path;
    this.#lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
    this.#entries = [];
    this.#lines.forEach((line, i) => {
      const t = line.trim();
      if (!t || t.startsWith('#') || t.startsWith('@')) return;
      const [hosts, type, b64] = t.split(/\s+/);
      if (!hosts || !type || !b64) return;
      this.#entries.push({ hosts, type, blob: Buffer.from(b64, 'base64'), line: i });
    });
  }

  /** Read a known_hosts file; a missing file is an empty one. */
  static load(path: string): KnownHosts {
    return new KnownHosts(path, existsSync(path) ? readFileSync(path, 'utf8') : '');
  }

  /** The keys recorded for a host name (`knownHostsName(host, port)`). */
  lookup(name: string): KnownHostKey[] {
    return this.#entries.filter((e) => matchesHostField(e.hosts, name)).map((e) => ({ type: e.type, blob: e.blob }));
  }

  /** Add a key (in memory; call save()). */
  add(name: string, blob: Buffer): void {
    const type = keyType(blob);
    this.#lines.push(`${name} ${type} ${blob.toString('base64')}`);
    this.#entries.push({ hosts: name, type, blob, line: this.#lines.length - 1 });
  }

  /** Remove every key of this type recorded for the host name (in memory; call save()). */
  remove(name: string, type: string): void {
    const drop = new Set(this.#entries.filter((e) => e.type === type && matchesHostField(e.hosts, name)).map((e) => e.line));
    this.#lines = this.#lines.map((l, i) => (drop.has(i) ? '\u0000' : l));
    this.#entries = this.#entries.filter((e) => !drop.has(e.line));
  }

  /** Write atomically (temp + rename). */
  save(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp-${process.pid}`;
    const lines = this.#lines.filter((l) => l !== '\u0000');
    writeFileSync(tmp, lines.length ? `${lines.join('\n')}\n` : '', { mode: 0o644 });
    renameSync(tmp, this.path);
  }
}

function matchesHostField(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  return field.split(',').some((h) => h === name);
}

/**
 * Host key algorithms ssh2 may negotiate when these key types are known, so the server presents a key we can
 * check (OpenSSH does the same). RSA keys are usable with the SHA-2 signature algorithms.
 */
export function hostKeyAlgorithms(types: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of types) {
    if (t === 'ssh-rsa') out.push('rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa');
    else out.push(t);
  }
  return [...new Set(out)];
}
