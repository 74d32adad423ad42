/**
 * bundle.file: plans (fake host) and real delivery through the executor over a local transport that streams the
 * file into the host's command exactly like the SSH transport does (runWithFile).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commandRun, commandStdinFile, definePlaybook, runPlaybook, step, type RunEvent } from '../../../playbooks/core';
import { fileState } from '../../../playbooks/tasks/facts/file-state';
import { bundleFile, stagingDir } from '../../../playbooks/tasks/bundle-file';
import { fakeHost } from '../support/fake-host';
import { localConnector, localInventory } from '../support/local-transport';

let dir: string;
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bundle-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('bundle.file plan', () => {
  it('changes nothing when the host has the file with its sha256, owner and mode', async () => {
    const host = fakeHost({ probes: { [fileState('/usr/local/bin/k3s').key]: `file\n755 root root 5\n${sha('hello')}  -\n` } });
    const plan = await bundleFile.plan(host, { localPath: '/b/k3s', sha256: sha('hello'), path: '/usr/local/bin/k3s', mode: '0755', label: 'k3s v1 (amd64)' });
    expect(plan).toEqual({ kind: 'ok', summary: `/usr/local/bin/k3s is k3s v1 (amd64) (sha256 ${sha('hello').slice(0, 12)}…)` });
  });

  it('fixes a wrong mode without pushing the file again', async () => {
    const host = fakeHost({ probes: { [fileState('/usr/local/bin/k3s').key]: `file\n644 root root 5\n${sha('hello')}  -\n` } });
    const plan = await bundleFile.plan(host, { localPath: '/b/k3s', sha256: sha('hello'), path: '/usr/local/bin/k3s', mode: '0755', label: 'k3s' });
    expect(plan.kind).toBe('change');
    if (plan.kind !== 'change') return;
    expect(plan.commands.map(commandRun)).toEqual(['chmod 755 /usr/local/bin/k3s']);
    expect(plan.commands.some((c) => commandStdinFile(c))).toBe(false);
  });

  it('pushes into a staging folder outside the target folder, verifies, then moves into place', async () => {
    const local = join(dir, 'images.tar.zst');
    writeFileSync(local, 'images');
    const host = fakeHost({ probes: { [fileState('/var/lib/rancher/k3s/agent/images/x.tar.zst').key]: 'absent\n' } });
    const plan = await bundleFile.plan(host, { localPath: local, sha256: sha('images'), path: '/var/lib/rancher/k3s/agent/images/x.tar.zst', label: 'images' });
    expect(plan.kind).toBe('change');
    if (plan.kind !== 'change') return;
    expect(stagingDir('/var/lib/rancher/k3s/agent/images/x.tar.zst')).toBe('/var/lib/rancher/k3s/agent/.rb-incoming');
    expect(commandStdinFile(plan.commands[0]!)).toBe(local);
    expect(commandRun(plan.commands[0]!)).toBe(`umask 077 && mkdir -p /var/lib/rancher/k3s/agent/.rb-incoming && cat > /var/lib/rancher/k3s/agent/.rb-incoming/${sha('images').slice(0, 16)}.part`);
    expect(commandRun(plan.commands[1]!)).toContain(`if [ "$actual" != ${sha('images')} ]`);
    expect(plan.summary).toBe('push images (6 B) -> /var/lib/rancher/k3s/agent/images/x.tar.zst');
  });

  it('refuses a target that is a directory, and a sha256 that is not one', async () => {
    const host = fakeHost({ probes: { [fileState('/usr/local/bin/k3s').key]: 'directory\n755 root root 4096\n' } });
    await expect(bundleFile.plan(host, { localPath: '/b/k3s', sha256: sha('x'), path: '/usr/local/bin/k3s', label: 'k3s' })).rejects.toThrow(/the path is a directory/);
    await expect(bundleFile.plan(host, { localPath: '/b/k3s', sha256: 'TODO', path: '/usr/local/bin/k3s', label: 'k3s' })).rejects.toThrow(/sha256 'TODO' is not 64 hex digits/);
  });
});

describe('bundle.file delivery (executor + streaming transport)', () => {
  async function deliver(localPath: string, sum: string, target: string) {
    const connect = localConnector();
    const events: RunEvent[] = [];
    const pb = definePlaybook({ name: 't', description: 'push one bundle file', plays: [{ name: 'p', hosts: 'all', steps: [step('push', bundleFile, { localPath, sha256: sum, path: target, mode: '0755', label: 'thing' })] }] });
    const res = await runPlaybook(pb, localInventory(['a']), { connect, stateDir: join(dir, 'state'), onEvent: (e) => events.push(e) });
    const result = events.find((e): e is Extract<RunEvent, { type: 'task.result' }> => e.type === 'task.result')!;
    return { res, result, scripts: connect.transports.get('a')!.scripts };
  }

  it('delivers the file once, verified, with its mode; a second run transfers nothing', async () => {
    const local = join(dir, 'bundle', 'k3s');
    mkdirSync(join(dir, 'bundle'));
    writeFileSync(local, Buffer.alloc(3 << 20, 7));
    const target = join(dir, 'host', 'usr', 'bin', 'k3s');
    const first = await deliver(local, sha(readFileSync(local)), target);
    expect(first.result.status).toBe('changed');
    expect(sha(readFileSync(target))).toBe(sha(readFileSync(local)));
    expect((statSync(target).mode & 0o777).toString(8)).toBe('755');
    expect(readdirSync(join(dir, 'host', 'usr', '.rb-incoming'))).toEqual([]);
    expect(first.scripts.filter((s) => s.endsWith(`< ${local}`))).toHaveLength(1);
    const second = await deliver(local, sha(readFileSync(local)), target);
    expect(second.result.status).toBe('ok');
    expect(second.scripts.filter((s) => s.endsWith(`< ${local}`))).toHaveLength(0);
  });

  it('a file that does not arrive with the manifest sum fails on the host and leaves the old file', async () => {
    const local = join(dir, 'k3s');
    writeFileSync(local, 'swapped after the bundle was verified');
    const target = join(dir, 'host', 'bin', 'k3s');
    mkdirSync(join(dir, 'host', 'bin'), { recursive: true });
    writeFileSync(target, 'old');
    const { res, result } = await deliver(local, sha('what the manifest says'), target);
    expect(res.ok).toBe(false);
    expect(result.status).toBe('failed');
    expect(result.error).toContain(`sha256 mismatch for ${target} after the transfer: expected ${sha('what the manifest says')}, got ${sha('swapped after the bundle was verified')}; the old file is kept`);
    expect(readFileSync(target, 'utf8')).toBe('old');
    expect(existsSync(join(dir, 'host', '.rb-incoming', `${sha('what the manifest says').slice(0, 16)}.part`))).toBe(false);
  });
});
