/**
 * The plain data the synth pipeline works on: Kubernetes objects as JSON (what `chart.toJson()`
 * returns), grouped into the files and Kustomize components of one region. Everything after
 * composition (validation, rendering, writing) consumes only this shape, so it can be tested with
 * hand-written objects.
 */
import type { SecretRequirement } from '../constructs/secret-requirement';
import type { Region } from '../regions/types';

/** A JSON value as produced by `JSON.parse` / `chart.toJson()`. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** One Kubernetes object. Only apiVersion, kind and metadata.name are relied on everywhere. */
export interface KubeObject extends JsonObject {
  apiVersion: string;
  kind: string;
  metadata: JsonObject & { name: string; namespace?: string; labels?: { [key: string]: string } };
}

/** One generated file: `NN-component.yaml`, NN giving the apply order. */
export interface ManifestFile {
  readonly file: string;
  readonly objects: readonly KubeObject[];
}

/** A Kustomize component (kind: Component) written to `components/<name>/`, for other namespaces. */
export interface ManifestComponent {
  readonly name: string;
  readonly objects: readonly KubeObject[];
}

/** An object the manifests reference but that is created elsewhere (k3s, cert-manager, a person). */
export interface ExternalObject {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly reason: string;
}

/** Everything synth knows about one region, as plain data. */
export interface RegionManifests {
  readonly region: Region;
  /** In apply order. */
  readonly files: readonly ManifestFile[];
  readonly components: readonly ManifestComponent[];
  readonly secrets: readonly SecretRequirement[];
  readonly external: readonly ExternalObject[];
}

/** API group of an apiVersion: `apps/v1` -> `apps`, `v1` -> `` (core). */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** How messages name an object: `Deployment platform/gitea`, `ClusterIssuer letsencrypt`. */
export function describeObject(obj: { kind: string; metadata: { name: string; namespace?: string } }): string {
  const ns = obj.metadata.namespace;
  return `${obj.kind} ${ns ? `${ns}/` : ''}${obj.metadata.name}`;
}

/** Narrowing helpers for walking JSON without `any`. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asObject(value: unknown): JsonObject | undefined {
  return isObject(value) ? value : undefined;
}

export function asArray(value: unknown): JsonValue[] {
  return Array.isArray(value) ? (value as JsonValue[]) : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** String map (labels, selectors); non-string values are dropped. */
export function asStringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(value)) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}
