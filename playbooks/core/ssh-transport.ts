/**
 * The SSH transport (node-ssh over ssh2): one connection per host, reused by every task of a run.
 *
 * - Strict host-key checking through ssh2's `hostVerifier` against the region's known_hosts: an unknown or changed
 *   key aborts the handshake BEFORE authentication, and the error prints the expected and presented fingerprints.
 *   New keys are recorded only by the explicit host-keys command (see host-keys.ts).
 * - Key from a file or from the ssh agent; optional bastion (ProxyJump) through a `forwardOut` channel on one shared
 *   bastion connection; keepalive; bounded connect and command timeouts.
 * - Non-root users run every script through `sudo -n`, with a preflight at connect that fails clearly when sudo
 *   wants a password.
 * - At most `maxSessions` channels at a time per connection (OpenSSH MaxSessions, default 10).
 */
import { createReadStream } from 'node:fs';
import { NodeSSH } from 'node-ssh';
import { ConnectionError, ValidationError } from './errors';
import type { InventoryHost } from './inventory';
import { fingerprint, hostKeyAlgorithms, KnownHosts, keyType, knownHostsName } from './known-hosts';
import { quote } from './quote';
import { Semaphore } from './semaphore';
import { SCRIPT_RUNNER, type Connector, type ExecResult, type RunScriptOptions, type Transport } from './transport';

export interface SshConfig {
  /** known_hosts every host key is checked against (absolute path). */
  readonly knownHostsPath: string;
  /** Private key file; when absent the ssh agent (`agentSocket`) is used. */
  readonly privateKeyPath?: string;
  /** @default process.env.SSH_AUTH_SOCK */
  readonly agentSocket?: string;
  /** Jump host: every connection is tunnelled through it (its key must be in known_hosts too). */
  readonly bastion?: { readonly user: string; readonly host: string; readonly port: number };
  /** TCP connect + key exchange + authentication. @default 15_000 */
  readonly connectTimeoutMs?: number;
  /** @default 10_000 (3 missed keepalives close the connection) */
  readonly keepaliveIntervalMs?: number;
  /** Default timeout of one remote script. @default 600_000 */
  readonly commandTimeoutMs?: number;
  /** Channels open at the same time per connection. @default 10 (OpenSSH MaxSessions) */
  readonly maxSessions?: number;
  /** How the user adds keys, shown in host-key errors. @default 'npm run host-keys -- <region>' */
  readonly hostKeysCommand?: string;
}

/** Parse `user@host:port` (user and port optional). */
export function parseBastion(spec: string, defaultUser: string): { user: string; host: string; port: number } {
  const m = /^(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s]+)(?::(\d+))?$/.exec(spec);
  if (!m?.[2]) throw new ValidationError(`ssh.bastion '${spec}' is not user@host[:port] (expected e.g. root@198.51.100.2:22)`);
  const port = m[3] ? Number(m[3]) : 22;
  if (port < 1 || port > 65535) throw new ValidationError(`ssh.bastion '${spec}': port ${port} is out of range (expected 1..65535)`);
  return { user: m[1] ?? defaultUser, host: m[2].replace(/^\[|\]$/g, ''), port };
}

/** A connector that opens SSH transports; `close()` also closes the shared bastion connection. */
export interface SshConnector extends Connector {
  close(): Promise<void>;
}

export function sshConnector(config: SshConfig): SshConnector {
  const knownHosts = KnownHosts.load(config.knownHostsPath);
  let bastion: Promise<NodeSSH> | null = null;
  const connect = async (host: InventoryHost): Promise<Transport> => {
    let sock: unknown;
    if (config.bastion) {
      const b = config.bastion;
      bastion ??= openSsh({ name: `bastion ${b.host}`, address: b.host, port: b.port, user: b.user }, config, knownHosts).catch((e) => {
        bastion = null;
        throw e;
      });
      const jump = await bastion;
      sock = await withTimeout(jump.forwardOut('127.0.0.1', 0, host.address, host.port), config.connectTimeoutMs ?? 15_000, () =>
        new ConnectionError(host.name, 'timeout', `no tunnel through bastion ${b.host} to ${host.address}:${host.port} within ${config.connectTimeoutMs ?? 15_000} ms`),
      ).catch((e: unknown) => {
        if (e instanceof ConnectionError) throw e;
        throw new ConnectionError(host.name, 'unreachable', `bastion ${b.host} could not open a tunnel to ${host.address}:${host.port}: ${(e as Error).message}`);
      });
    }
    const ssh = await openSsh({ name: host.name, address: host.address, port: host.port, user: host.user }, config, knownHosts, sock);
    const transport = new SshTransport(host.name, host.user, ssh, config);
    if (host.user !== 'root') await transport.sudoPreflight();
    return transport;
  };
  return Object.assign(connect, {
    close: async () => {
      const b = bastion;
      bastion = null;
      if (b) (await b.catch(() => null))?.dispose();
    },
  });
}

