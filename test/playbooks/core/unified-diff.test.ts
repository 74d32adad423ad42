import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../../playbooks/core';

function gnuDiff(a: string, b: string): string {
  const d = mkdtempSync(join(tmpdir(), 'rb-diff-'));
  try {
    writeFileSync(join(d, 'a'), a);
    writeFileSync(join(d, 'b'), b);
    try {
      execFileSync('diff', ['-u', join(d, 'a'), join(d, 'b')], { encoding: 'utf8' });
      return '';
    } catch (e) {
      return String((e as { stdout: string }).stdout).split('\n').slice(2).join('\n');
    }
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}

const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i}`).join('\n') + '\n';
const cases: [string, string, string][] = [
  ['edit in the middle and the end', lines(30), lines(30).replace('line 4\n', 'line four\n').replace('line 20\n', '') + 'tail\n'],
  ['from empty', '', 'a\nb\n'],
  ['to empty', 'a\nb\n', ''],
  ['nearby changes merge into one hunk', lines(12), lines(12).replace('line 3\n', 'x\n').replace('line 8\n', 'y\n')],
];

describe('unifiedDiff', () => {
  it.each(cases)('matches diff -u hunks: %s', (_name, a, b) => {
    const ours = unifiedDiff(a, b, '/etc/x');
    expect(ours.split('\n').slice(0, 2)).toEqual(['--- /etc/x', '+++ /etc/x (planned)']);
    const body = ours.split('\n').slice(2).join('\n');
    expect(body).toBe(gnuDiff(a, b));
  });
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\n', 'a\n', '/x')).toBe('');
  });
});
