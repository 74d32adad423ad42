/** Rendering of values and paths shared by the formatters. */
import { displayRef, type ObjectRef } from '../k8s-object';
import type { FieldChange } from '../field-diff';
import type { ObjectChange } from '../review-model';

/** A value on one line: plain when unambiguous, JSON otherwise. */
export function formatValue(value: unknown): string {
  if (value === undefined) return '(none)';
  if (typeof value === 'string') return /^[\w.\-/:@<>+=,~]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value !== 'object' || value === null) return String(value);
  return JSON.stringify(value);
}

/** `~ path: old -> new`, `+ path: value`, `- path: value`, `~ path: reordered [a,b] -> [b,a]`. */
export function formatChange(change: FieldChange): string {
  const path = change.path === '' ? '(object)' : change.path;
  switch (change.op) {
    case 'added':
      return `+ ${path}: ${formatValue(change.new)}`;
    case 'removed':
      return `- ${path}: ${formatValue(change.old)}`;
    case 'reordered':
      return `~ ${path}: reordered ${formatValue(change.old)} -> ${formatValue(change.new)}`;
    case 'changed':
      return change.lines ? `~ ${path}: (text changed)` : `~ ${path}: ${formatValue(change.old)} -> ${formatValue(change.new)}`;
  }
}

export function objectSymbol(object: ObjectChange): string {
  return { added: '+', removed: '-', changed: '~', renamed: '>' }[object.status];
}

/** `Deployment platform/gitea`, or for a rename `Service platform/a -> platform/b`. */
export function objectTitle(object: ObjectChange): string {
  if (object.status === 'renamed' && object.oldRef) return `${displayRef(object.oldRef)} -> ${where(object.ref)}`;
  return displayRef(object.ref);
}

function where(ref: ObjectRef): string {
  return ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
}

export function countsLine(counts: { added: number; removed: number; changed: number; renamed: number; security: number; warnings: number }): string {
  const parts = [`${counts.added} added`, `${counts.removed} removed`, `${counts.changed} changed`, `${counts.renamed} renamed`];
  const extra = [`${counts.security} security-relevant`, `${counts.warnings} warning${counts.warnings === 1 ? '' : 's'}`];
  return `${parts.join(', ')} (${extra.join(', ')})`;
}
