import type { DatabaseUrlExpectation } from './database-url';

/** Encodings of generated secret values (see SecretKeyRequirement.encoding). */
export type SecretEncoding = 'hex' | 'base64url';

/**
 * A Secret that a construct references but never contains. Synth turns these into
 * Kustomize secretGenerator entries over env files in dist/<region>/secrets/ (git-ignored);
 * `npm run secrets -- <region>` fills the generated keys and lists the supplied ones.
 */
export interface SecretKeyRequirement {
  /** Key inside the Secret (and in the env file). */
  readonly key: string;
  /**
   * `generate`: random value made by `npm run secrets` (`bytes` random bytes in `encoding`).
   * `supply`: a person must provide it; `help` says where to get it.
   */
  readonly source: 'generate' | 'supply';
  /** Random bytes for generated values. @default 32 */
  readonly bytes?: number;
  /**
   * How a generated value is written. `hex`: lowercase hex digits, for consumers that take any string.
   * `base64url`: RFC 4648 section 5 without padding (Go's base64.RawURLEncoding), for consumers that decode
   * the value and insist on exactly `bytes` bytes (Gitea's JWT secrets); `npm run secrets` then also
   * refuses an existing value that does not decode so. @default 'hex'
   */
  readonly encoding?: SecretEncoding;
  /** For supplied values: where to get it (shown by `npm run secrets`). */
  readonly help?: string;
  /**
   * For supplied values: what `npm run secrets` checks a present value against (plain data, judged by
   * constructs/secret-value-check.ts secretValueProblem). @default no check
   */
  readonly check?: SecretValueCheck;
}

/** A check of a supplied value: a DATABASE_URL against the region's database, a pull Secret against a registry. */
export type SecretValueCheck =
  | { readonly kind: 'database-url'; readonly database: DatabaseUrlExpectation }
  | { readonly kind: 'dockerconfigjson'; readonly registry: string };

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
