import { describe, expect, it } from 'vitest';
import { CommandError, ConnectionError, ValidationError, redact, redactDeep, secret } from '../../../playbooks/core';

describe('secret redaction', () => {
  const s = secret('Tr0ub4dor&3-"x"');

  it('a Secret prints as *** in strings, JSON and inspect', () => {
    expect(String(s)).toBe('***');
    expect(JSON.stringify({ s })).toBe('{"s":"***"}');
    expect(s.reveal()).toBe('Tr0ub4dor&3-"x"');
  });

  it('redact() hides the raw, JSON-escaped and shell-quoted forms', () => {
    expect(redact('token=Tr0ub4dor&3-"x" end')).toBe('token=*** end');
    expect(redact(JSON.stringify({ v: 'Tr0ub4dor&3-"x"' }))).toBe('{"v":"***"}');
    expect(redactDeep({ a: ['x Tr0ub4dor&3-"x" y'], b: 1 })).toEqual({ a: ['x *** y'], b: 1 });
  });

  it('error messages are redacted when built', () => {
    const e = new CommandError({ host: 'h', command: 'echo Tr0ub4dor&3-"x"', exitCode: 1, stderr: 'bad Tr0ub4dor&3-"x"' });
    expect(e.message).not.toContain('Tr0ub4dor');
    expect(e.message).toContain('***');
    expect(e.command).toBe('echo ***');
    expect(new ValidationError('v Tr0ub4dor&3-"x"').message).toBe('v ***');
    expect(new ConnectionError('h', 'auth', 'k Tr0ub4dor&3-"x"').message).toContain('***');
  });

  it('refuses secrets so short they would redact ordinary text', () => {
    expect(() => secret('ab')).toThrow(/at least 4 characters/);
  });
});
