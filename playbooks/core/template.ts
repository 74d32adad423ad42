/**
 * The one render function for templates: Handlebars with `strict` (a missing variable is an error, not an empty
 * string) and `noEscape` (config files are not HTML). Rendered locally; secrets in the vars are revealed here, on
 * purpose, and stay redacted in every output because they are registered.
 */
import Handlebars from 'handlebars';
import { ValidationError } from './errors';
import { Secret } from './redaction';

const hb = Handlebars.create();

/** Render a Handlebars template. `where` names the template in errors (e.g. its path). */
export function renderTemplate(source: string, vars: Readonly<Record<string, unknown>>, where: string): string {
  let compiled: HandlebarsTemplateDelegate;
  try {
    compiled = hb.compile(source, { strict: true, noEscape: true });
    return compiled(reveal(vars));
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
