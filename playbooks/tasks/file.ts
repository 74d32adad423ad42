/** `file.content`: a file with exactly this content, owner and mode (atomic write; the plan carries the diff). */
import { change, ok, type Task } from '../core';
import { fileProbes, planFile, validateFileSpec, type FileSpec } from './file-spec';

export type FileArgs = FileSpec;

export const file: Task<FileArgs> = {
  id: 'file.content',
  probes: (_host, args) => fileProbes(args.path),
  async plan(host, args) {
    validateFileSpec('file.content', args);
    const p = await planFile(host, args);
    if (!p.changed) return ok(`${args.path} up to date`);
    return change(`${args.path}: ${p.reasons.join(', ')}`, p.commands, { predicts: p.predicts, ...(p.diff !== undefined ? { diff: p.diff } : {}) });
  },
};
