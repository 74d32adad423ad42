/**
 * Lab fixture for vitest files: brings a lab of real local hosts up in beforeAll and down in afterAll.
 *
 *   const lab = useLab({ id: 'runner-it', hosts: 3 });
 *   it('...', async () => { const region = await loadRegion('lab', { labDir: lab.dir }); ... lab.hosts[0].publicIp ... });
 *
 * The first use builds the cached Debian rootfs (~100 s); later ups boot in seconds. Needs root.
 * Use one id per test file so files never share hosts; the returned object is filled in beforeAll.
 * Every file starts from fresh hosts (a lab this id left behind is brought down first). A lab id's network names
 * are machine-wide, so two test runs using one id at once (two checkouts, or a second `vitest` started while the
 * first runs) would tear each other's hosts down: the file holds a machine-wide lock per id from beforeAll to
 * afterAll, and a second run waits for it (bounded) instead.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { labDown, labUp, labSsh, startHost, stopHost, type LabHost, type LabInfo, type LabSshResult } from '../../lab';
import { withLock } from '../../lab/lock';

export interface UseLabOptions {
  /** Lab id, one per test file (e.g. 'runner-it'). */
  readonly id: string;
  /** Number of hosts (lab-1..lab-n). */
  readonly hosts: number;
  /** Keep the lab up after the file (for debugging; `npm run lab -- down --id <id>` removes it). @default false */
  readonly keep?: boolean;
  /**
   * Bound on beforeAll: a fresh machine first builds the rootfs (debootstrap, 100-150 s, plus downloads), then
   * boots the hosts. @default 900
   */
  readonly upTimeoutSeconds?: number;
}

export interface UsedLab {
  readonly id: string;
  /** `<repo>/.lab/<id>`: pass to `loadRegion('lab', { labDir })`. Empty until beforeAll ran. */
  readonly dir: string;
  /** Absolute paths of the lab client key and known_hosts. */
  readonly privateKeyPath: string;
  readonly knownHostsPath: string;
  readonly hosts: readonly LabHost[];
  /** The whole LabInfo (subnets, gateway, region path). Throws before beforeAll ran. */
  readonly info: LabInfo;
  /** Runs a shell command as root on a host (by name, e.g. 'lab-1') over the system ssh client. */
  ssh(host: string, command: string, timeoutSeconds?: number): Promise<LabSshResult>;
  /** Powers a host off (unreachable until started) / boots it again from the same overlay. */
  stop(host: string): Promise<void>;
  start(host: string): Promise<void>;
}

export function useLab(options: UseLabOptions): UsedLab {
  let info: LabInfo | undefined;
  const need = (): LabInfo => {
    if (!info) throw new Error(`useLab('${options.id}'): the lab is not up yet (use it inside tests, after beforeAll)`);
    return info;
  };
  const hostAddress = (name: string): string => {
    const host = need().hosts.find((h) => h.name === name);
    if (!host) throw new Error(`useLab('${options.id}'): no host '${name}' (hosts: ${need().hosts.map((h) => h.name).join(', ')})`);
    return host.publicIp;
  };

  let release: (() => void) | undefined;
  let held: Promise<void> | undefined;
  const waitSeconds = 600;
  beforeAll(async () => {
    // One run per lab id on this machine at a time (a dead holder's lock is taken over, lab/lock.ts).
    const lockPath = join(tmpdir(), `region-bootstrapper-lab-${options.id}.lock`);
    await new Promise<void>((acquired, failed) => {
      held = withLock(lockPath, waitSeconds, () => new Promise<void>((done) => { release = done; acquired(); }), () => {
        process.stderr.write(`useLab('${options.id}'): another test run on this machine uses this lab id; waiting up to ${waitSeconds} s for it\n`);
      }).catch(failed);
    });
    // Fresh hosts every file: a run that was killed half-way may have left this id up with changed hosts.
    await labDown(options.id);
    info = await labUp({ id: options.id, hosts: options.hosts });
  }, (waitSeconds + (options.upTimeoutSeconds ?? 900)) * 1000);
  afterAll(async () => {
    try {
      if (!options.keep) await labDown(options.id);
    } finally {
      release?.();
      await held;
    }
  }, 120_000);

  return {
    id: options.id,
    get dir() { return info?.dir ?? ''; },
    get privateKeyPath() { return need().privateKeyPath; },
    get knownHostsPath() { return need().knownHostsPath; },
    get hosts() { return info?.hosts ?? []; },
    get info() { return need(); },
    ssh: (host, command, timeoutSeconds) => labSsh(options.id, hostAddress(host), command, { timeoutSeconds: timeoutSeconds ?? 20 }),
    stop: (host) => stopHost(options.id, host),
    start: (host) => startHost(options.id, host),
  };
}
