/**
 * The small kit every region rule file shares: reading an untrusted definition defensively and adding
 * issues. A value of the wrong shape is skipped by the rules (the schema already reported it).
 */
export type Rec = Record<string, unknown>;
export type Segment = string | number;

export function rec(x: unknown): Rec | undefined {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Rec) : undefined;
}

export function arr(x: unknown): readonly unknown[] | undefined {
  return Array.isArray(x) ? x : undefined;
}

export function str(x: unknown): string | undefined {
  return typeof x === 'string' ? x : undefined;
}

export function int(x: unknown): number | undefined {
  return typeof x === 'number' && Number.isInteger(x) ? x : undefined;
}

/** Where rules put what they find: path into the definition, the bad value, the problem, the expected form, the fix. */
export interface IssueSink {
  add(path: readonly Segment[], value: unknown, problem: string, expected: string, fix?: string): void;
}
