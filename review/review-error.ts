/**
 * The one error the review raises for trouble (unreadable dist tree, bad ref, failed synth, bad option).
 * The CLIs turn it into exit status 2, like diff(1). Messages say where, what, and the fix.
 */
export class ReviewError extends Error {
  override readonly name = 'ReviewError';
}
