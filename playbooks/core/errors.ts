/**
 * The runner's error classes. Library code throws them; only the CLI edge turns them into exit codes.
 * Every message follows one shape: where, the bad value, what was expected, the fix.
 * Messages are redacted when they are built, so a secret never travels inside an error.
 */
import { redact } from './redaction';

/** Bad input: a playbook, an inventory, an option or a task argument is wrong. Exit code 2 at the CLI. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(message: string) {
    super(redact(message));
  }
}

/** A command on a host failed (non-zero exit, timeout). Carries host, command (redacted), exit code, stderr tail. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  readonly host: string;
  readonly command: string;
  readonly exitCode: number | null;
  readonly stderrTail: string;
  constructor(opts: { host: string; command: string; exitCode: number | null; stderr: string; reason?: string }) {
    const command = redact(opts.command);
    const stderrTail = redact(tail(opts.stderr, 20));
    const why = opts.reason ?? `exited with ${opts.exitCode === null ? 'no exit code (killed)' : `code ${opts.exitCode}`}`;
    super(`host '${opts.host}': command ${why}: ${oneLine(command, 300)}${stderrTail ? `\n  stderr: ${stderrTail.replace(/\n/g, '\n          ')}` : ''}`);
    this.host = opts.host;
    this.command = command;
    this.exitCode = opts.exitCode;
    this.stderrTail = stderrTail;
  }
}

/**
 * The host could not be reached or the connection broke: DNS/TCP failure, timeout, authentication failure,
 * or a host key that is unknown or changed (`kind` tells which). The executor reports the host unreachable.
 */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
  readonly host: string;
  readonly kind: 'unreachable' | 'timeout' | 'auth' | 'host-key-unknown' | 'host-key-changed' | 'closed';
  constructor(host: string, kind: ConnectionError['kind'], message: string) {
    super(redact(`host '${host}': ${message}`));
    this.host = host;
    this.kind = kind;
  }
}

/** The last `lines` lines of a text. */
export function tail(text: string, lines: number): string {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s*\n\s*/g, ' ⏎ ');
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
