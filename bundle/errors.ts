/** The bundle command's error: a message in the house shape (where, the bad value, what was expected, the fix). */
export class BundleError extends Error {
  override readonly name = 'BundleError';
}
