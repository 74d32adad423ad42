/** Helpers for the region tests: mutable copies of the shipped regions and issue assertions. */
import { expect } from 'vitest';
import euCentral1 from '../../regions/eu-central-1';
import usEast1 from '../../regions/us-east-1';
import { RegionValidationError, resolveRegion } from '../../regions/load';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Mutable = any;

/** A deep, mutable copy of a shipped region definition with `change` applied. */
export function variant(change: (d: Mutable) => void, base: 'eu-central-1' | 'us-east-1' = 'eu-central-1'): Mutable {
  const copy: Mutable = structuredClone(base === 'eu-central-1' ? euCentral1 : usEast1);
  change(copy);
  return copy;
}

/** Resolves a definition that must fail and returns the error (fails the test when it resolves). */
export function rejection(definition: unknown, source = 'regions/eu-central-1.ts'): RegionValidationError {
  try {
    resolveRegion(definition, source);
  } catch (error) {
    expect(error).toBeInstanceOf(RegionValidationError);
    return error as RegionValidationError;
  }
  throw new Error('expected the region to be rejected, but it resolved');
}

/** The message lines of an error that start with `region '...'` (the issue lines, without fix lines). */
export function issueLines(error: RegionValidationError): string[] {
  return error.message.split('\n').filter((l) => l.startsWith("region '") && !l.includes(' is invalid'));
}
