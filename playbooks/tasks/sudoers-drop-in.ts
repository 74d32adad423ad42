/**
 * `sudoers.drop-in`: a /etc/sudoers.d drop-in with this content (0440), checked with `visudo -cf` BEFORE it is
 * moved into place. The new content is staged under a name sudo ignores (sudoers.d entries containing a `.` are
 * skipped, sudoers(5) "#includedir"), validated, then renamed over the drop-in in one step; a refused file is
 * removed and the task fails, so sudo never reads a broken drop-in (which would break every sudo on the host,
 * including the runner's own `sudo -n`).
 */
import { change, ok, pathSubject, sh, touches, ValidationError, type Command, type Task } from '../core';
import { contentBuffer, fileProbes, planFile, writeCommand } from './file-spec';

export interface SudoersDropInArgs {
  /** e.g. /etc/sudoers.d/90-deploy */
  readonly path: string;
  readonly content: string;
}

export const sudoersDropIn: Task<SudoersDropInArgs> = {
  id: 'sudoers.drop-in',
  probes: (_h, a) => fileProbes(a.path),
  async plan(host, a) {
    const m = /^\/etc\/sudoers\.d\/([A-Za-z0-9_-]+)$/.exec(a.path);
    if (!m) throw new ValidationError(`sudoers.drop-in: path '${a.path}' is not a sudoers drop-in sudo reads (expected /etc/sudoers.d/<name> with no '.' or '~' in <name>, e.g. /etc/sudoers.d/90-deploy)`);
    const p = await planFile(host, { path: a.path, content: a.content, mode: '0440' });
    if (!p.changed) return ok(`${a.path} up to date (0440)`);
    const contentChanged = p.reasons.includes('create') || p.reasons.includes('update content');
    if (!contentChanged) return change(`${a.path}: ${p.reasons.join(', ')}`, p.commands, { predicts: p.predicts });
    const staged = `/etc/sudoers.d/.${m[1]}.rb-new`;
    const refused = `visudo -cf refused the new ${a.path}; it was not installed (fix the template, then run again)`;
    const commands: Command[] = [
      writeCommand(staged, contentBuffer(a.content), 'root', 'root', '440'),
      sh`if ! visudo -cf ${staged} >&2; then rm -f ${staged}; printf '%s\n' ${refused} >&2; exit 1; fi`,
      sh`mv -f ${staged} ${a.path}`,
    ];
    // it leaves the drop-in as planned and no staged file (moved, or removed when refused)
    return change(`${a.path}: ${p.reasons.join(', ')} (checked with visudo -cf before it is moved into place)`, commands, { predicts: [...p.predicts, touches(pathSubject(staged))], ...(p.diff !== undefined ? { diff: p.diff } : {}) });
  },
};
