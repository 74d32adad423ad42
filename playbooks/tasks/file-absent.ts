/** `file.absent`: nothing at this path (a file or a symlink is removed; a directory only with `recursive`). */
import { change, ok, predict, sh, ValidationError, type Task } from '../core';
import { fileContent } from './facts/file-state';
import { pathExists } from './facts/command-status';
import { fileState } from './facts/file-state';

export interface FileAbsentArgs {
  readonly path: string;
  /** Also remove a directory and everything in it. @default false */
  readonly recursive?: boolean;
}

export const fileAbsent: Task<FileAbsentArgs> = {
  id: 'file.absent',
  probes: (_h, a) => [fileState(a.path)],
  async plan(host, { path, recursive }) {
    if (!path.startsWith('/') || path === '/') throw new ValidationError(`file.absent: path '${path}' is not an absolute path below / (expected e.g. /etc/old.conf)`);
    const state = await host.fact(fileState(path));
    if (state.kind === 'absent') return ok(`${path} absent`);
    if (state.kind === 'directory' && !recursive) throw new ValidationError(`file.absent ${path} on '${host.name}': it is a directory (expected a file; fix: pass recursive: true to remove the directory)`);
    // A removed directory takes paths below it along, which no subject names: that cannot be predicted.
    if (state.kind === 'directory') return change(`remove ${path}`, [sh`rm -rf -- ${path}`]);
    return change(`remove ${path}`, [sh`rm -f -- ${path}`], { predicts: [predict(fileState(path), { kind: 'absent' }), predict(pathExists(path), false), predict(fileContent(path), null)] });
  },
};
