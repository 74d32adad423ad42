/**
 * rdev-api's DATABASE_URL: its exact form for a region's database settings, and the check `npm run secrets` runs
 * on the supplied value, so a URL that points elsewhere than rdev-api's NetworkPolicy allows (or at another
 * database, role or sslmode than the region says) is caught before `kubectl apply`, not as a crash loop.
 *
 * The URL is read by rdev-api's Go PostgreSQL driver (seed: sqlx, `internal/adapter/postgres`): `sslmode` is one of
 * the four values both lib/pq and pgx accept (lib/pq knows no `allow`/`prefer`).
 */

export const DATABASE_SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type DatabaseSslMode = (typeof DATABASE_SSL_MODES)[number];

/** What the supplied DATABASE_URL must agree with. */
export interface DatabaseUrlExpectation {
  /** `host:port` (IPv6 in brackets). */
  readonly host: string;
  readonly name: string;
  readonly user: string;
  readonly sslMode: DatabaseSslMode;
}

/** The exact form of DATABASE_URL, with a placeholder for the password. */
export function databaseUrlForm(e: DatabaseUrlExpectation): string {
  return `postgres://${e.user}:<password, percent-encoded>@${e.host}/${e.name}?sslmode=${e.sslMode}`;
}

/** `hostname:port` as the URL parser normalizes it (lower case, canonical IPv6), default port 5432. */
function endpointOf(url: URL): string {
  return `${url.hostname.toLowerCase()}:${url.port === '' ? '5432' : url.port}`;
}

/**
 * The problem with a supplied DATABASE_URL, or undefined when it agrees with the region. The problem never
 * contains the password nor the URL itself (`npm run secrets` prints it).
 */
export function databaseUrlProblem(value: string, e: DatabaseUrlExpectation): string | undefined {
  const form = `expected ${databaseUrlForm(e)}`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `is not a URL (${form})`;
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return `has scheme '${url.protocol.replace(/:$/, '')}', not postgres (${form})`;
  let expected: string;
  try {
    expected = endpointOf(new URL(`postgres://${e.host}`));
  } catch {
    expected = e.host;
  }
  const host = endpointOf(url);
  if (host !== expected) return `connects to ${host}, but rdev-api's NetworkPolicy allows only ${e.host} (platform.rdevApi.database.host); ${form}`;
  let user: string;
  let name: string;
  try {
    user = decodeURIComponent(url.username);
    decodeURIComponent(url.password);
    name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  } catch {
    return `is not percent-encoded correctly (a '%' in the password is written %25; ${form})`;
  }
  if (user !== e.user) return `logs in as '${user}', not as the region's role '${e.user}' (platform.rdevApi.database.user); ${form}`;
  if (url.password === '') return `has no password (${form})`;
  if (name !== e.name) return `names database '${name}', not the region's '${e.name}' (platform.rdevApi.database.name); ${form}`;
  const ssl = url.searchParams.get('sslmode');
  if (ssl !== e.sslMode) return `has sslmode ${ssl === null ? 'unset' : `'${ssl}'`}, not the region's '${e.sslMode}' (platform.rdevApi.database.sslMode); ${form}`;
  return undefined;
}
