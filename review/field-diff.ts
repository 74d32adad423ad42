/**
 * Field-level diff of two values (two versions of one object). Maps are compared key by key, lists entry
 * by entry matched as list-identity.ts says, multi-line strings line by line. The result is a flat list
 * of changes with readable paths: `spec.template.spec.containers[gitea].image`.
 */
import { isRecord } from './k8s-object';
import { lineDiff, type LineChange } from './line-diff';
import { canonical, keySegment, listIdentity } from './list-identity';

export interface FieldChange {
  /** Display path, with list entries shown by their key: `spec.template.spec.containers[gitea].image`. */
  readonly path: string;
  /** The same path without list selectors, for rules: `spec.template.spec.containers.image`. */
  readonly fieldPath: string;
  /** `reordered`: the same scalar entries in another order (order matters for e.g. args). */
  readonly op: 'added' | 'removed' | 'changed' | 'reordered';
  readonly old?: unknown;
  readonly new?: unknown;
  /** For multi-line strings: the changed lines with a little context. */
  readonly lines?: readonly LineChange[];
}

interface Where {
  readonly path: string;
  readonly fieldPath: string;
}

const ROOT: Where = { path: '', fieldPath: '' };

export function diffValues(oldValue: unknown, newValue: unknown, ignore: readonly string[] = []): FieldChange[] {
  const out: FieldChange[] = [];
  walk(oldValue, newValue, ROOT, out, new Set(ignore));
  return out;
}

function child(where: Where, key: string): Where {
  const segment = /^[A-Za-z_][\w-]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  const joined = (base: string): string => (base === '' ? segment : segment.startsWith('[') ? `${base}${segment}` : `${base}.${segment}`);
  return { path: joined(where.path), fieldPath: where.fieldPath === '' ? key : `${where.fieldPath}.${key}` };
}

function entry(where: Where, segment: string): Where {
  return { path: `${where.path}${segment}`, fieldPath: where.fieldPath };
}

function walk(a: unknown, b: unknown, where: Where, out: FieldChange[], ignore: ReadonlySet<string>): void {
  if (ignore.has(where.fieldPath)) return;
  if (a === undefined && b === undefined) return;
  if (a === undefined) {
    out.push({ ...where, op: 'added', new: b });
    return;
  }
  if (b === undefined) {
    out.push({ ...where, op: 'removed', old: a });
    return;
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const key of keys) walk(a[key], b[key], child(where, key), out, ignore);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    walkList(a, b, where, out, ignore);
    return;
  }
  if (typeof a === 'string' && typeof b === 'string' && a !== b && (a.includes('\n') || b.includes('\n'))) {
    out.push({ ...where, op: 'changed', old: a, new: b, lines: lineDiff(a, b) });
    return;
  }
  if (canonical(a) !== canonical(b)) out.push({ ...where, op: 'changed', old: a, new: b });
}

function walkList(a: readonly unknown[], b: readonly unknown[], where: Where, out: FieldChange[], ignore: ReadonlySet<string>): void {
  const identity = listIdentity(a, b);
  if (identity.by === 'field') {
    const oldByKey = new Map(a.map((item) => [identity.keyOf(item), item]));
    const newByKey = new Map(b.map((item) => [identity.keyOf(item), item]));
    const keys = [...new Set([...oldByKey.keys(), ...newByKey.keys()])];
    for (const key of keys) walk(oldByKey.get(key), newByKey.get(key), entry(where, keySegment(key)), out, ignore);
    return;
  }
  if (identity.by === 'content') {
    // Entries equal on both sides match wherever they sit; the rest are shown as removed / added.
    const remaining = new Map<string, number>();
    for (const item of b) remaining.set(canonical(item), (remaining.get(canonical(item)) ?? 0) + 1);
    const removed: Array<[number, unknown]> = [];
    a.forEach((item, index) => {
      const key = canonical(item);
      const left = remaining.get(key) ?? 0;
      if (left > 0) remaining.set(key, left - 1);
      else removed.push([index, item]);
    });
    const unmatched = new Map<string, number>();
    for (const item of a) unmatched.set(canonical(item), (unmatched.get(canonical(item)) ?? 0) + 1);
    const added: Array<[number, unknown]> = [];
    b.forEach((item, index) => {
      const key = canonical(item);
      const left = unmatched.get(key) ?? 0;
      if (left > 0) unmatched.set(key, left - 1);
      else added.push([index, item]);
    });
    // One removed and one added entry at the same place: show it as an entry that changed.
    if (removed.length === 1 && added.length === 1 && isRecord(removed[0]![1]) && isRecord(added[0]![1])) {
      walk(removed[0]![1], added[0]![1], entry(where, `[${added[0]![0]}]`), out, ignore);
      return;
    }
    for (const [index, item] of removed) out.push({ ...entry(where, `[${index}]`), op: 'removed', old: item });
    for (const [index, item] of added) out.push({ ...entry(where, `[${index}]`), op: 'added', new: item });
    return;
  }
  // Scalars: entries that left or arrived are shown one by one (`- path: value`); the same entries in
  // another order are a reorder, which matters for args and command.
  if (canonical(a) === canonical(b)) return;
  const countOf = (list: readonly unknown[]): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const item of list) counts.set(canonical(item), (counts.get(canonical(item)) ?? 0) + 1);
    return counts;
  };
  const inA = countOf(a);
  const inB = countOf(b);
  const leftB = new Map(inB);
  const kept: unknown[] = [];
  for (const item of a) {
    const left = leftB.get(canonical(item)) ?? 0;
    if (left > 0) {
      leftB.set(canonical(item), left - 1);
      kept.push(item);
    } else out.push({ ...where, op: 'removed', old: item });
  }
  const leftA = new Map(inA);
  const keptB: unknown[] = [];
  for (const item of b) {
    const left = leftA.get(canonical(item)) ?? 0;
    if (left > 0) {
      leftA.set(canonical(item), left - 1);
      keptB.push(item);
    } else out.push({ ...where, op: 'added', new: item });
  }
  if (canonical(kept) !== canonical(keptB)) out.push({ ...where, op: 'reordered', old: a, new: b });
}
