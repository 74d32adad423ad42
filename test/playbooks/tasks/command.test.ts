import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandRun, sh, type Plan } from '../../../playbooks/core';
import { command, download, waitFor } from '../../../playbooks/tasks';
import { fakeHost } from '../support/fake-host';

const cmds = (p: Plan) => (p.kind === 'change' ? p.commands.map(commandRun) : []);
const dir = mkdtempSync(join(tmpdir(), 'rb-cmd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('command.run', () => {
  it('creates/removes guards', async () => {
    expect((await command.plan(fakeHost({ probes: { 'path.exists:/opt/x': '' } }), { command: 'make install', creates: '/opt/x' })).kind).toBe('ok');
    expect(cmds(await command.plan(fakeHost({ probes: { 'path.exists:/opt/x': { stdout: '', exitCode: 1 } } }), { command: 'make install', creates: '/opt/x' }))).toEqual(['make install']);
    expect((await command.plan(fakeHost({ probes: { 'path.exists:/tmp/y': { stdout: '', exitCode: 1 } } }), { command: 'rm /tmp/y', removes: '/tmp/y' })).kind).toBe('ok');
  });
  it('unless/onlyIf probes', async () => {
    const check = 'grep -q x /etc/y';
    expect((await command.plan(fakeHost({ probes: { [`command.status:${check}`]: '' } }), { command: 'do it', unless: check })).kind).toBe('ok');
    expect((await command.plan(fakeHost({ probes: { [`command.status:${check}`]: { stdout: '', exitCode: 1 } } }), { command: 'do it', onlyIf: check })).kind).toBe('ok');
  });
  it('without a guard it always changes and says so', async () => {
    expect((await command.plan(fakeHost(), { command: 'date' })).summary).toBe('run (no guard, runs every time): date');
  });
});

describe('download.file', () => {
  const payload = 'fixture binary\n';
  const good = createHash('sha256').update(payload).digest('hex');
  const src = join(dir, 'src.bin');
  writeFileSync(src, payload);

  it('no change when the file has the hash', async () => {
    const host = fakeHost({ probes: { 'file.state:/usr/local/bin/k3s': `file\n644 root root 15\n${good}\n` } });
    expect((await download.plan(host, { url: 'https://example.invalid/k3s', path: '/usr/local/bin/k3s', sha256: good })).kind).toBe('ok');
  });

  it('downloads, verifies and moves into place (run by a shell, file:// URL)', async () => {
    const path = join(dir, 'out', 'k3s');
    const p = await download.plan(fakeHost({ probes: { [`file.state:${path}`]: 'absent\n' } }), { url: `file://${src}`, path, sha256: good, mode: '0755' });
    execFileSync('/bin/sh', ['-c', cmds(p).join('\n')]);
    expect(readFileSync(path, 'utf8')).toBe(payload);
  });

  it('a checksum mismatch fails and leaves the old file in place', async () => {
    const path = join(dir, 'keep', 'k3s');
    execFileSync('/bin/sh', ['-c', sh`mkdir -p ${join(dir, 'keep')} && echo old > ${path}`]);
    const bad = '0'.repeat(64);
    const p = await download.plan(fakeHost({ probes: { [`file.state:${path}`]: 'absent\n' } }), { url: `file://${src}`, path, sha256: bad });
    const r = spawnSync('/bin/sh', ['-c', cmds(p).join('\n')], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`sha256 mismatch for file://${src}: expected ${bad}, got ${good}`);
    expect(readFileSync(path, 'utf8')).toBe('old\n');
    expect(execFileSync('ls', ['-A', join(dir, 'keep')], { encoding: 'utf8' })).toBe('k3s\n');
  });

  it('rejects a malformed checksum', async () => {
    await expect(download.plan(fakeHost(), { url: 'https://x/y', path: '/y', sha256: 'abc' })).rejects.toThrow(/is not 64 hex digits/);
  });
});

describe('wait.for', () => {
  it('ok when ready, a bounded wait loop otherwise that fails with a clear message', async () => {
    const f = join(dir, 'ready');
    expect((await waitFor.plan(fakeHost({ probes: { [`wait.for:${sh`[ -e ${f} ]`}`]: '' } }), { file: f })).kind).toBe('ok');
    const p = await waitFor.plan(fakeHost({ probes: { [`wait.for:${sh`[ -e ${f} ]`}`]: { stdout: '', exitCode: 1 } } }), { file: f, timeoutSeconds: 1 });
    const r = spawnSync('/bin/sh', ['-c', cmds(p).join('\n')], { encoding: 'utf8', timeout: 10_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`timed out after 1 s waiting for file ${f}`);
    expect(existsSync(f)).toBe(false);
  });
  it('the loop ends as soon as the condition holds', async () => {
    const f = join(dir, 'soon');
    const p = await waitFor.plan(fakeHost({ probes: { [`wait.for:${sh`[ -e ${f} ]`}`]: { stdout: '', exitCode: 1 } } }), { file: f, timeoutSeconds: 20 });
    const r = spawnSync('/bin/sh', ['-c', [sh`(sleep 1; touch ${f}) &`, ...cmds(p)].join('\n')], { encoding: 'utf8', timeout: 15_000 });
    expect(r.status).toBe(0);
  });
});
