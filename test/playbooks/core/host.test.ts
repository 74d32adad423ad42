/** Host: probe batching and apply scripts, run by a local shell exactly as a remote host runs them. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CommandError, defineFact, Host, sh } from '../../../playbooks/core';
import { LocalTransport } from '../support/local-transport';

const dir = mkdtempSync(join(tmpdir(), 'rb-host-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const inv = { name: 'h', address: '127.0.0.1', port: 22, user: 'root', groups: [], vars: {} };
const newHost = () => new Host(inv, new LocalTransport('h'), { vars: {}, check: false });

const echo = (key: string, text: string, code = 0) => defineFact(key, sh`printf %s ${text}; exit ${code}`, (o) => o);

describe('Host', () => {
  it('fetches many probes in one round trip, keeping stdout and exit codes exact', async () => {
    const host = newHost();
    const facts = [echo('a', 'no newline'), echo('b', 'two\nlines\n'), echo('c', '', 3), echo('d', '@@rb-probe looks like a marker\n')];
    await host.prefetch(facts);
    expect(host.roundTrips).toBe(1);
    expect(await host.fact(facts[0]!)).toEqual({ stdout: 'no newline', exitCode: 0 });
    expect(await host.fact(facts[1]!)).toEqual({ stdout: 'two\nlines\n', exitCode: 0 });
    expect(await host.fact(facts[2]!)).toEqual({ stdout: '', exitCode: 3 });
    expect(await host.fact(facts[3]!)).toEqual({ stdout: '@@rb-probe looks like a marker\n', exitCode: 0 });
    expect(host.roundTrips).toBe(1);
  });

  it('batches undeclared probes asked for in the same tick', async () => {
    const host = newHost();
    const [x, y] = await Promise.all([host.fact(echo('x', '1')), host.fact(echo('y', '2'))]);
    expect([x.stdout, y.stdout]).toEqual(['1', '2']);
    expect(host.roundTrips).toBe(1);
  });

  it('apply runs commands in order, stops at the first failure and names it', async () => {
    const host = newHost();
    const out = join(dir, 'order.txt');
    const err = await host.apply([sh`echo one >> ${out}`, { run: sh`echo broken >&2; exit 7`, display: 'the broken step' }, sh`echo three >> ${out}`]).catch((e) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect(err.message).toMatch(/host 'h': command exited with code 7: the broken step/);
    expect(err.stderrTail).toBe('broken');
    expect(readFileSync(out, 'utf8')).toBe('one\n');
  });

  it('apply re-probes in the same round trip and refreshes the cache', async () => {
    const host = newHost();
    const path = join(dir, 'state.txt');
    const state = defineFact('state', sh`cat ${path} 2>/dev/null || echo absent`, (o) => o.stdout.trim());
    expect(await host.fact(state)).toBe('absent');
    await host.apply([sh`echo present > ${path}`], [], [state]);
    expect(host.roundTrips).toBe(2);
    expect(await host.fact(state)).toBe('present');
    expect(host.roundTrips).toBe(2);
  });

  it('refuses to apply in check mode', async () => {
    const host = new Host(inv, new LocalTransport('h'), { vars: {}, check: true });
    await expect(host.apply(['true'])).rejects.toThrow(/check mode/);
  });
});
