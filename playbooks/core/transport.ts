/**
 * How the executor talks to one host. The SSH implementation is ssh-transport.ts; tests may use any other
 * (e.g. a local shell) without touching the executor.
 */
import type { InventoryHost } from './inventory';

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  /** null when the command was killed (timeout, connection lost). */
  readonly exitCode: number | null;
}

export interface RunScriptOptions {
  /** Kill the command after this long. @default the transport's command timeout */
  readonly timeoutMs?: number;
}

export interface Transport {
  /**
   * Run a POSIX sh script on the host AS ROOT (through `sudo -n` when the login user is not root). The script is
   * sent on stdin, never in argv, so its size is not limited by ARG_MAX and secrets inside it do not appear in
   * the host's process list. The script's own commands see /dev/null on stdin.
   * Throws ConnectionError when the connection fails; a non-zero exit is a result, not an exception.
   */
  run(script: string, options?: RunScriptOptions): Promise<ExecResult>;
  /**
   * Run a SHORT script on the host AS ROOT with the local file `localPath` streamed into its stdin over the same
   * connection (e.g. `cat > /path/.tmp`). The script may travel in argv: never put a secret in it.
   * Optional: a transport without it cannot deliver files (the host says so when a plan needs it).
   */
  runWithFile?(script: string, localPath: string, options?: RunScriptOptions): Promise<ExecResult>;
  /** Close the connection. Idempotent. */
  close(): Promise<void>;
}

/** Opens a transport to a host. Throws ConnectionError when the host is unreachable or its key is refused. */
export type Connector = (host: InventoryHost) => Promise<Transport>;

/**
 * The remote command every transport executes: read the whole script from stdin, then run it with stdin
 * at /dev/null (so a command like apt-get cannot swallow the rest of the script).
 */
export const SCRIPT_RUNNER = `/bin/sh -c 'script=$(cat) && eval "$script" </dev/null'`;
