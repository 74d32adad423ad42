/**
 * Where rdev-api's PostgreSQL is, read from `platform.rdevApi.database.host` (`host:port`): an in-cluster Service
 * (`<service>.<namespace>.svc[.cluster.local]:<port>`), an IP address, or a DNS name outside the cluster. The region
 * rules (regions/rules-database.ts) judge it and compose.ts turns it into the egress rule of rdev-api's
 * NetworkPolicy, which must allow exactly that database: NetworkPolicies select pods (namespace + labels) or
 * address blocks, never DNS names, hence `podLabels` for a Service and `addresses` for an outside name.
 *
 * Pure, no I/O.
 */
import { isIp } from './net';

/** `<service>.<namespace>.svc` or `<service>.<namespace>.svc.cluster.local`, both labels RFC 1123. */
export const IN_CLUSTER_SERVICE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.cluster\.local)?$/;
/** Any name that only cluster DNS answers. */
export const CLUSTER_DNS_SUFFIX = /(\.svc|\.cluster\.local)$/;

export type DatabaseHost =
  /** An in-cluster Service: the pods behind it are selected by namespace and labels. */
  | { readonly kind: 'service'; readonly service: string; readonly namespace: string; readonly host: string; readonly port: number }
  /** An IP address (brackets removed for IPv6). */
  | { readonly kind: 'address'; readonly address: string; readonly host: string; readonly port: number }
  /** A DNS name outside the cluster. */
  | { readonly kind: 'name'; readonly name: string; readonly host: string; readonly port: number }
  /** A name under .svc / .cluster.local that is not `<service>.<namespace>.svc[.cluster.local]` (e.g. a pod's name). */
  | { readonly kind: 'cluster-name'; readonly name: string; readonly host: string; readonly port: number };

/** Splits `host:port` (`[v6]:port` for IPv6); undefined when it is not that shape or the port is not 1-65535. */
export function parseDatabaseHost(text: string): DatabaseHost | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):([0-9]{1,5})$/.exec(text);
  if (!m?.[1] || !m[2]) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  const raw = m[1];
  const bare = raw.startsWith('[') ? raw.slice(1, -1) : raw;
  if (isIp(bare)) return { kind: 'address', address: bare, host: raw, port };
  if (raw.startsWith('[')) return undefined;
  const svc = IN_CLUSTER_SERVICE.exec(bare);
  if (svc?.[1] && svc[3]) return { kind: 'service', service: svc[1], namespace: svc[3], host: bare, port };
  if (CLUSTER_DNS_SUFFIX.test(bare)) return { kind: 'cluster-name', name: bare, host: bare, port };
  return { kind: 'name', name: bare, host: bare, port };
}
