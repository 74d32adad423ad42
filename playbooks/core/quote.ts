/**
 * The one shell-quoting helper. Every value that reaches a remote shell goes through `quote()` (directly or via
 * the `sh` tagged template), never through string concatenation, so quotes, spaces, `$(...)`, backticks and
 * newlines reach the host literally.
 */
import { Secret } from './redaction';

/** A shell word. Arrays become several words; a `Raw` is inserted verbatim (for already-quoted fragments). */
export type ShellValue = string | number | Secret | Raw | readonly (string | number | Secret | Raw)[];

/** An already-safe shell fragment (produced by `sh` or `raw`). */
export class Raw {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** Mark a fragment as already-safe shell text. Use only for constants written in code, never for data. */
export function raw(text: string): Raw {
  return new Raw(text);
}

/** Quote one value as a single POSIX shell word: `it's` -> `'it'\''s'`. Safe words are left bare for readability. */
export function quote(value: string | number | Secret): string {
  const s = value instanceof Secret ? value.reveal() : String(value);
  if (s !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Tagged template for shell commands: every interpolated value is quoted, arrays become several quoted words,
 * results of nested `sh` calls are inserted as they are.
 *
 *   sh`install -m ${mode} ${src} ${dest}`   // -> install -m 0644 /tmp/a '/etc/my file'
 */
export function sh(strings: TemplateStringsArray, ...values: ShellValue[]): string {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += word(value) + (strings[i + 1] ?? '');
  });
  return out;
}

/** Like `sh` but returns a `Raw`, for fragments that are interpolated into another `sh`. */
export function shRaw(strings: TemplateStringsArray, ...values: ShellValue[]): Raw {
  return new Raw(sh(strings, ...values));
}

function word(value: ShellValue): string {
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return value.map((v) => word(v as ShellValue)).join(' ');
  return quote(value as string | number | Secret);
}
