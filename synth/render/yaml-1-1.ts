/**
 * A YAML emitter for JSON data that reads the same under YAML 1.1 and 1.2. Kubernetes tooling is
 * mixed: kubectl and kustomize parse with go-yaml (mostly YAML 1.1), other tools with YAML 1.2. A
 * plain `on`, `no`, `y`, `0755`, `1:30`, `2024-01-01`, `~` or `<<` is a boolean, number, timestamp,
 * null or merge key to one of them, so a string is written plainly only when it cannot be read as
 * anything else, and double-quoted otherwise.
 *
 * Output shape: block style, two-space indent, sequences indented under their key, keys in the order
 * they were built, multi-line strings as literal blocks (`|`, `|-`, `|+`), lines never folded, `{}`
 * and `[]` for empty collections. Written by hand rather than with the `yaml` package because synth
 * runs on every build: this is a few dozen lines and an order of magnitude faster to load and run.
 * The tests parse every output file back with `yaml` under both versions.
 */

/** Characters a plain scalar may start with / contain (conservative: anything else is quoted). */
const PLAIN = /^[A-Za-z0-9_./][A-Za-z0-9_./:@+=,~()-]*(?: [A-Za-z0-9_./:@+=,~()-]+)*$/;
/** Words YAML 1.1 reads as booleans or null, compared case-insensitively (quoting extra cases is harmless). */
const KEYWORDS = new Set(['y', 'n', 'yes', 'no', 'true', 'false', 'on', 'off', 'null', '~']);
/** Characters that must be escaped inside double quotes beyond what JSON escapes: YAML 1.1 line breaks, BOM, C1 controls. */
const EXTRA_ESCAPES = /[\u0080-\u009f\u2028\u2029\ufeff]/g;

/** Whether the string can be written without quotes and still be a string under YAML 1.1 and 1.2. */
export function isPlainSafe(text: string): boolean {
  if (!PLAIN.test(text) || text.includes(': ') || text.endsWith(':')) return false;
  if (KEYWORDS.has(text.toLowerCase())) return false;
  // Numbers and timestamps of every form either version knows (int, octal `0755`/`0o17`, hex,
  // binary, float `1e3`, sexagesimal `1:30`, `2024-01-01 10:00:00Z`) start with a digit and use only
  // these characters; a sign or a dot (`.5`, `.inf`) cannot start a plain scalar here at all.
  if (text.startsWith('.') || (/^[0-9]/.test(text) && /^[0-9a-fA-FxXoObBtTzZ_.:+ -]*$/.test(text))) return false;
  return true;
}

function quoted(text: string): string {
  return JSON.stringify(text).replace(EXTRA_ESCAPES, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Literal block lines for a multi-line string, or undefined when it must be quoted instead. */
function literalBlock(text: string, indent: string): string | undefined {
  if (!text.includes('\n') || /[\u0000-\u0008\u000b-\u001f\u007f\u0080-\u009f\u2028\u2029\ufeff]/.test(text)) return undefined;
  const body = text.replace(/\n+$/, '');
  const trailing = text.length - body.length;
  // The first line sets the block's indentation; leading spaces or blank lines would need an indicator.
  if (body === '' || body.startsWith(' ') || body.startsWith('\n')) return undefined;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const lines = text.slice(0, trailing > 1 ? text.length - 1 : body.length).split('\n');
  return `|${chomp}\n${lines.map((l) => (l === '' ? '' : `${indent}${l}`)).join('\n')}`;
}

function scalar(value: unknown, indent: string, allowBlock: boolean): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${String(value)} as YAML (expected a finite number)`);
    return String(value);
  }
  if (typeof value === 'string') {
    if (allowBlock) {
      const block = literalBlock(value, indent);
      if (block !== undefined) return block;
    }
    return isPlainSafe(value) ? value : quoted(value);
  }
  throw new Error(`cannot write a ${typeof value} as YAML (expected JSON data)`);
}

function isCollection(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === 'object' && value !== null && (Array.isArray(value) ? value.length > 0 : Object.keys(value).length > 0);
}

function emptyCollection(value: unknown): string | undefined {
  if (Array.isArray(value) && value.length === 0) return '[]';
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0) return '{}';
  return undefined;
}

/** Lines of a non-empty map or sequence at `depth` (2 spaces per level). */
function block(value: Record<string, unknown> | unknown[], depth: number, out: string[]): void {
  const pad = '  '.repeat(depth);
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isCollection(item)) {
        const start = out.length;
        block(item, depth + 1, out);
        out[start] = `${pad}- ${(out[start] ?? '').slice(pad.length + 2)}`;
      } else {
        out.push(`${pad}- ${emptyCollection(item) ?? scalar(item, `${pad}  `, true)}`);
      }
    }
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    const k = scalar(key, '', false);
    if (isCollection(item)) {
      out.push(`${pad}${k}:`);
      block(item, depth + 1, out);
    } else {
      out.push(`${pad}${k}: ${emptyCollection(item) ?? scalar(item, `${pad}  `, true)}`);
    }
  }
}

/** One YAML document (no `---`, no directives), ending in a newline. */
export function toYaml(value: unknown): string {
  if (!isCollection(value)) return `${emptyCollection(value) ?? scalar(value, '  ', true)}\n`;
  const lines: string[] = [];
  block(value, 0, lines);
  return `${lines.join('\n')}\n`;
}

/** Several documents separated by `---`, in order. */
export function toYamlStream(values: readonly unknown[]): string {
  return values.map(toYaml).join('---\n');
}
