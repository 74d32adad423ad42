import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fingerprint, hostKeyAlgorithms, KnownHosts, knownHostsName, keyType } from '../../../playbooks/core';

const dir = mkdtempSync(join(tmpdir(), 'rb-kh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function newKey(name: string, type = 'ed25519'): { line: string; blob: Buffer; sshKeygenFp: string } {
  const f = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', f]);
  const pub = readFileSync(`${f}.pub`, 'utf8').trim();
  const fp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${f}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  return { line: pub, blob: Buffer.from(pub.split(' ')[1]!, 'base64'), sshKeygenFp: fp };
}

describe('known_hosts', () => {
  const a = newKey('a');
  const b = newKey('b', 'ecdsa');

  it('fingerprints like ssh-keygen -l and reads the key type from the blob', () => {
    expect(fingerprint(a.blob)).toBe(a.sshKeygenFp);
    expect(fingerprint(b.blob)).toBe(b.sshKeygenFp);
    expect(keyType(a.blob)).toBe('ssh-ed25519');
    expect(keyType(b.blob)).toBe('ecdsa-sha2-nistp256');
  });

  it('looks up plain, [host]:port, comma-list and hashed entries', () => {
    const path = join(dir, 'kh1');
    writeFileSync(path, `# comment\n10.0.0.1 ${a.line}\n[10.0.0.2]:2222,other ${b.line}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', path], { stdio: 'ignore' }); // hashes every host name, like HashKnownHosts yes
    const kh = KnownHosts.load(path);
    expect(kh.lookup(knownHostsName('10.0.0.1', 22)).map((k) => k.type)).toEqual(['ssh-ed25519']);
    expect(kh.lookup(knownHostsName('10.0.0.2', 2222))[0]?.blob.equals(b.blob)).toBe(true);
    expect(kh.lookup('other')).toHaveLength(1);
    expect(kh.lookup('10.0.0.2')).toEqual([]);
  });

  it('adds, replaces and saves atomically, readable by ssh-keygen -F', () => {
    const path = join(dir, 'kh2');
    const kh = KnownHosts.load(path);
    kh.add('[127.0.0.1]:2299', a.blob);
    kh.save();
    expect(execFileSync('ssh-keygen', ['-F', '[127.0.0.1]:2299', '-f', path], { encoding: 'utf8' })).toContain(a.line.split(' ')[1]);
    const again = KnownHosts.load(path);
    again.remove('[127.0.0.1]:2299', 'ssh-ed25519');
    again.add('[127.0.0.1]:2299', b.blob);
    again.save();
    expect(readFileSync(path, 'utf8')).toBe(`[127.0.0.1]:2299 ${b.line.split(' ').slice(0, 2).join(' ')}\n`);
  });

  it('offers RSA keys with the SHA-2 signature algorithms', () => {
    expect(hostKeyAlgorithms(['ssh-rsa', 'ssh-ed25519'])).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519']);
  });
});
