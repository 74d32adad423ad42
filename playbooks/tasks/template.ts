/**
 * `file.template`: render a Handlebars template LOCALLY (strict, noEscape) with the given vars and manage the
 * result like `file.content`. The template is `src` (a file, e.g. templates/sshd.conf.hbs) or inline `source`.
 */
import { readFileSync } from 'node:fs';
import { change, ok, renderTemplate, ValidationError, type Task } from '../core';
import { fileProbes, planFile, validateFileSpec, type FileSpec } from './file-spec';

export interface TemplateArgs extends Omit<FileSpec, 'content'> {
  /** Path of a .hbs file on the operator's machine (relative to the working directory, or absolute). */
  readonly src?: string;
  /** Inline template text (instead of src). */
  readonly source?: string;
  readonly vars: Readonly<Record<string, unknown>>;
}

export const template: Task<TemplateArgs> = {
  id: 'file.template',
  probes: (_host, args) => fileProbes(args.path),
  async plan(host, args) {
    validateFileSpec('file.template', args);
    const content = renderTemplate(loadSource(args), args.vars, args.src ?? `for ${args.path}`);
    const p = await planFile(host, { ...args, content });
    if (!p.changed) return ok(`${args.path} up to date`);
    return change(`${args.path}: ${p.reasons.join(', ')}`, p.commands, { predicts: p.predicts, ...(p.diff !== undefined ? { diff: p.diff } : {}) });
  },
};

const cache = new Map<string, string>();

function loadSource(args: TemplateArgs): string {
  if ((args.src === undefined) === (args.source === undefined)) {
    throw new ValidationError(`file.template ${args.path}: give exactly one of src (a .hbs file) or source (inline text)`);
  }
  if (args.source !== undefined) return args.source;
  const src = args.src!;
  let text = cache.get(src);
  if (text === undefined) {
    try {
      text = readFileSync(src, 'utf8');
    } catch (e) {
      throw new ValidationError(`file.template ${args.path}: cannot read template '${src}' (${(e as Error).message}); expected a .hbs file, e.g. templates/x.hbs`);
    }
    cache.set(src, text);
  }
  return text;
}
