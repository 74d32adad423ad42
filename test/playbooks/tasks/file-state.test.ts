/** The file.state probe, alone and grouped (one stat + one sha256sum for a batch), on real files. */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Host, probeScript } from '../../../playbooks/core';
import { fileState } from '../../../playbooks/tasks';
import { LocalTransport } from '../support/local-transport';

const dir = mkdtempSync(join(tmpdir(), 'rb-fstate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const user = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
const group = execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();

describe('file.state', () => {
  const paths = {
    file: join(dir, 'a.txt'),
    odd: join(dir, `it's a "file" $(x).conf`),
    dir: join(dir, 'sub'),
    link: join(dir, 'link'),
    absent: join(dir, 'nope'),
  };
  writeFileSync(paths.file, 'hello\n');
  chmodSync(paths.file, 0o640);
  writeFileSync(paths.odd, '');
  mkdirSync(paths.dir, { mode: 0o750 });
  symlinkSync(paths.file, paths.link);

  it('grouped probes give exactly what single probes give, in one process pair', async () => {
    const facts = Object.values(paths).map(fileState);
    expect(probeScript(facts, 't').match(/sha256sum/g)).toHaveLength(1);
    const grouped = new Host({ name: 'h', address: '', port: 22, user: 'root', groups: [], vars: {} }, new LocalTransport('h'), { vars: {}, check: false });
    await grouped.prefetch(facts);
    const results = await Promise.all(facts.map((f) => grouped.fact(f)));
    const single = await Promise.all(facts.map(async (f) => {
      const h = new Host({ name: 'h', address: '', port: 22, user: 'root', groups: [], vars: {} }, new LocalTransport('h'), { vars: {}, check: false });
      return h.fact({ ...f, group: undefined } as typeof f);
    }));
    expect(results).toEqual(single);
    expect(results[0]).toEqual({ kind: 'file', mode: '640', owner: user, group, size: 6, sha256: '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03' });
    expect(results[1]).toMatchObject({ kind: 'file', size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' });
    expect(results[2]).toMatchObject({ kind: 'directory', mode: '750' });
    expect(results[3]).toEqual({ kind: 'link' });
    expect(results[4]).toEqual({ kind: 'absent' });
  });
});

describe('sysctl.value', () => {
  it('grouped: one sysctl call, unknown keys are null, multi-value keys normalised', async () => {
    const { sysctlValue } = await import('../../../playbooks/tasks');
    const facts = ['net.ipv4.ip_forward', 'net.ipv4.tcp_rmem', 'net.nope.missing', 'net.core.somaxconn'].map(sysctlValue);
    expect(probeScript(facts, 't').match(/sysctl /g)).toHaveLength(1);
    const host = new Host({ name: 'h', address: '', port: 22, user: 'root', groups: [], vars: {} }, new LocalTransport('h'), { vars: {}, check: false });
    await host.prefetch(facts);
    const values = await Promise.all(facts.map((f) => host.fact(f)));
    const real = (k: string) => execFileSync('sysctl', ['-n', k], { encoding: 'utf8' }).trim().split(/\s+/).join(' ');
    expect(values).toEqual([real('net.ipv4.ip_forward'), real('net.ipv4.tcp_rmem'), null, real('net.core.somaxconn')]);
    expect(values[1]).toMatch(/^\d+ \d+ \d+$/);
  });
});
