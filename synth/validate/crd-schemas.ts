/**
 * The custom resources synth can validate: the served versions of the vendored cert-manager CRDs
 * (schemas/cert-manager-v1.21.1/*.yaml). Parsing those 700 kB of YAML costs about half a second, so
 * the schemas are extracted once into schemas/cert-manager-v1.21.1.schemas.json by
 * `npx tsx synth/validate/vendor-crd-schemas.ts`, and a test checks that file against the YAML.
 */
import { readFileSync } from 'node:fs';

export interface CrdSchema {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly scope: 'Namespaced' | 'Cluster';
  /** spec.versions[].schema.openAPIV3Schema of that served version, as published. */
  readonly schema: Record<string, unknown>;
}

export interface CrdSchemaFile {
  readonly $comment: string;
  readonly crds: readonly CrdSchema[];
}

export const CRD_SCHEMA_DIR = new URL('../../schemas/cert-manager-v1.21.1/', import.meta.url);
export const CRD_SCHEMA_FILE = new URL('../../schemas/cert-manager-v1.21.1.schemas.json', import.meta.url);

function fail(source: string, what: string): never {
  throw new Error(`${source}: ${what} (expected a CustomResourceDefinition of apiextensions.k8s.io/v1)`);
}

/** The served versions of CustomResourceDefinition documents, in document then version order. */
export function extractCrdSchemas(docs: readonly unknown[], source: string): CrdSchema[] {
  const out: CrdSchema[] = [];
  for (const doc of docs) {
    const crd = doc as { kind?: unknown; spec?: { group?: unknown; scope?: unknown; names?: { kind?: unknown }; versions?: unknown } };
    if (crd?.kind !== 'CustomResourceDefinition') fail(source, `kind is ${JSON.stringify(crd?.kind)}`);
    const spec = crd.spec;
    const group = spec?.group;
    const kind = spec?.names?.kind;
    const scope = spec?.scope;
    if (typeof group !== 'string' || typeof kind !== 'string') fail(source, 'spec.group or spec.names.kind is missing');
    if (scope !== 'Namespaced' && scope !== 'Cluster') fail(source, `spec.scope is ${JSON.stringify(scope)}`);
    const versions = Array.isArray(spec?.versions) ? spec.versions : fail(source, 'spec.versions is missing');
    for (const v of versions as { name?: unknown; served?: unknown; schema?: { openAPIV3Schema?: unknown } }[]) {
      if (v.served !== true) continue;
      const schema = v.schema?.openAPIV3Schema;
      if (typeof v.name !== 'string' || typeof schema !== 'object' || schema === null) {
        fail(source, `version ${JSON.stringify(v.name)} has no openAPIV3Schema`);
      }
      out.push({ group, version: v.name, kind, scope, schema: schema as Record<string, unknown> });
    }
  }
  return out;
}

/** The vendored, pre-extracted CRD schemas. */
export function loadCrdSchemas(): readonly CrdSchema[] {
  const parsed = JSON.parse(readFileSync(CRD_SCHEMA_FILE, 'utf8')) as CrdSchemaFile;
  return parsed.crds;
}