interface Target {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly user: string;
}

/** Connect and authenticate with strict host-key checking. */
export async function openSsh(target: Target, config: SshConfig, knownHosts: KnownHosts, sock?: unknown): Promise<NodeSSH> {
  const khName = knownHostsName(target.address, target.port);
  const known = knownHosts.lookup(khName);
  let presented: Buffer | null = null;
  const auth = authConfig(target, config);
  const ssh = new NodeSSH();
  const timeoutMs = config.connectTimeoutMs ?? 15_000;
  try {
    await ssh.connect({
      host: target.address,
      port: target.port,
      username: target.user,
      ...(sock ? { sock } : {}),
      ...auth,
      readyTimeout: timeoutMs,
      keepaliveInterval: config.keepaliveIntervalMs ?? 10_000,
      keepaliveCountMax: 3,
      // Only the key types we can check are negotiated (OpenSSH does the same with known keys).
      ...(known.length ? { algorithms: { serverHostKey: hostKeyAlgorithms(known.map((k) => k.type)) } } : {}),
      hostVerifier: (key: Buffer) => {
        presented = Buffer.from(key);
        return known.some((k) => k.blob.equals(key));
      },
    });
  } catch (e) {
    ssh.dispose();
    throw connectError(target, khName, known, presented, e as Error, config);
  }
  // Errors after login (keepalive timeout, reset) must not crash the process; the next exec reports them.
  ssh.connection?.on('error', () => {});
  return ssh;
}

function authConfig(target: Target, config: SshConfig): Record<string, unknown> {
  if (config.privateKeyPath) return { privateKeyPath: config.privateKeyPath };
  const agent = config.agentSocket ?? process.env.SSH_AUTH_SOCK;
  if (!agent) {
    throw new ConnectionError(target.name, 'auth', `no SSH credentials: ssh.privateKeyPath is not set and SSH_AUTH_SOCK is empty (expected a key file in the region's ssh settings or a running ssh-agent; fix: set ssh.privateKeyPath or run ssh-add)`);
  }
  return { agent };
}

function connectError(target: Target, khName: string, known: { type: string; blob: Buffer }[], presented: Buffer | null, e: Error, config: SshConfig): ConnectionError {
  const cmd = config.hostKeysCommand ?? 'npm run host-keys -- <region>';
  const expected = known.map((k) => `${fingerprint(k.blob)} (${k.type})`).join(', ');
  const where = `${target.address}:${target.port}`;
  if (presented && !known.some((k) => k.blob.equals(presented!))) {
    const got = `${fingerprint(presented)} (${keyType(presented)})`;
    if (known.length === 0) {
      return new ConnectionError(target.name, 'host-key-unknown', `host key of ${where} is not in ${config.knownHostsPath}: presented ${got}, expected none recorded for '${khName}'. Refused before login. Fix: check the fingerprint out of band, then run \`${cmd} --limit ${target.name}\``);
    }
    return new ConnectionError(target.name, 'host-key-changed', `HOST KEY CHANGED for ${where}: expected ${expected} from ${config.knownHostsPath}, presented ${got}. Refused before login (possible man-in-the-middle). Fix: if the host was reinstalled, verify the new fingerprint out of band, then run \`${cmd} --limit ${target.name} --replace\``);
  }
  const msg = e.message;
  if (known.length && /no matching.*host ?key|handshake failed/i.test(msg) && !presented) {
    return new ConnectionError(target.name, 'host-key-changed', `HOST KEY CHANGED for ${where}: it offers none of the known key types (expected ${expected} from ${config.knownHostsPath}); ${msg}. Refused before login. Fix: verify the host, then run \`${cmd} --limit ${target.name} --replace\``);
  }
  if (/authentication methods failed/i.test(msg)) {
    return new ConnectionError(target.name, 'auth', `authentication as '${target.user}' to ${where} failed (${msg}); expected the key ${config.privateKeyPath ?? 'from the ssh agent'} in ~${target.user}/.ssh/authorized_keys. Fix: install the public key on the host or correct ssh.privateKeyPath`);
  }
  if (/timed out|ETIMEDOUT/i.test(msg)) {
    return new ConnectionError(target.name, 'timeout', `no SSH handshake with ${where} within ${config.connectTimeoutMs ?? 15_000} ms (${msg}); is the host up and port ${target.port} open?`);
  }
  return new ConnectionError(target.name, 'unreachable', `cannot connect to ${where}: ${msg}`);
}

