/**
 * The one error a region load throws: every issue found (schema and cross-field rules), not just the first.
 * Each issue renders as one line:
 *   region 'eu-central-1': pools.run.hosts[2].privateIp '10.0.0' is not an IPv4 address (expected e.g. 10.0.1.12)
 * followed, when there is one, by an indented `fix:` line.
 */

export interface RegionIssue {
  /** Region name (or the source file when the name itself is unusable). */
  readonly region: string;
  /** Dotted path into the region definition, e.g. `pools.run.hosts[2].privateIp` (empty = the whole region). */
  readonly path: string;
  /** The offending value (undefined when something is missing). */
  readonly value: unknown;
  /** What is wrong, phrased to follow the path and value: `is not an IPv4 address`. */
  readonly problem: string;
  /** What a valid value looks like: `e.g. 10.0.1.12`. */
  readonly expected: string;
  /** How to fix it, when the expectation alone does not say. */
  readonly fix?: string;
}

const MAX_VALUE_CHARS = 80;

/** JSON-like text of data, but NaN and Infinity as themselves (JSON would print null) and cycles as [Circular]. */
function showData(value: unknown, seen: Set<object>): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'bigint') return String(value);
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? String(value);
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : showData(v, seen))).join(',')}]`;
    const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function');
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${showData(v, seen)}`).join(',')}}`;
  } finally {
    seen.delete(value);
  }
}

/** Renders a value for a message: strings quoted with control characters escaped, long values shortened. */
export function formatValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') {
    // JSON escaping shows \n, \t, \u0000 ... literally; keep single quotes as the outer quotes.
    text = `'${JSON.stringify(value).slice(1, -1).replace(/\\"/g, '"')}'`;
  } else if (value === undefined) {
    return '';
  } else {
    text = showData(value, new Set());
  }
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 4)}...${text.slice(-1)}` : text;
}

/** One issue as one line (plus an indented fix line when the issue has a fix). */
export function formatIssue(issue: RegionIssue): string {
  const where = issue.path === '' ? '' : `${issue.path} `;
  const value = formatValue(issue.value);
  const head = `region '${issue.region}': ${where}${value === '' ? '' : `${value} `}${issue.problem} (expected ${issue.expected})`;
  return issue.fix ? `${head}\n  fix: ${issue.fix}` : head;
}

export class RegionValidationError extends Error {
  override readonly name = 'RegionValidationError';
  readonly region: string;
  /** Where the definition came from (a file path, or a description such as `lab.region.json`). */
  readonly source: string;
  readonly issues: readonly RegionIssue[];

  constructor(region: string, source: string, issues: readonly RegionIssue[], header?: string) {
    const count = issues.length === 1 ? '1 issue' : `${issues.length} issues`;
    super([header ?? `region '${region}' (${source}) is invalid, ${count}:`, ...issues.map(formatIssue)].join('\n'));
    this.region = region;
    this.source = source;
    this.issues = issues;
  }

  /** One error for several invalid regions (each issue line still names its region). */
  static combine(errors: readonly RegionValidationError[]): RegionValidationError {
    const issues = errors.flatMap((e) => e.issues);
    const names = errors.map((e) => e.region).join(', ');
    const header = `${errors.length} regions are invalid (${names}), ${issues.length} issues:`;
    return new RegionValidationError(names, errors.map((e) => e.source).join(', '), issues, header);
  }
}

/** Builds a path segment by segment: `pathOf('pools', 'run', 'hosts', 2, 'privateIp')` -> `pools.run.hosts[2].privateIp`. */
export function pathOf(...segments: readonly (string | number)[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s).replace(/^"|"$/g, "'")}]`;
  }
  return out;
}
