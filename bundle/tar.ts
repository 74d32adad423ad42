/**
 * A minimal POSIX ustar writer (regular files and directories, names up to 255 bytes through the prefix field),
 * enough for Helm chart archives and OCI image layouts. Deterministic: fixed mtime, uid/gid 0, sorted by the caller.
 */
import { gzipSync } from 'node:zlib';

export interface TarEntry {
  /** Path inside the archive, forward slashes; a trailing `/` makes a directory. */
  readonly name: string;
  readonly content?: Buffer | string;
  /** @default 0o644 (files), 0o755 (directories) */
  readonly mode?: number;
}

function field(buf: Buffer, offset: number, length: number, value: string): void {
  const b = Buffer.from(value, 'utf8');
  if (b.length > length) throw new Error(`tar: '${value}' does not fit in ${length} bytes`);
  b.copy(buf, offset);
}

function octal(value: number, length: number): string {
  return `${value.toString(8).padStart(length - 1, '0')}\0`;
}

function splitName(name: string): { prefix: string; base: string } {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', base: name };
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== '/') continue;
    const prefix = name.slice(0, i);
    const base = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(base) <= 100 && base) return { prefix, base };
  }
  throw new Error(`tar: name '${name}' is too long for ustar`);
}

function header(name: string, size: number, mode: number, dir: boolean, mtime: number): Buffer {
  const h = Buffer.alloc(512);
  const { prefix, base } = splitName(name);
  field(h, 0, 100, base);
  field(h, 100, 8, octal(mode, 8));
  field(h, 108, 8, octal(0, 8));
  field(h, 116, 8, octal(0, 8));
  field(h, 124, 12, octal(size, 12));
  field(h, 136, 12, octal(mtime, 12));
  h.fill(' ', 148, 156);
  field(h, 156, 1, dir ? '5' : '0');
  field(h, 257, 6, 'ustar\0');
  field(h, 263, 2, '00');
  field(h, 265, 32, 'root');
  field(h, 297, 32, 'root');
  field(h, 345, 155, prefix);
  let sum = 0;
  for (const byte of h) sum += byte;
  field(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/** The tar archive of `entries`, in the given order. */
export function tar(entries: readonly TarEntry[], mtime = 0): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const dir = e.name.endsWith('/');
    const body = dir ? Buffer.alloc(0) : Buffer.isBuffer(e.content) ? e.content : Buffer.from(e.content ?? '', 'utf8');
    parts.push(header(e.name, body.length, e.mode ?? (dir ? 0o755 : 0o644), dir, mtime));
    if (body.length) {
      parts.push(body);
      const pad = (512 - (body.length % 512)) % 512;
      if (pad) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** gzip of `tar(entries)` with a fixed header (no name, mtime 0), so the same entries give the same bytes. */
export function tgz(entries: readonly TarEntry[]): Buffer {
  return gzipSync(tar(entries), { level: 9 });
}
