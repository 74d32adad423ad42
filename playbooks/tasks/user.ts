/** `user.present`: a local account with this uid, shell, home and supplementary groups (groups are added, never removed). */
import { change, ok, pathSubject, predict, sh, touches, ValidationError, type Command, type Task } from '../core';
import { userInfo, type UserInfo } from './facts/user-info';

export interface UserArgs {
  readonly name: string;
  readonly uid?: number;
  /** @default '/bin/bash' for a new user; unchanged otherwise unless given */
  readonly shell?: string;
  /** @default '/home/<name>' */
  readonly home?: string;
  /** A system account (no aging, uid from the system range). @default false */
  readonly system?: boolean;
  /** Supplementary groups the user must be in (they must exist). */
  readonly groups?: readonly string[];
}

export const user: Task<UserArgs> = {
  id: 'user.present',
  probes: (_h, a) => [userInfo(a.name)],
  async plan(host, a) {
    if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(a.name)) throw new ValidationError(`user.present: '${a.name}' is not a valid user name (expected e.g. deploy)`);
    const u = await host.fact(userInfo(a.name));
    if (!u) {
      const opts = [
        ...(a.system ? ['--system'] : []),
        ...(a.uid !== undefined ? ['--uid', String(a.uid)] : []),
        '--shell', a.shell ?? '/bin/bash',
        '--home-dir', a.home ?? `/home/${a.name}`,
        '--create-home',
        ...(a.groups?.length ? ['--groups', a.groups.join(',')] : []),
      ];
      // The new account as `getent passwd` and `id -nG` will show it. Its uid and gid (unless given) are chosen by
      // useradd: predicted as -1 (unknown), which no task reads (authorized keys are chowned by name). Debian's
      // USERGROUPS_ENAB gives it a group of its own name. Its home is created from /etc/skel (no .ssh there).
      const created: UserInfo = { name: a.name, uid: a.uid ?? -1, gid: -1, home: a.home ?? `/home/${a.name}`, shell: a.shell ?? '/bin/bash', groups: [a.name, ...(a.groups ?? [])] };
      return change(`create user ${a.name}`, [sh`useradd ${opts} ${a.name}`], {
        predicts: [predict(userInfo(a.name), created), touches(pathSubject(created.home))],
      });
    }
    const commands: Command[] = [];
    const reasons: string[] = [];
    if (a.uid !== undefined && u.uid !== a.uid) {
      commands.push(sh`usermod --uid ${a.uid} ${a.name}`);
      reasons.push(`uid ${u.uid} -> ${a.uid}`);
    }
    if (a.shell !== undefined && u.shell !== a.shell) {
      commands.push(sh`usermod --shell ${a.shell} ${a.name}`);
      reasons.push(`shell ${u.shell} -> ${a.shell}`);
    }
    if (a.home !== undefined && u.home !== a.home) {
      commands.push(sh`usermod --home ${a.home} --move-home ${a.name}`);
      reasons.push(`home ${u.home} -> ${a.home}`);
    }
    const missing = (a.groups ?? []).filter((g) => !u.groups.includes(g));
    if (missing.length) {
      commands.push(sh`usermod --append --groups ${missing.join(',')} ${a.name}`);
      reasons.push(`add to ${missing.join(', ')}`);
    }
    if (commands.length === 0) return ok(`user ${a.name} present`);
    const after = { ...u, uid: a.uid ?? u.uid, shell: a.shell ?? u.shell, home: a.home ?? u.home, groups: [...u.groups, ...missing] };
    const moved = a.home !== undefined && u.home !== a.home ? [touches(pathSubject(u.home)), touches(pathSubject(a.home)), touches(`authorized-keys:${a.name}`)] : [];
    return change(`${a.name}: ${reasons.join(', ')}`, commands, { predicts: [predict(userInfo(a.name), after), ...moved] });
  },
};
