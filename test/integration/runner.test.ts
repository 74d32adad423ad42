/**
 * The runner against real lab hosts (systemd-nspawn containers with sshd): idempotence, check and diff mode,
 * handlers (including a notification that survives a failure), secrets, quoting, and an unreachable host.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegion } from '../../regions/load';
import type { Region } from '../../regions/types';
import benchPlay from '../../playbooks/bench-play';
import { createReporter, definePlaybook, handler, runPlaybook, secret, sh, sshConnector, step, type Playbook, type RunEvent, type RunOptions } from '../../playbooks/core';
import { inventoryFromRegion } from '../../playbooks/inventory';
import { command, file } from '../../playbooks/tasks';
import { main as playCli } from '../../cli/play';
import { useLab } from '../support/lab';
import { checkDifferences } from './playbooks-support';

const lab = useLab({ id: 'runner-it', hosts: 3 });
let region: Region;
let dir: string;
beforeAll(async () => {
  region = await loadRegion('lab', { labDir: lab.dir });
  dir = mkdtempSync(join(tmpdir(), 'rb-runner-it-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function play(pb: Playbook, opts: Partial<RunOptions> & { log?: string } = {}) {
  const { inventory, ssh } = inventoryFromRegion(region);
  const connect = sshConnector(ssh);
  const events: RunEvent[] = [];
  let printed = '';
  const reporter = createReporter({ out: { write: (t: string) => (printed += t) }, tty: false, ...(opts.log ? { logFile: opts.log } : {}) });
  try {
    const result = await runPlaybook(pb, inventory, { connect, ...opts, onEvent: (e) => { events.push(e); reporter.onEvent(e); } });
    const results = events.filter((e): e is Extract<RunEvent, { type: 'task.result' }> => e.type === 'task.result');
    return { result, events, results, printed, changed: Object.values(result.recap).reduce((n, r) => n + r.changed, 0) };
  } finally {
    reporter.close();
    await connect.close();
  }
}

/** A fingerprint of everything bench-play touches on a host. */
async function touched(host: string): Promise<string> {
  const r = await lab.ssh(host, [
    'for p in /etc/rb-bench /etc/sysctl.d /etc/modules-load.d /etc/systemd/system/rb-bench.service; do [ -e "$p" ] && find "$p" -type f -exec sha256sum {} + | sort || echo "absent $p"; done',
    'getent passwd rbbench || echo no-user',
    'sysctl -n net.ipv4.ip_forward net.ipv4.conf.all.rp_filter net.core.somaxconn',
    'systemctl is-enabled rb-bench.service 2>&1; systemctl is-active rb-bench.service 2>&1',
    'cat /var/lib/region-bootstrapper/pending-handlers 2>&1',
  ].join('; '));
  return r.stdout;
}

const TOKEN = 'tok-3n5$(id)"x"';
const LITERAL = `it's "quoted" $(touch /tmp/pwned) \`id\` a  b`;
const VARS = () => ({ benchToken: secret(TOKEN), benchLiteral: LITERAL });

