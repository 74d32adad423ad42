/**
 * Recording host keys: the explicit step that puts a new host's key into known_hosts. A scan performs only
 * the key exchange (the verifier captures the presented key and refuses, so nothing logs in), prints the
 * fingerprint, and appends the key when the host is new. A key that differs from the recorded one is refused
 * unless `replace` is set.
 */
import { NodeSSH } from 'node-ssh';
import { ConnectionError } from './errors';
import { fingerprint, hostKeyAlgorithms, keyType, KnownHosts, knownHostsName } from './known-hosts';
import { openSsh, type SshConfig } from './ssh-transport';

export interface HostKeyTarget {
  readonly name: string;
  readonly address: string;
  readonly port: number;
}

export type HostKeyStatus = 'added' | 'known' | 'changed' | 'replaced' | 'unreachable';

export interface HostKeyResult {
  readonly name: string;
  /** known_hosts name: `host` or `[host]:port`. */
  readonly knownHostsName: string;
  readonly status: HostKeyStatus;
  /** Presented key (absent when unreachable). */
  readonly type?: string;
  readonly fingerprint?: string;
  /** Fingerprints recorded before (for known/changed/replaced). */
  readonly previous: readonly string[];
  readonly error?: string;
}

export interface RecordHostKeysOptions {
  /** Replace a changed key instead of refusing. @default false */
  readonly replace?: boolean;
  /** @default 10_000 */
  readonly timeoutMs?: number;
  /** Connect through this jump host (its own key must already be recorded, or be recorded first: it is). */
  readonly bastion?: SshConfig['bastion'];
  /** Login settings for the bastion (key or agent). */
  readonly ssh?: Pick<SshConfig, 'privateKeyPath' | 'agentSocket'>;
  /** Scans at the same time. @default 20 */
  readonly concurrency?: number;
}

/** Only the key exchange: resolve with the key the server presents. `algorithms` narrows the key types. */
export async function scanHostKey(target: HostKeyTarget, opts: { timeoutMs?: number; sock?: unknown; types?: readonly string[] } = {}): Promise<Buffer> {
  let presented: Buffer | null = null;
  const ssh = new NodeSSH();
  try {
    await ssh.connect({
      host: target.address,
      port: target.port,
      username: 'host-key-scan',
      ...(opts.sock ? { sock: opts.sock } : {}),
      readyTimeout: opts.timeoutMs ?? 10_000,
      ...(opts.types?.length ? { algorithms: { serverHostKey: hostKeyAlgorithms(opts.types) } } : {}),
      hostVerifier: (key: Buffer) => {
        presented = Buffer.from(key);
        return false;
      },
    });
  } catch (e) {
    if (presented) return presented;
    throw new ConnectionError(target.name, 'unreachable', `no host key from ${target.address}:${target.port}: ${(e as Error).message}`);
  } finally {
    ssh.dispose();
  }
  throw new ConnectionError(target.name, 'unreachable', `${target.address}:${target.port} did not present a host key`);
}

/** Scan every target and update known_hosts (saved once at the end, atomically). */
export async function recordHostKeys(targets: readonly HostKeyTarget[], knownHostsPath: string, options: RecordHostKeysOptions = {}): Promise<HostKeyResult[]> {
  const kh = KnownHosts.load(knownHostsPath);
  const results: HostKeyResult[] = [];
  let jump: NodeSSH | null = null;
  const all: HostKeyTarget[] = [...targets];
  try {
    if (options.bastion) {
      const b = options.bastion;
      const bt = { name: `bastion ${b.host}`, address: b.host, port: b.port };
      const r = await recordOne(bt, kh, options);
      results.push(r);
      if (r.status === 'unreachable' || r.status === 'changed') return [...results, ...targets.map((t) => skipped(t, `bastion ${b.host} is ${r.status}`))];
      jump = await openSsh({ ...bt, user: b.user }, { knownHostsPath, ...options.ssh, ...(options.timeoutMs ? { connectTimeoutMs: options.timeoutMs } : {}) }, kh);
    }
    let next = 0;
    const out: HostKeyResult[] = new Array(all.length);
    await Promise.all(
      Array.from({ length: Math.min(options.concurrency ?? 20, all.length) }, async () => {
        while (next < all.length) {
          const i = next++;
          const t = all[i]!;
          const sock = jump ? await jump.forwardOut('127.0.0.1', 0, t.address, t.port).catch(() => null) : undefined;
          out[i] = sock === null ? skipped(t, 'bastion could not open a tunnel') : await recordOne(t, kh, options, sock);
        }
      }),
    );
    results.push(...out);
  } finally {
    jump?.dispose();
    kh.save();
  }
  return results;
}

async function recordOne(t: HostKeyTarget, kh: KnownHosts, options: RecordHostKeysOptions, sock?: unknown): Promise<HostKeyResult> {
  const name = knownHostsName(t.address, t.port);
  const known = kh.lookup(name);
  const previous = known.map((k) => `${fingerprint(k.blob)} (${k.type})`);
  const timeoutMs = options.timeoutMs ?? 10_000;
  let key: Buffer;
  try {
    // With recorded keys, ask for those types first, so the comparison is like for like.
    key = await scanHostKey(t, { timeoutMs, sock, types: known.map((k) => k.type) }).catch(async (e) => {
      if (!known.length || sock) throw e;
      return scanHostKey(t, { timeoutMs });
    });
  } catch (e) {
    return { name: t.name, knownHostsName: name, status: 'unreachable', previous, error: (e as Error).message };
  }
  const base = { name: t.name, knownHostsName: name, type: keyType(key), fingerprint: fingerprint(key), previous };
  if (known.some((k) => k.blob.equals(key))) return { ...base, status: 'known' };
  if (known.length === 0) {
    kh.add(name, key);
    return { ...base, status: 'added' };
  }
  if (!options.replace) return { ...base, status: 'changed' };
  for (const k of known) kh.remove(name, k.type);
  kh.add(name, key);
  return { ...base, status: 'replaced' };
}

function skipped(t: HostKeyTarget, why: string): HostKeyResult {
  return { name: t.name, knownHostsName: knownHostsName(t.address, t.port), status: 'unreachable', previous: [], error: why };
}
