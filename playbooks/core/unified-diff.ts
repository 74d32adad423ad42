/**
 * A small unified diff (like `diff -u`) between two texts, for file plans. Myers-free: an LCS table over lines,
 * which is plenty for config files; very large inputs fall back to a whole-file replacement diff.
 */
export function unifiedDiff(oldText: string, newText: string, path: string, context = 3): string {
  if (oldText === newText) return '';
  const a = splitLines(oldText);
  const b = splitLines(newText);
  const ops = a.length * b.length > 4_000_000 ? replaceAll(a, b) : lcsOps(a, b);
  const header = `--- ${path}\n+++ ${path} (planned)\n`;
  const hunks: string[] = [];
  let i = 0;
  while (i < ops.length) {
    while (i < ops.length && ops[i]!.op === ' ') i++;
    if (i >= ops.length) break;
    let start = Math.max(0, i - context);
    let end = i;
    // Extend the hunk while changes are within 2*context lines of each other.
    while (end < ops.length) {
      let j = end;
      while (j < ops.length && ops[j]!.op !== ' ') j++;
      let k = j;
      while (k < ops.length && ops[k]!.op === ' ' && k - j < 2 * context) k++;
      if (k < ops.length && ops[k]!.op !== ' ') end = k;
      else {
        end = Math.min(ops.length, j + context);
        break;
      }
    }
    const slice = ops.slice(start, end);
    const aStart = ops.slice(0, start).filter((o) => o.op !== '+').length;
    const bStart = ops.slice(0, start).filter((o) => o.op !== '-').length;
    const aLen = slice.filter((o) => o.op !== '+').length;
    const bLen = slice.filter((o) => o.op !== '-').length;
    hunks.push(`@@ -${aLen ? aStart + 1 : aStart},${aLen} +${bLen ? bStart + 1 : bStart},${bLen} @@\n${slice.map((o) => `${o.op}${o.line}`).join('\n')}\n`);
    i = end;
    start = end;
  }
  const noEol = (t: string) => (t !== '' && !t.endsWith('\n') ? '\\ No newline at end of file\n' : '');
  return header + hunks.join('') + (noEol(oldText) || noEol(newText));
}

interface Op {
  readonly op: ' ' | '-' | '+';
  readonly line: string;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  return text.replace(/\n$/, '').split('\n');
}

function replaceAll(a: string[], b: string[]): Op[] {
  return [...a.map((line) => ({ op: '-' as const, line })), ...b.map((line) => ({ op: '+' as const, line }))];
}

function lcsOps(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const table = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i]![j] = a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push({ op: ' ', line: a[i]! });
      i++;
      j++;
    } else if (table[i + 1]![j]! >= table[i]![j + 1]!) ops.push({ op: '-', line: a[i++]! });
    else ops.push({ op: '+', line: b[j++]! });
  }
  while (i < n) ops.push({ op: '-', line: a[i++]! });
  while (j < m) ops.push({ op: '+', line: b[j++]! });
  return ops;
}