export class SshTransport implements Transport {
  readonly #sessions: Semaphore;
  #closed = false;
  #broken: string | null = null;

  constructor(
    readonly name: string,
    readonly user: string,
    readonly ssh: NodeSSH,
    readonly config: SshConfig,
  ) {
    this.#sessions = new Semaphore(config.maxSessions ?? 10);
    const conn = ssh.connection;
    conn?.on('error', (e: Error) => {
      this.#broken = e.message;
    });
    conn?.on('close', () => {
      this.#broken ??= 'connection closed';
    });
  }

  /** Channels in use right now (for tests). */
  get channelsInUse(): number {
    return this.#sessions.inUse;
  }

  async sudoPreflight(): Promise<void> {
    const res = await this.exec('sudo -n true', '', 15_000);
    if (res.exitCode !== 0) {
      const why = res.stderr.trim() || `exit code ${res.exitCode}`;
      throw new ConnectionError(this.name, 'auth', `user '${this.user}' cannot run commands as root: \`sudo -n true\` failed (${why}); expected passwordless sudo for '${this.user}'. Fix: add '${this.user} ALL=(ALL) NOPASSWD:ALL' in /etc/sudoers.d/, or connect as root`);
    }
  }

  run(script: string, options: RunScriptOptions = {}): Promise<ExecResult> {
    const command = this.user === 'root' ? SCRIPT_RUNNER : `sudo -n ${SCRIPT_RUNNER}`;
    return this.exec(command, script, options.timeoutMs ?? this.config.commandTimeoutMs ?? 600_000);
  }

  /** The script as root with the local file on its stdin, streamed over this connection (no SFTP, no temp copy). */
  runWithFile(script: string, localPath: string, options: RunScriptOptions = {}): Promise<ExecResult> {
    const command = `${this.user === 'root' ? '' : 'sudo -n '}/bin/sh -c ${quote(script)}`;
    return this.exec(command, { file: localPath }, options.timeoutMs ?? this.config.commandTimeoutMs ?? 600_000);
  }

  /** One exec channel: the command, stdin (text, or a local file streamed), a deadline. Waits for a free channel slot first. */
  exec(command: string, stdin: string | { readonly file: string }, timeoutMs: number): Promise<ExecResult> {
    return this.#sessions.use(
      () =>
        new Promise<ExecResult>((resolve, reject) => {
          const conn = this.ssh.connection;
          if (this.#closed || !conn || this.#broken) {
            reject(new ConnectionError(this.name, 'closed', `the SSH connection is gone (${this.#broken ?? 'closed'})`));
            return;
          }
          let settled = false;
          let timer: NodeJS.Timeout | undefined;
          const finish = (fn: () => void) => {
            if (settled) return;
            settled = true;
            if (timer) clearTimeout(timer);
            conn.removeListener('close', onClose);
            fn();
          };
          const onClose = () => finish(() => reject(new ConnectionError(this.name, 'closed', 'the SSH connection closed while a command was running')));
          conn.once('close', onClose);
          conn.exec(command, (err: Error | undefined, channel: any) => {
            if (err) {
              finish(() => reject(new ConnectionError(this.name, 'closed', `could not open a channel: ${err.message}`)));
              return;
            }
            const out: Buffer[] = [];
            const errOut: Buffer[] = [];
            let code: number | null = null;
            timer = setTimeout(() => {
              try {
                channel.signal?.('KILL');
                channel.close();
              } catch {
                /* closing a dead channel */
              }
              finish(() => resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: `${Buffer.concat(errOut).toString('utf8')}\n(timed out after ${timeoutMs} ms)`, exitCode: null }));
            }, timeoutMs);
            channel.on('data', (b: Buffer) => out.push(b));
            channel.stderr.on('data', (b: Buffer) => errOut.push(b));
            channel.on('exit', (c: number | null) => {
              code = typeof c === 'number' ? c : null;
            });
            channel.on('close', () =>
              finish(() => resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errOut).toString('utf8'), exitCode: code })),
            );
            if (typeof stdin === 'string') channel.end(stdin);
            else {
              const src = createReadStream(stdin.file);
              src.on('error', (e: Error) => {
                try {
                  channel.close();
                } catch {
                  /* closing a dead channel */
                }
                finish(() => resolve({ stdout: '', stderr: `cannot read local file ${stdin.file}: ${e.message}`, exitCode: 1 }));
              });
              src.pipe(channel);
            }
          });
        }),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.ssh.dispose();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(onTimeout()), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
