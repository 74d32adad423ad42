/** The fixture other integration tests use: a lab up for the whole file, down afterwards. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labStatus } from '../../lab';
import { useLab } from '../support/lab';

const lab = useLab({ id: 'lab-fixture', hosts: 1 });

describe('useLab', () => {
  it('is up before the tests, with its dir, keys and hosts', async () => {
    expect(lab.dir).toMatch(/\/\.lab\/lab-fixture$/);
    expect(existsSync(join(lab.dir, 'lab.region.json'))).toBe(true);
    expect(existsSync(lab.privateKeyPath)).toBe(true);
    expect(lab.knownHostsPath).toBe(join(lab.dir, 'known_hosts'));
    expect(lab.hosts).toEqual([expect.objectContaining({ name: 'lab-1', pool: 'ctrl', publicIp: lab.info.hosts[0]?.publicIp })]);
    expect((await labStatus('lab-fixture')).hosts.map((h) => h.sshReady)).toEqual([true]);
  });

  it('runs commands on a host by name, and names a host that does not exist', async () => {
    const r = await lab.ssh('lab-1', 'hostname; exit 3');
    expect(r).toMatchObject({ code: 3, stdout: 'lab-1\n' });
    expect(() => lab.ssh('lab-9', 'true')).toThrow("useLab('lab-fixture'): no host 'lab-9' (hosts: lab-1)");
  });

  it('stops and starts a host', async () => {
    await lab.stop('lab-1');
    expect((await lab.ssh('lab-1', 'true', 8)).code).toBe(255);
    await lab.start('lab-1');
    expect((await lab.ssh('lab-1', 'true')).code).toBe(0);
  }, 90_000);
});
