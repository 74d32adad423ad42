/**
 * How entries of a list are matched between base and head, so that a reorder is not a change.
 * Kubernetes merges most lists of objects by a key (containers, env, volumes, volumeMounts and ports by
 * name, ports by containerPort/port when unnamed, tolerations by key ...). The first candidate field that
 * every entry of both lists has, with unique values on each side, is the key; the path then shows it:
 * `containers[gitea].image`. Lists of objects with no usable key are matched by content (an entry that
 * moved is not a change); lists of scalars keep their order (a reordered `args` is a change).
 */
import { isRecord } from './k8s-object';

/** Candidate key fields, in order of preference. */
const KEY_FIELDS = ['name', 'mountPath', 'devicePath', 'containerPort', 'port', 'key', 'ip', 'type', 'path', 'kind'] as const;

export type ListIdentity =
  | { readonly by: 'field'; readonly field: string; readonly keyOf: (entry: unknown) => string }
  | { readonly by: 'content' }
  | { readonly by: 'position' };

export function listIdentity(oldList: readonly unknown[], newList: readonly unknown[]): ListIdentity {
  const all = [...oldList, ...newList];
  if (all.length === 0 || !all.every(isRecord)) return { by: 'position' };
  for (const field of KEY_FIELDS) {
    const keyOf = (entry: unknown): string => {
      const record = entry as Record<string, unknown>;
      const value = record[field];
      // Unnamed ports: the protocol is part of the identity (53/TCP and 53/UDP are two ports).
      if ((field === 'containerPort' || field === 'port') && typeof record.protocol === 'string') {
        return `${String(value)}/${record.protocol}`;
      }
      return String(value);
    };
    const usable = (list: readonly unknown[]): boolean => {
      const keys = list.map((entry) => (entry as Record<string, unknown>)[field]);
      if (!keys.every((key) => typeof key === 'string' || typeof key === 'number')) return false;
      return new Set(list.map(keyOf)).size === list.length;
    };
    if (usable(oldList) && usable(newList)) return { by: 'field', field, keyOf };
  }
  return { by: 'content' };
}

/** A path segment for a keyed entry: `[gitea]`, or `[name=gitea]`-free short form; quoted when ambiguous. */
export function keySegment(key: string): string {
  return /^[\w.\-/:]+$/.test(key) ? `[${key}]` : `[${JSON.stringify(key)}]`;
}

/** Canonical JSON (sorted keys), for content matching and similarity. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
