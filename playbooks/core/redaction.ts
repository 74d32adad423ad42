/**
 * Secrets and their redaction. A value wrapped with `secret()` is registered process-wide; `redact()` replaces
 * every registered value with `***` in any text. The reporter, the NDJSON log and every error message pass
 * through `redact()`, so a secret never reaches output even when it sits inside a command or a file diff.
 *
 * A `Secret` also refuses to leak by accident: `String(s)`, template literals and JSON give `***`.
 * Only `sh` (quoting) and template rendering reveal the value, on purpose.
 */
const registry = new Set<string>();

export const REDACTED = '***';

export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
    registerSecret(value);
  }
  /** The real value. Use only where it must reach the host (quoting does this for you). */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Secret(${REDACTED})`;
  }
}

/** Mark a value secret: it is redacted from every output from now on. */
export function secret(value: string): Secret {
  return new Secret(value);
}

export function isSecret(value: unknown): value is Secret {
  return value instanceof Secret;
}

/** Register a raw value (e.g. read from a file) for redaction without wrapping it. Values shorter than 4 chars are refused. */
export function registerSecret(value: string): void {
  if (value.length < 4) {
    throw new Error(`secret(): a secret of ${value.length} characters would redact ordinary text (expected at least 4 characters)`);
  }
  registry.add(value);
  // The forms a value takes once serialized, so a JSON log or a quoted command is covered too.
  const json = JSON.stringify(value).slice(1, -1);
  if (json !== value) registry.add(json);
  const quoted = value.replace(/'/g, `'\\''`);
  if (quoted !== value) registry.add(quoted);
  const b64 = Buffer.from(value).toString('base64').replace(/=+$/, '');
  if (b64.length >= 8) registry.add(b64);
}

/** Replace every registered secret in `text` with `***` (longest first, so overlapping secrets stay hidden). */
export function redact(text: string): string {
  if (registry.size === 0 || !text) return text;
  let out = text;
  for (const value of [...registry].sort((a, b) => b.length - a.length)) {
    if (out.includes(value)) out = out.split(value).join(REDACTED);
  }
  return out;
}

/** Redact every string inside a JSON-like value (objects, arrays), returning a copy. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (value instanceof Secret) return REDACTED as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v);
    return out as T;
  }
  return value;
}
