/**
 * The one render function for templates: Handlebars with `strict` (a missing variable is an error, not an empty
 * string) and `noEscape` (config files are not HTML). Rendered locally; secrets in the vars are revealed here, on
 * purpose, and stay redacted in every output because they are registered.
 */
import { createRequire } from 'node:module';
import type HandlebarsModule from 'handlebars';
import { ValidationError } from './errors';
import { Secret } from './redaction';

// Handlebars (and the source-map library it loads) only when a template is first rendered: a run or a command
// without templates does not pay for loading them.
let hb: typeof HandlebarsModule | undefined;
const handlebars = (): typeof HandlebarsModule => (hb ??= (createRequire(import.meta.url)('handlebars') as typeof HandlebarsModule).create());

/**
 * Compiled templates by source text: compiling is pure (same source, same options, same function), and a playbook
 * renders the same template once per host, so it is compiled once per run. Bounded: sources beyond the bound are
 * compiled each time (a generated template per host must not grow the process without end).
 */
const compiledBySource = new Map<string, HandlebarsTemplateDelegate>();
const MAX_COMPILED = 256;

function compiledTemplate(source: string): HandlebarsTemplateDelegate {
  const hit = compiledBySource.get(source);
  if (hit) return hit;
  const compiled = handlebars().compile(source, { strict: true, noEscape: true });
  if (compiledBySource.size < MAX_COMPILED) compiledBySource.set(source, compiled);
  return compiled;
}

/** Render a Handlebars template. `where` names the template in errors (e.g. its path). */
export function renderTemplate(source: string, vars: Readonly<Record<string, unknown>>, where: string): string {
  try {
    return compiledTemplate(source)(reveal(vars));
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0] ?? '';
    throw new ValidationError(`template ${where}: ${msg} (expected every variable the template uses to be passed in vars; fix: add it, or guard it with {{#if}})`);
  }
}

function reveal(value: unknown): unknown {
  if (value instanceof Secret) return value.reveal();
  if (Array.isArray(value)) return value.map(reveal);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
  }
  return value;
}
