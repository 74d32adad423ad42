/**
 * The env files Kustomize's secretGenerator reads (`envs:`), parsed the way kustomize does: leading
 * whitespace is dropped, empty lines and lines starting with `#` are comments, `KEY=value` splits at
 * the first `=` (the value is taken verbatim, no quotes removed), and a bare `KEY` takes its value from
 * the environment at build time.
 */

export interface EnvEntry {
  readonly key: string;
  /** Undefined for a bare `KEY` line (value from the environment). */
  readonly value: string | undefined;
  /** 0-based line number. */
  readonly line: number;
}

export interface ParsedEnvFile {
  readonly entries: ReadonlyMap<string, EnvEntry>;
  /** Keys that appear as a commented placeholder line `# KEY=`. */
  readonly placeholders: ReadonlySet<string>;
}

const PLACEHOLDER = /^#\s*([-._a-zA-Z0-9]+)=\s*$/;

export function parseEnvFile(text: string): ParsedEnvFile {
  const entries = new Map<string, EnvEntry>();
  const placeholders = new Set<string>();
  text.split('\n').forEach((raw, line) => {
    const trimmed = raw.replace(/\r$/, '').replace(/^\s+/, '');
    if (trimmed === '') return;
    if (trimmed.startsWith('#')) {
      const m = PLACEHOLDER.exec(trimmed);
      if (m?.[1]) placeholders.add(m[1]);
      return;
    }
    const eq = trimmed.indexOf('=');
    const key = eq < 0 ? trimmed : trimmed.slice(0, eq);
    const value = eq < 0 ? undefined : trimmed.slice(eq + 1);
    if (!entries.has(key)) entries.set(key, { key, value, line });
  });
  return { entries, placeholders };
}

/** The commented placeholder written for a value a person must supply; `kubectl kustomize` skips it. */
export function placeholderLine(key: string): string {
  return `# ${key}=`;
}
