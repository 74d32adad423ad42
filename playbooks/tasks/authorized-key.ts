/** `user.authorized-key`: this public key is in the user's ~/.ssh/authorized_keys (other keys are left alone). */
import { change, defineFact, ok, pathSubject, predict, raw, sh, touches, ValidationError, type Fact, type Task } from '../core';
import { userInfo } from './facts/user-info';

export interface AuthorizedKeyArgs {
  readonly user: string;
  /** One public key line, e.g. `ssh-ed25519 AAAA... ops@laptop`. */
  readonly key: string;
}

function keyPresent(user: string, key: string): Fact<boolean> {
  return defineFact(`user.authorized-key:${user}:${key}`, sh`h=$(getent passwd ${user} | cut -d: -f6) && grep -qxF -e ${key} "$h/.ssh/authorized_keys"`, ({ exitCode }) => exitCode === 0, {
    // The home comes from passwd, but only user.present moving the home changes it (and touches this subject); a new
    // account has no authorized_keys (Debian's /etc/skel has no .ssh), so creating it leaves this fact as it was.
    subjects: [`authorized-keys:${user}`],
  });
}

export const authorizedKey: Task<AuthorizedKeyArgs> = {
  id: 'user.authorized-key',
  probes: (_h, a) => [userInfo(a.user), keyPresent(a.user, a.key.trim())],
  async plan(host, a) {
    const key = a.key.trim();
    if (!/^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp(256|384|521)|sk-\S+) [A-Za-z0-9+/=]+( .*)?$/.test(key) || key.includes('\n')) {
      throw new ValidationError(`user.authorized-key for ${a.user}: '${key.slice(0, 40)}…' is not one public key line (expected e.g. 'ssh-ed25519 AAAA... comment')`);
    }
    const u = await host.fact(userInfo(a.user));
    if (!u) throw new ValidationError(`user.authorized-key on '${host.name}': user '${a.user}' does not exist (expected an existing user; fix: add a user.present step first)`);
    if (await host.fact(keyPresent(a.user, key))) return ok(`key present for ${a.user}`);
    const dir = `${u.home}/.ssh`;
    const file = `${dir}/authorized_keys`;
    // A user an earlier step creates has no ids yet (predicted -1): then by name (`user:` is the user and its login
    // group, resolved on the host when the command runs).
    const owner = u.uid >= 0 && u.gid >= 0 ? `${u.uid}:${u.gid}` : `${a.user}:`;
    // Never through a symlink: a user who owns ~/.ssh could point it or authorized_keys at /etc/shadow or a root
    // file, and this runs as root. Both are refused; the new file is written next to the old one and renamed over
    // it (rename replaces the entry itself), owned by the user, 0600.
    const refuse = (what: string) => sh`printf '%s\n' ${`user.authorized-key for ${a.user}: ${what} is a symlink; refusing to write through it (fix: replace it with a real ${what === dir ? 'directory' : 'file'})`} >&2; exit 1`;
    const tmp = `${dir}/.authorized_keys.rb-new`;
    return change(`add key ${key.split(' ').slice(0, 3).join(' ').slice(0, 60)} for ${a.user}`, [
      sh`if [ -L ${dir} ]; then ${raw(refuse(dir))}; fi; mkdir -p ${dir} && chmod 700 ${dir} && chown -h ${owner} ${dir}`,
      sh`if [ -L ${file} ]; then ${raw(refuse(file))}; fi; rm -f ${tmp} && (umask 077; set -C; { if [ -f ${file} ]; then cat ${file}; [ ! -s ${file} ] || [ -z "$(tail -c 1 ${file})" ] || echo; fi; printf '%s\n' ${key}; } > ${tmp}) && chown -h ${owner} ${tmp} && chmod 600 ${tmp} && mv -f ${tmp} ${file}`,
    ], { predicts: [predict(keyPresent(a.user, key), true), touches(pathSubject(dir)), touches(pathSubject(file)), touches(pathSubject(tmp))] });
  },
};
