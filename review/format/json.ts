/** JSON rendering: the review model as is (values already redacted), with a format version. */
import type { Review } from '../review-model';

export const JSON_FORMAT_VERSION = 1;

export function formatJson(review: Review): string {
  return `${JSON.stringify({ version: JSON_FORMAT_VERSION, ...review }, null, 2)}\n`;
}
