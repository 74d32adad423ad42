import { createHash } from 'node:crypto';

/** Pod-template annotation whose value changes with a config file, so a config change rolls the pods. */
export const CONFIG_CHECKSUM_ANNOTATION = 'checksum/config';

/** sha256 hex of the text: deterministic, no clock, no I/O. */
export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
