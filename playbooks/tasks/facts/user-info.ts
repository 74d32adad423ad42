/** A local account (getent passwd) and its supplementary groups; null when it does not exist. */
import { defineFact, sh, type Fact } from '../../core';

export interface UserInfo {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
  readonly groups: readonly string[];
}

export function userInfo(name: string): Fact<UserInfo | null> {
  return defineFact(`user.info:${name}`, sh`getent passwd ${name} && id -nG ${name}`, ({ stdout, exitCode }) => {
    if (exitCode !== 0) return null;
    const [pw = '', groups = ''] = stdout.trim().split('\n');
    const f = pw.split(':');
    return { name: f[0] ?? name, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '', shell: f[6] ?? '', groups: groups.trim().split(/\s+/).filter(Boolean) };
  }, { subjects: [`user:${name}`] });
}
