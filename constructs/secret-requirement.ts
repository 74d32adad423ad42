/**
 * A Secret that a construct references but never contains. Synth turns these into
 * Kustomize secretGenerator entries over env files in dist/<region>/secrets/ (git-ignored);
 * `npm run secrets -- <region>` fills the generated keys and lists the supplied ones.
 */
export interface SecretKeyRequirement {
  /** Key inside the Secret (and in the env file). */
  readonly key: string;
  /**
   * `generate`: random value made by `npm run secrets` (hex of `bytes` random bytes).
   * `supply`: a person must provide it; `help` says where to get it.
   */
  readonly source: 'generate' | 'supply';
  /** Random bytes for generated values. @default 32 */
  readonly bytes?: number;
  /** For supplied values: where to get it (shown by `npm run secrets`). */
  readonly help?: string;
  /**
   * For supplied values: what `npm run secrets` checks a present value against; returns the problem (phrased to
   * follow "the value ...", never containing the value) or undefined when it is fine. @default no check
   */
  readonly check?: (value: string) => string | undefined;
}

export interface SecretRequirement {
  /** Secret name (no hash suffix: the generator disables it). */
  readonly name: string;
  readonly namespace: string;
  readonly keys: readonly SecretKeyRequirement[];
  /** What the secret is for, shown by `npm run secrets`. */
  readonly description: string;
  /** The Secret's type, set by the secretGenerator. @default 'Opaque' */
  readonly type?: 'Opaque' | 'kubernetes.io/dockerconfigjson';
}
