/**
 * A line diff (longest common subsequence) for multi-line string values such as a ConfigMap's config
 * file, so a reviewer sees the lines that changed instead of two long strings.
 */
export interface LineChange {
  readonly op: '+' | '-' | ' ';
  readonly text: string;
}

/** Lines of context kept around each change. */
const CONTEXT = 2;
/** Above this many lines on both sides the quadratic table is skipped and the texts are shown whole. */
const MAX_LINES = 4000;

export function lineDiff(oldText: string, newText: string): LineChange[] {
  const a = oldText.split('\n');
  const b = newText.split('\n');
  if (a.length * b.length > MAX_LINES * MAX_LINES) {
    return [...a.map((text) => ({ op: '-' as const, text })), ...b.map((text) => ({ op: '+' as const, text }))];
  }
  // lcs[i][j] = length of the LCS of a[i..] and b[j..]
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    const row = lcs[i]!;
    const next = lcs[i + 1]!;
    for (let j = b.length - 1; j >= 0; j--) {
      row[j] = a[i] === b[j] ? next[j + 1]! + 1 : Math.max(next[j]!, row[j + 1]!);
    }
  }
  const all: LineChange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      all.push({ op: ' ', text: a[i]! });
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) {
      all.push({ op: '-', text: a[i++]! });
    } else {
      all.push({ op: '+', text: b[j++]! });
    }
  }
  while (i < a.length) all.push({ op: '-', text: a[i++]! });
  while (j < b.length) all.push({ op: '+', text: b[j++]! });
  return trimContext(all);
}

function trimContext(all: readonly LineChange[]): LineChange[] {
  const keep = all.map(() => false);
  all.forEach((line, index) => {
    if (line.op === ' ') return;
    for (let k = Math.max(0, index - CONTEXT); k <= Math.min(all.length - 1, index + CONTEXT); k++) keep[k] = true;
  });
  const out: LineChange[] = [];
  let skipped = false;
  all.forEach((line, index) => {
    if (keep[index]) {
      out.push(line);
      skipped = false;
    } else if (!skipped) {
      out.push({ op: ' ', text: '...' });
      skipped = true;
    }
  });
  return out;
}
