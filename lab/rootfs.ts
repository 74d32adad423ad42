/**
 * The one Debian bookworm rootfs every lab host boots from (read-only lower layer of each host's overlay).
 * Built once with debootstrap into a temp dir, configured, then renamed to `<labRoot>/rootfs-<hash>`; the hash
 * covers the package list, the mirror and everything written into the tree, so a change builds a new one.
 * A lock file keeps two concurrent `up`s from both building. Host keys are NOT in the image (made per host at up).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, renameSync, symlinkSync, writeFileSync, chmodSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from './errors';
import { withLock } from './lock';
import { labRoot } from './paths';
import { requireRoot } from './require-root';
import { run, tail } from './run';

/** Bump when the build steps below change in a way the hash does not see. */
const BUILD_SCRIPT_VERSION = 1;
const SUITE = 'bookworm';
const VARIANT = 'minbase';

/** What a k3s node host needs that a playbook would install (there is no internet inside the lab). */
export const ROOTFS_PACKAGES: readonly string[] = [
  'openssh-server', 'systemd-sysv', 'dbus', 'nftables', 'sudo', 'iproute2', 'python3', 'curl',
  'ca-certificates', 'kmod', 'iptables', 'procps', 'systemd-timesyncd', 'gnupg',
];

/** Files written into the tree after debootstrap (path inside the rootfs -> content). */
const FILES: Readonly<Record<string, string>> = {
  'etc/ssh/sshd_config.d/lab.conf': [
    '# lab host: root login by key only; the host key is generated per host when the lab comes up',
    'HostKey /etc/ssh/ssh_host_ed25519_key',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UseDNS no',
    'MaxSessions 64',
    'MaxStartups 200:30:400',
    '',
  ].join('\n'),
  // Empty on purpose: there is no DNS in the lab, and a resolver that is not there stalls lookups 20 s.
  'etc/resolv.conf': '',
  'etc/hostname': 'localhost\n',
  // Empty: each host gets its own at up.
  'etc/machine-id': '',
  'etc/fstab': '# lab host: no file systems of its own\n',
};

function mirror(): string {
  return process.env['LAB_DEBIAN_MIRROR'] ?? 'http://deb.debian.org/debian';
}

/** Hash naming the rootfs: packages, mirror, suite, variant, build version and file contents. */
export function rootfsHash(): string {
  const spec = JSON.stringify({ BUILD_SCRIPT_VERSION, SUITE, VARIANT, mirror: mirror(), packages: ROOTFS_PACKAGES, files: FILES });
  return createHash('sha256').update(spec).digest('hex').slice(0, 12);
}

export function rootfsPath(): string {
  return join(labRoot(), `rootfs-${rootfsHash()}`);
}

/** Unmounts whatever an interrupted debootstrap left mounted under `dir` (proc, sys), deepest first. */
async function unmountUnder(dir: string): Promise<void> {
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((mp) => mp === dir || mp.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const mp of mounts) await run('umount', ['-l', mp], { allowFailure: true });
}

/** Removes temp dirs of interrupted builds (whose builder is gone: we hold the lock). */
async function removeStaleBuilds(root: string): Promise<void> {
  for (const entry of readdirSync(root)) {
    if (!/^rootfs-[0-9a-f]+\.tmp-\d+$/.test(entry)) continue;
    const dir = join(root, entry);
    await unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function build(target: string, log: (line: string) => void): Promise<void> {
  requireRoot('building the lab rootfs (debootstrap)');
  const root = labRoot();
  const tmp = `${target}.tmp-${process.pid}`;
  const debs = join(root, 'debs');
  mkdirSync(debs, { recursive: true });
  const started = Date.now();
  log(`lab: building the Debian ${SUITE} rootfs (once, about 100 s) into ${target}`);
  try {
    const result = await run(
      'debootstrap',
      [`--variant=${VARIANT}`, `--cache-dir=${debs}`, `--include=${ROOTFS_PACKAGES.join(',')}`, SUITE, tmp, mirror()],
      { timeoutSeconds: 1200, allowFailure: true },
    );
    if (result.code !== 0) {
      const logFile = join(tmp, 'debootstrap', 'debootstrap.log');
      const detail = existsSync(logFile) ? tail(readFileSync(logFile, 'utf8')) : tail(result.stderr || result.stdout);
      throw new LabError(`lab: debootstrap of ${SUITE} from ${mirror()} failed with exit ${result.code} (expected a complete rootfs); check that the mirror is reachable (or set LAB_DEBIAN_MIRROR) and that debootstrap is installed\n${detail}`);
    }
    // Host keys are per host, made at up; never share them through the image.
    const sshDir = join(tmp, 'etc', 'ssh');
    for (const f of readdirSync(sshDir)) if (f.startsWith('ssh_host_')) unlinkSync(join(sshDir, f));
    for (const [path, content] of Object.entries(FILES)) {
      const full = join(tmp, path);
      rmSync(full, { force: true });
      writeFileSync(full, content);
    }
    const defaultTarget = join(tmp, 'etc', 'systemd', 'system', 'default.target');
    rmSync(defaultTarget, { force: true });
    symlinkSync('/lib/systemd/system/multi-user.target', defaultTarget);
    mkdirSync(join(tmp, 'root', '.ssh'), { recursive: true });
    chmodSync(join(tmp, 'root', '.ssh'), 0o700);
    const archives = join(tmp, 'var', 'cache', 'apt', 'archives');
    if (existsSync(archives)) for (const f of readdirSync(archives)) if (f.endsWith('.deb')) unlinkSync(join(archives, f));
    writeFileSync(
      join(tmp, '.lab-rootfs.json'),
      `${JSON.stringify({ hash: rootfsHash(), suite: SUITE, variant: VARIANT, mirror: mirror(), packages: ROOTFS_PACKAGES, builtAt: new Date().toISOString() }, null, 2)}\n`,
    );
    renameSync(tmp, target);
  } catch (err) {
    await unmountUnder(tmp);
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  log(`lab: rootfs built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

export interface EnsureRootfsOptions {
  /** @default 900 */
  readonly lockTimeoutSeconds?: number;
  readonly log?: (line: string) => void;
}

/** Returns the path of the cached rootfs, building it first if needed (one builder at a time). */
export async function ensureRootfs(options: EnsureRootfsOptions = {}): Promise<string> {
  const target = rootfsPath();
  if (existsSync(join(target, '.lab-rootfs.json'))) return target;
  const root = labRoot();
  mkdirSync(root, { recursive: true });
  const log = options.log ?? (() => undefined);
  return withLock(
    join(root, 'rootfs.lock'),
    options.lockTimeoutSeconds ?? 900,
    async () => {
      if (existsSync(join(target, '.lab-rootfs.json'))) return target; // built by the holder we waited for
      await removeStaleBuilds(root);
      await build(target, log);
      return target;
    },
    () => log('lab: another process is building the rootfs; waiting for it'),
  );
}
