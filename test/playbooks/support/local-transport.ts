/**
 * A Transport that runs scripts with the local /bin/sh (as the test's user), exactly as the SSH transport runs
 * them remotely (script on stdin, SCRIPT_RUNNER). Executor tests use it with paths inside a temp directory, so
 * they exercise the real probe/apply scripts without SSH.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { ConnectionError, SCRIPT_RUNNER, type Connector, type ExecResult, type InventoryHost, type Transport } from '../../../playbooks/core';

export class LocalTransport implements Transport {
  scripts: string[] = [];
  closed = false;
  constructor(readonly name: string) {}

  run(script: string, options: { timeoutMs?: number } = {}): Promise<ExecResult> {
    if (this.closed) return Promise.reject(new ConnectionError(this.name, 'closed', 'transport closed'));
    this.scripts.push(script);
    return new Promise((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', SCRIPT_RUNNER], { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), exitCode: code });
      });
      child.stdin.end(script);
    });
  }

  /** The script with the local file on its stdin (what the SSH transport streams over the connection). */
  runWithFile(script: string, localPath: string, options: { timeoutMs?: number } = {}): Promise<ExecResult> {
    if (this.closed) return Promise.reject(new ConnectionError(this.name, 'closed', 'transport closed'));
    this.scripts.push(`${script} < ${localPath}`);
    return new Promise((resolve, reject) => {
      const fd = openSync(localPath, 'r');
      const child = spawn('/bin/sh', ['-c', script], { stdio: [fd, 'pipe', 'pipe'] });
      closeSync(fd);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
      child.stdout!.on('data', (b: Buffer) => out.push(b));
      child.stderr!.on('data', (b: Buffer) => err.push(b));
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), exitCode: code });
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/**
 * A connector over local transports. Hosts named in `unreachable` fail to connect like a dead host does.
 * `transports` gives tests the scripts each host received.
 */
export function localConnector(unreachable: readonly string[] = []): Connector & { transports: Map<string, LocalTransport> } {
  const transports = new Map<string, LocalTransport>();
  const connect = async (host: InventoryHost): Promise<Transport> => {
    if (unreachable.includes(host.name)) throw new ConnectionError(host.name, 'unreachable', `cannot connect to ${host.address}:${host.port}: connect ECONNREFUSED`);
    const t = new LocalTransport(host.name);
    transports.set(host.name, t);
    return t;
  };
  return Object.assign(connect, { transports });
}

export function localInventory(names: readonly string[], groups: Record<string, string> = {}): { name: string; hosts: InventoryHost[] } {
  return {
    name: 'local',
    hosts: names.map((name) => ({ name, address: '127.0.0.1', port: 22, user: 'root', groups: [groups[name] ?? 'ctrl'], vars: {} })),
  };
}
