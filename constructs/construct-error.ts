/**
 * The one error class constructs throw when their props are wrong, and the small checks they share.
 *
 * Message shape (STYLE.md): where, the bad value, what was expected, the fix.
 *   `Gitea 'gitea': version 'latest' is not a pinned version (expected e.g. '1.22.6'); pin an exact release`
 */
export class ConstructPropsError extends Error {
  override readonly name = 'ConstructPropsError';
}

/** Shows a value the way the message needs it: strings quoted, the rest as JSON. */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  return JSON.stringify(value) ?? String(value);
}

/** Throws `<where>: <field> <value> <problem> (expected <expected>); <fix>`. */
export function fail(where: string, field: string, value: unknown, problem: string, expected: string, fix: string): never {
  throw new ConstructPropsError(`${where}: ${field} ${show(value)} ${problem} (expected ${expected}); ${fix}`);
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
/** Tags and versions that move under you. */
const MOVING_TAGS = new Set(['latest', 'stable', 'main', 'master', 'edge', 'next', 'dev', 'nightly', 'rolling']);

/** A Kubernetes object or namespace name (RFC 1123 label). */
export function checkDnsLabel(where: string, field: string, value: string): void {
  if (!DNS_LABEL.test(value)) {
    fail(where, field, value, 'is not a valid DNS label', 'lower-case letters, digits and "-", at most 63 characters, e.g. \'platform\'', 'rename it');
  }
}

/** An object name that may contain dots (RFC 1123 subdomain), e.g. a StorageClass `local-path`. */
export function checkDnsSubdomain(where: string, field: string, value: string): void {
  if (!/^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(value)) {
    fail(where, field, value, 'is not a valid object name', "lower-case DNS labels joined by dots, e.g. 'local-path'", 'use the name `kubectl get storageclass` shows');
  }
}

/** A fully qualified host name with at least two labels, e.g. `git.example.com`. */
export function checkHostName(where: string, field: string, value: string): void {
  if (!DNS_NAME.test(value)) {
    fail(where, field, value, 'is not a fully qualified DNS name', "lower-case labels joined by dots, e.g. 'git.example.com'", 'use the host name users type in the browser');
  }
}

/** A resource quantity such as `100m`, `256Mi`, `20Gi`. */
export function checkQuantity(where: string, field: string, value: string): void {
  if (!QUANTITY.test(value)) {
    fail(where, field, value, 'is not a Kubernetes quantity', "e.g. '100m', '256Mi' or '20Gi'", 'write the amount with a unit suffix');
  }
}

/** A TCP/UDP port number. */
export function checkPort(where: string, field: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    fail(where, field, value, 'is not a port number', 'an integer from 1 to 65535', 'use a valid port');
  }
}

/** A positive whole number (replicas, counts). */
export function checkPositiveInteger(where: string, field: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    fail(where, field, value, 'is not a positive integer', 'a whole number >= 1', 'set at least 1');
  }
}

/** A version that names one release: not empty, no moving tag, no whitespace. */
export function checkPinnedVersion(where: string, field: string, value: string, example: string): void {
  if (value.trim() === '' || /\s/.test(value) || MOVING_TAGS.has(value.toLowerCase().replace(/^v/, ''))) {
    fail(where, field, value, 'is not a pinned version', `an exact release such as '${example}'`, 'pin an exact release so every synth produces the same manifests');
  }
}

/** A container image reference pinned by tag or digest (no `:latest`, no missing tag). */
export function checkPinnedImage(where: string, field: string, value: string): void {
  const at = value.indexOf('@');
  if (at > 0) {
    if (!/^sha256:[0-9a-f]{64}$/.test(value.slice(at + 1))) {
      fail(where, field, value, 'has a malformed digest', "'<repository>@sha256:<64 hex digits>'", 'copy the digest from the registry');
    }
    return;
  }
  const lastSlash = value.lastIndexOf('/');
  const colon = value.indexOf(':', lastSlash + 1);
  const tag = colon > 0 ? value.slice(colon + 1) : '';
  if (tag === '' || MOVING_TAGS.has(tag.toLowerCase().replace(/^v/, ''))) {
    fail(where, field, value, 'is not a pinned image', "'<repository>:<exact tag>' or '<repository>@sha256:<digest>', e.g. 'ghcr.io/org/app:v1.2.3'", 'pin an exact tag or digest');
  }
}

/** A non-empty list. */
export function checkNotEmpty(where: string, field: string, value: readonly unknown[], expected: string): void {
  if (value.length === 0) {
    fail(where, field, value, 'is empty', expected, 'add at least one entry');
  }
}