describe('runner on lab hosts', () => {
  it('check mode changes nothing on the hosts', { timeout: 120_000 }, async () => {
    const before = await Promise.all(lab.hosts.map((h) => touched(h.name)));
    // and a sentinel: no file or directory under what the play manages is newer (mtime or ctime) than it
    for (const h of lab.hosts) expect((await lab.ssh(h.name, 'touch /run/rb-check-sentinel')).code).toBe(0);
    const { result, changed } = await play(benchPlay, { check: true });
    expect(result.ok).toBe(true);
    expect(changed).toBeGreaterThanOrEqual(3 * 12);
    const after = await Promise.all(lab.hosts.map((h) => touched(h.name)));
    expect(after).toEqual(before);
    for (const h of lab.hosts) {
      const written = await lab.ssh(h.name, 'find /etc /usr/local /var/lib/region-bootstrapper \\( -newer /run/rb-check-sentinel -o -cnewer /run/rb-check-sentinel \\) -print 2>/dev/null || true');
      expect(written.stdout, `${h.name}: written by a check run`).toBe('');
    }
    expect(before[0]).toContain('absent /etc/rb-bench');
  });

  it('a play run twice reports changes, then zero changes; secrets stay out of output and log; values arrive literally', { timeout: 180_000 }, async () => {
    const log = join(dir, 'run.ndjson');
    const vars = VARS();
    const check = await play(benchPlay, { vars, check: true });
    const first = await play(benchPlay, { vars, log, diff: true });
    expect(first.result.ok, first.printed).toBe(true);
    // --check reported exactly what the run then did, step by step (status, and the summary of every change)
    expect(checkDifferences(check, first)).toEqual([]);
    expect(check.results.filter((r) => r.status === 'changed').length).toBe(first.changed);
    for (const h of lab.hosts) expect(first.result.recap[h.name]!.changed).toBeGreaterThanOrEqual(12);
    const second = await play(benchPlay, { vars, log, diff: true });
    expect(second.result.ok).toBe(true);
    expect(second.changed, second.printed).toBe(0);
    // facts and every probe in one round trip per host, whatever the number of tasks; the first run acted in one more
    for (const h of lab.hosts) expect(second.result.roundTrips[h.name]).toBe(1);
    for (const h of lab.hosts) expect(first.result.roundTrips[h.name]).toBe(2);

    const onHost = await lab.ssh('lab-1', 'cat /etc/rb-bench/token.env /etc/rb-bench/literal.txt; ls /tmp/pwned 2>&1');
    expect(onHost.stdout).toContain(`BENCH_TOKEN=${TOKEN}\n${LITERAL}\n`);
    expect(onHost.stdout).toContain('No such file');
    const text = `${first.printed}${second.printed}${readFileSync(log, 'utf8')}`;
    expect(text).toContain('BENCH_TOKEN=***');
    expect(text).not.toContain('tok-3n5');
  });

  it('diff mode shows the file diff', { timeout: 120_000 }, async () => {
    const { results } = await play(benchPlay, { check: true, diff: true, vars: { ...VARS(), benchMotd: 'Now with a diff.' }, limit: ['lab-2'] });
    const motd = results.find((r) => r.task === 'Write the motd');
    expect(motd?.status).toBe('changed');
    expect(motd?.diff).toBe('--- /etc/rb-bench/motd.txt\n+++ /etc/rb-bench/motd.txt (planned)\n@@ -1,1 +1,1 @@\n-Managed by region-bootstrapper.\n+Now with a diff.\n');
    expect(results.filter((r) => r.status === 'changed').map((r) => r.task)).toEqual(['Write the motd']);
  });

  it('a handler runs exactly when its task changed, and a notification survives a later failure', { timeout: 180_000 }, async () => {
    const pb = (content: string, fail = false) => definePlaybook({
      name: 'handlers', description: 'test',
      plays: [{
        name: 'Handlers', hosts: 'lab-1',
        steps: [
          step('Write the watched file', file, { path: '/etc/rb-bench/watched.conf', content }, { notify: 'Count' }),
          step('Maybe fail', command, { command: fail ? 'echo planned failure >&2; exit 3' : 'true', summary: 'maybe fail' }),
        ],
        handlers: [handler('Count', command, { command: sh`echo ran >> /root/handler.log` })],
      }],
    });
    const count = async () => (await lab.ssh('lab-1', 'cat /root/handler.log 2>/dev/null | wc -l')).stdout.trim();
    await play(pb('a\n'));
    expect(await count()).toBe('1');
    await play(pb('a\n'));
    expect(await count()).toBe('1');
    await play(pb('b\n'));
    expect(await count()).toBe('2');
    const failed = await play(pb('c\n', true));
    expect(failed.result.ok).toBe(false);
    expect(failed.results.find((r) => r.status === 'failed')?.error).toMatch(/command exited with code 3: echo planned failure >&2; exit 3\n\s+stderr: planned failure/);
    expect(await count()).toBe('2');
    expect((await lab.ssh('lab-1', 'cat /var/lib/region-bootstrapper/pending-handlers')).stdout).toBe('Count\n');
    const next = await play(pb('c\n'));
    expect(next.results.find((r) => r.task === 'Write the watched file')?.status).toBe('ok');
    expect(next.results.find((r) => r.handler)?.status).toBe('changed');
    expect(await count()).toBe('3');
    expect((await lab.ssh('lab-1', 'cat /var/lib/region-bootstrapper/pending-handlers')).stdout).toBe('');
  });

  it('a stopped host is reported unreachable, the others finish, and the CLI exits non-zero', { timeout: 180_000 }, async () => {
    await lab.stop('lab-3');
    const { result, events } = await play(benchPlay, { vars: VARS() });
    expect(result.ok).toBe(false);
    expect(result.recap['lab-3']).toEqual({ ok: 0, changed: 0, failed: 0, unreachable: 1, skipped: 0 });
    expect(result.recap['lab-1']!.ok).toBe(15);
    expect(result.recap['lab-2']!.ok).toBe(15);
    expect(events.some((e) => e.type === 'host.unreachable' && e.host === 'lab-3')).toBe(true);
    const log = join(dir, 'cli.ndjson');
    const code = await playCli(['lab', 'bench-play', '--lab-dir', lab.dir, '--log', log]);
    expect(code).toBe(3);
    const end = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).at(-1);
    expect(end).toMatchObject({ type: 'run.end', ok: false });
  });
});
