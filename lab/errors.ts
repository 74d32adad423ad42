/** The one error class of the lab: the message says where, the bad value, what was expected, the fix. */
export class LabError extends Error {
  override readonly name = 'LabError';
}
