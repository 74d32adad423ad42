import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandRun, secret, type Plan } from '../../../playbooks/core';
import { file } from '../../../playbooks/tasks';
import { fakeHost } from '../support/fake-host';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const present = (content: string, mode = '644', owner = 'root') => `file\n${mode} ${owner} root ${content.length}\n${sha(content)}\n`;
const dir = mkdtempSync(join(tmpdir(), 'rb-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cmds = (p: Plan) => (p.kind === 'change' ? p.commands.map(commandRun) : []);

describe('file.content', () => {
  it('no change when content, owner and mode match', async () => {
    const host = fakeHost({ probes: { 'file.state:/etc/motd': present('hi\n') } });
    expect(await file.plan(host, { path: '/etc/motd', content: 'hi\n' })).toEqual({ kind: 'ok', summary: '/etc/motd up to date' });
    expect(host.asked).toEqual(['file.state:/etc/motd']);
  });

  it('creates an absent file with a diff', async () => {
    const host = fakeHost({ probes: { 'file.state:/etc/motd': 'absent\n' } });
    const p = await file.plan(host, { path: '/etc/motd', content: 'hi\n' });
    expect(p).toMatchObject({ kind: 'change', summary: '/etc/motd: create', diff: '--- /etc/motd\n+++ /etc/motd (planned)\n@@ -0,0 +1,1 @@\n+hi\n' });
  });

  it('reads the old content only when it differs, for the diff', async () => {
    const host = fakeHost({ probes: { 'file.state:/etc/motd': present('old\n'), 'file.content:/etc/motd': `present\n${Buffer.from('old\n').toString('base64')}\n` } });
    const p = await file.plan(host, { path: '/etc/motd', content: 'new\n' });
    expect(p.kind === 'change' && p.diff).toContain('-old\n+new');
    expect(host.asked).toEqual(['file.state:/etc/motd', 'file.content:/etc/motd']);
  });

  it('fixes only mode and owner when the content matches', async () => {
    const host = fakeHost({ probes: { 'file.state:/etc/x': present('a', '600', 'nobody') } });
    const p = await file.plan(host, { path: '/etc/x', content: 'a', mode: '0644' });
    expect(cmds(p)).toEqual(['chown root:root /etc/x', 'chmod 644 /etc/x']);
  });

  it('hides the diff of secret content', async () => {
    const host = fakeHost({ probes: { 'file.state:/etc/t': 'absent\n' } });
    const p = await file.plan(host, { path: '/etc/t', content: secret('secret-file-value') });
    expect(p.kind === 'change' && p.diff).toContain('(secret content, diff hidden)');
  });

  it('rejects a relative path and a bad mode with the fix', async () => {
    await expect(file.plan(fakeHost(), { path: 'etc/x', content: '' })).rejects.toThrow("file.content: path 'etc/x' is not an absolute file path (expected e.g. /etc/myapp/config.yaml)");
    await expect(file.plan(fakeHost(), { path: '/etc/x', content: '', mode: '644x' })).rejects.toThrow(/mode '644x' is not an octal mode/);
  });

  it('the write command is atomic and exact when run by a shell (binary-safe, odd file names)', async () => {
    const path = join(dir, "sub dir/it's $(x).bin");
    const content = Buffer.from([0, 1, 2, 255, 10, 39, 36, 40]);
    const p = await file.plan(fakeHost({ probes: { [`file.state:${path}`]: 'absent\n' } }), { path, content, mode: '0600' });
    execFileSync('/bin/sh', ['-c', cmds(p).join('\n')]);
    expect(readFileSync(path).equals(content)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(execFileSync('ls', ['-A', join(dir, 'sub dir')], { encoding: 'utf8' })).toBe("it's $(x).bin\n");
  });

  it('writes text through the shell exactly: quotes, expansions, backslashes, % and trailing newlines', async () => {
    const texts = ["it's \"quoted\" $(touch /tmp/pwned) `id` ${HOME} \\n %s %% \\\\ é ✓\n\n\n", '', "'", "''\n'", 'no newline at the end'];
    for (const [i, text] of texts.entries()) {
      const path = join(dir, `text-${i}.conf`);
      const p = await file.plan(fakeHost({ probes: { [`file.state:${path}`]: 'absent\n' } }), { path, content: text, mode: '0640' });
      expect(cmds(p).join('\n')).not.toContain('base64');
      execFileSync('/bin/sh', ['-c', cmds(p).join('\n')]);
      expect(readFileSync(path, 'utf8')).toBe(text);
      expect(statSync(path).mode & 0o777).toBe(0o640);
    }
    // not UTF-8 (a lone 0xff) goes through base64 like any binary
    const path = join(dir, 'latin1.txt');
    const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]);
    const p = await file.plan(fakeHost({ probes: { [`file.state:${path}`]: 'absent\n' } }), { path, content: latin1 });
    expect(cmds(p).join('\n')).toContain('base64 -d');
    execFileSync('/bin/sh', ['-c', cmds(p).join('\n')]);
    expect(readFileSync(path).equals(latin1)).toBe(true);
  });
});
