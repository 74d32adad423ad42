/** `file.absent`: nothing at this path (a file or a symlink is removed; a directory only with `recursive`). */
import { change, ok, sh, ValidationError, type Task } from '../core';
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
    return change(`remove ${path}`, [state.kind === 'directory' ? sh`rm -rf -- ${path}` : sh`rm -f -- ${path}`]);
  },
};
