import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { factsScript, parseFacts, parseInterfaces } from '../../../playbooks/core';

const M = '@@rb-fact';
const canned = (virt: string, k3s = '') => [
  `${M} os`, 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"', 'ID=debian', 'VERSION_ID="12"', 'VERSION_CODENAME=bookworm',
  `${M} arch`, 'x86_64',
  `${M} kernel`, '6.1.0-28-amd64',
  `${M} hostname`, 'lab-1',
  `${M} mem`, 'MemTotal:        8000000 kB', 'MemAvailable:    4000000 kB',
  `${M} addr`, '1: lo    inet 127.0.0.1/8 scope host lo', '2: host0    inet 10.213.7.11/24 brd 10.213.7.255 scope global host0', '2: host0    inet6 fe80::1/64 scope link',
  `${M} link`, 'lo 00:00:00:00:00:00 65536 0x9', 'host0 0a:00:00:00:00:0b 1400 0x1003', 'garbage line',
  `${M} systemd`, 'running', 'systemd 252',
  `${M} virt`, ...virt.split(' '),
  `${M} k3s`, ...(k3s ? [k3s] : []),
  `${M} user`, 'root',
  `${M} x:pending`, 'Restart k3s',
  `${M} end`, '',
].join('\n');

describe('facts', () => {
  it('parses a container (lab host)', () => {
    const { facts, extra } = parseFacts('lab-1', canned('container=systemd-nspawn'));
    expect(facts.virtualization).toBe('container');
    expect(facts.virtualizationType).toBe('systemd-nspawn');
    expect(facts.os).toEqual({ id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)' });
    expect(facts.memory.totalBytes).toBe(8000000 * 1024);
    expect(facts.systemd).toEqual({ running: true, version: 252 });
    expect(facts.k3sVersion).toBeNull();
    expect(facts.interfaces.find((i) => i.name === 'host0')).toEqual({
      name: 'host0', up: true, mtu: 1400, mac: '0a:00:00:00:00:0b',
      addresses: [{ family: 'inet', address: '10.213.7.11', prefixLength: 24 }, { family: 'inet6', address: 'fe80::1', prefixLength: 64 }],
    });
    expect(extra.pending).toBe('Restart k3s');
  });

  it('tells vm and none apart and reads the k3s version', () => {
    expect(parseFacts('h', canned('vm=kvm', 'k3s version v1.28.15+k3s1 (869dd4d6)')).facts).toMatchObject({ virtualization: 'vm', virtualizationType: 'kvm', k3sVersion: 'v1.28.15+k3s1' });
    expect(parseFacts('h', canned('vm=none')).facts.virtualization).toBe('none');
  });

  it('fails clearly on truncated output', () => {
    expect(() => parseFacts('h', `${M} os\nID=debian\n`)).toThrow(/host 'h': fact gathering returned incomplete output/);
  });

  it('the gather script runs in one shell on this machine and parses', () => {
    const out = execFileSync('/bin/sh', ['-c', factsScript({ pending: 'echo a; echo b' })], { encoding: 'utf8' });
    const { facts, extra } = parseFacts('local', out);
    expect(facts.arch).toBe(execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim());
    expect(facts.kernel).toBe(execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim());
    expect(facts.interfaces.some((i) => i.name === 'lo')).toBe(true);
    expect(extra.pending).toBe('a\nb');
  });

  it('parseInterfaces ignores noise', () => {
    expect(parseInterfaces('garbage', 'more garbage')).toEqual([]);
  });
});
