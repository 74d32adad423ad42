/**
 * `sshd.drop-in`: an sshd_config.d drop-in with this content, validated by `sshd -t` on the host before anything
 * reloads sshd. When `sshd -t` refuses the new configuration, the previous drop-in (or its absence) is restored in
 * the same command and the task fails, so a reload can never pick up a broken config and lock the runner out.
 * Pair it with a handler that reloads `ssh` (a reload keeps open sessions).
 */
import { change, ok, pathSubject, sh, touches, ValidationError, type Task } from '../core';
import { fileProbes, planFile } from './file-spec';

export interface SshdDropInArgs {
  /** e.g. /etc/ssh/sshd_config.d/10-platform.conf */
  readonly path: string;
  readonly content: string;
}

export const sshdDropIn: Task<SshdDropInArgs> = {
  id: 'sshd.drop-in',
  probes: (_h, a) => fileProbes(a.path),
  async plan(host, a) {
    if (!/^\/etc\/ssh\/sshd_config\.d\/[A-Za-z0-9_.-]+\.conf$/.test(a.path)) {
      throw new ValidationError(`sshd.drop-in: path '${a.path}' is not a drop-in (expected /etc/ssh/sshd_config.d/<name>.conf, which Debian's sshd_config includes)`);
    }
    const p = await planFile(host, { path: a.path, content: a.content, mode: '0644' });
    if (!p.changed) return ok(`${a.path} up to date`);
    const backup = `${a.path}.rb-previous`;
    const refused = `sshd -t refused the new ${a.path}; the previous version was restored (fix the template, then run again)`;
    return change(
      `${a.path}: ${p.reasons.join(', ')} (validated with sshd -t)`,
      [
        sh`if [ -f ${a.path} ]; then cp -p ${a.path} ${backup}; else rm -f ${backup}; fi`,
        ...p.commands,
        sh`mkdir -p /run/sshd && if ! sshd -t; then if [ -f ${backup} ]; then mv -f ${backup} ${a.path}; else rm -f ${a.path}; fi; printf '%s\n' ${refused} >&2; exit 1; fi`,
        sh`rm -f ${backup}`,
      ],
      { predicts: [...p.predicts, touches(pathSubject(backup))], ...(p.diff !== undefined ? { diff: p.diff } : {}) },
    );
  },
};
