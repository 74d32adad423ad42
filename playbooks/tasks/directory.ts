/** `file.directory`: a directory with this owner and mode (parents created as needed). */
import { change, ok, pathSubject, predict, sh, touches, ValidationError, type Command, type Effect, type Task } from '../core';
import { pathExists } from './facts/command-status';
import { fileState } from './facts/file-state';
import { normMode, validateFileSpec } from './file-spec';

export interface DirectoryArgs {
  readonly path: string;
  /** @default 'root' */
  readonly owner?: string;
  /** @default 'root' */
  readonly group?: string;
  /** @default '0755' */
  readonly mode?: string;
}

export const directory: Task<DirectoryArgs> = {
  id: 'file.directory',
  probes: (_h, a) => [fileState(a.path)],
  async plan(host, args) {
    validateFileSpec('file.directory', { ...args, path: args.path.replace(/\/$/, '') || '/' });
    const owner = args.owner ?? 'root';
    const group = args.group ?? 'root';
    const mode = normMode(args.mode ?? '0755');
    const state = await host.fact(fileState(args.path));
    const fix: Command[] = [sh`chown ${`${owner}:${group}`} ${args.path}`, sh`chmod ${mode} ${args.path}`];
    // A directory's size is not predicted (nothing reads it); `mkdir -p` may create parents.
    const made: Effect[] = [predict(fileState(args.path), { kind: 'directory', mode, owner, group }), predict(pathExists(args.path), true)];
    if (state.kind === 'absent') {
      const parent = args.path.replace(/\/+$/, '').slice(0, args.path.replace(/\/+$/, '').lastIndexOf('/')) || '/';
      return change(`create ${args.path}`, [sh`mkdir -p ${args.path}`, ...fix], { predicts: [...made, touches(pathSubject(parent))] });
    }
    if (state.kind !== 'directory') throw new ValidationError(`file.directory ${args.path} on '${host.name}': a ${state.kind} is in the way (expected a directory or nothing)`);
    const reasons: string[] = [];
    if (state.owner !== owner || state.group !== group) reasons.push(`owner ${state.owner}:${state.group} -> ${owner}:${group}`);
    if (normMode(state.mode ?? '') !== mode) reasons.push(`mode ${state.mode} -> ${mode}`);
    return reasons.length ? change(`${args.path}: ${reasons.join(', ')}`, fix, { predicts: made }) : ok(`${args.path} up to date`);
  },
};
