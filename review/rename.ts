/**
 * Rename detection: a removed and an added object of the same kind whose content is mostly the same
 * (ignoring name and namespace) are one object renamed or moved. Similarity is the Dice coefficient of
 * the two objects' leaves (`path=value`, list entries by their key, config files line by line).
 */
import { isRecord, type ObjectRef, type SourcedObject } from './k8s-object';
import { canonical, keySegment, listIdentity } from './list-identity';

/** Below this similarity a removed and an added object are reported as such, not as a rename. */
export const RENAME_THRESHOLD = 0.6;

const IGNORED = new Set(['metadata.name', 'metadata.namespace']);

export function leaves(value: unknown): Set<string> {
  const out = new Set<string>();
  const visit = (node: unknown, path: string, fieldPath: string): void => {
    if (IGNORED.has(fieldPath)) return;
    if (isRecord(node)) {
      for (const [key, inner] of Object.entries(node)) visit(inner, `${path}.${key}`, fieldPath === '' ? key : `${fieldPath}.${key}`);
    } else if (Array.isArray(node)) {
      const identity = listIdentity(node, []);
      node.forEach((item, index) => {
        const key = identity.by === 'field' ? keySegment(identity.keyOf(item)) : identity.by === 'content' ? `[${canonical(item)}]` : `[${index}]`;
        visit(item, `${path}${key}`, fieldPath);
      });
    } else if (typeof node === 'string' && node.includes('\n')) {
      for (const line of node.split('\n')) out.add(`${path}|${line}`);
    } else {
      out.add(`${path}=${canonical(node)}`);
    }
  };
  visit(value, '', '');
  return out;
}

export function similarity(a: unknown, b: unknown): number {
  const left = leaves(a);
  const right = leaves(b);
  if (left.size + right.size === 0) return 1;
  let common = 0;
  for (const leaf of left) if (right.has(leaf)) common++;
  return (2 * common) / (left.size + right.size);
}

export interface RenamePair {
  readonly removed: SourcedObject;
  readonly added: SourcedObject;
  readonly similarity: number;
}

const sameKind = (a: ObjectRef, b: ObjectRef): boolean => a.group === b.group && a.kind === b.kind && a.scope === b.scope;

/** Pairs removed with added objects, best matches first; each object is in at most one pair. */
export function detectRenames(removed: readonly SourcedObject[], added: readonly SourcedObject[]): RenamePair[] {
  const candidates: RenamePair[] = [];
  for (const r of removed) {
    for (const a of added) {
      if (!sameKind(r.ref, a.ref)) continue;
      const score = similarity(r.object, a.object);
      if (score >= RENAME_THRESHOLD) candidates.push({ removed: r, added: a, similarity: score });
    }
  }
  candidates.sort((x, y) => y.similarity - x.similarity);
  const used = new Set<SourcedObject>();
  const pairs: RenamePair[] = [];
  for (const pair of candidates) {
    if (used.has(pair.removed) || used.has(pair.added)) continue;
    used.add(pair.removed);
    used.add(pair.added);
    pairs.push(pair);
  }
  return pairs;
}
