import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { quote, raw, secret, sh, shRaw } from '../../../playbooks/core';

/** What a POSIX shell makes of a command: the words printf receives, one per line. */
function words(command: string): string[] {
  return execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${command}`], { encoding: 'utf8' }).split('\0').slice(0, -1);
}

const nasty = [`it's`, `a "b" c`, '$(touch /tmp/rb-quote-pwned)', '`id`', 'semi; rm -rf /', 'new\nline', '', '*', '$HOME', `'\\'`, 'tab\there'];

describe('quote / sh', () => {
  it('leaves safe words bare and quotes the rest', () => {
    expect(quote('/etc/hosts')).toBe('/etc/hosts');
    expect(quote('net.ipv4.ip_forward=1')).toBe('net.ipv4.ip_forward=1');
    expect(quote("it's")).toBe(`'it'\\''s'`);
    expect(quote('')).toBe(`''`);
  });

  it.each(nasty)('a value reaches the shell literally: %j', (value) => {
    expect(words(sh`${value}`)).toEqual([value]);
  });

  it('turns arrays into several words and nests sh fragments through shRaw/raw', () => {
    expect(words(sh`${['a b', 'c']} ${shRaw`${"d'e"}`} ${raw('f g')}`)).toEqual(['a b', 'c', "d'e", 'f', 'g']);
  });

  it('reveals a secret only inside the command text', () => {
    const s = secret('pa ss$(word)');
    expect(`${s}`).toBe('***');
    expect(words(sh`${s}`)).toEqual(['pa ss$(word)']);
  });
});
