/**
 * Strict schema validation of each object against the Kubernetes minor the region runs and the cert-manager CRDs.
 * An unknown apiVersion/kind pair is an error too: kubectl would refuse it on a fresh cluster.
 */
import type { ErrorObject } from 'ajv';
import { pathOf } from '../../regions/region-error';
import { apiGroup, isObject } from '../manifest';
import type { CheckContext, LocatedObject } from './check-context';
import type { SchemaRegistry } from './schema-registry';

type Segment = string | number;

/** `/spec/template/metadata/labels/app.kubernetes.io~1name` -> segments with array indexes as numbers. */
function pointerSegments(pointer: string): Segment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

function valueAt(root: unknown, segments: readonly Segment[]): unknown {
  let node = root;
  for (const s of segments) {
    if (Array.isArray(node) && typeof s === 'number') node = node[s];
    else if (isObject(node)) node = node[String(s)];
    else return undefined;
  }
  return node;
}

function typeName(value: unknown): string {
  return Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
}

function typesOf(schema: Record<string, unknown> | undefined): string {
  if (typeof schema?.type === 'string') return schema.type;
  if (Array.isArray(schema?.type)) return schema.type.join(' or ');
  const branches = (schema?.oneOf ?? schema?.anyOf) as Record<string, unknown>[] | undefined;
  if (Array.isArray(branches)) return branches.map((b) => typesOf(b)).join(' or ');
  return 'a value matching the schema';
}

function schemaFix(registry: SchemaRegistry): string {
  return `change the construct that builds this object so it matches the Kubernetes ${registry.kubernetesMinor} / cert-manager v1.21.1 API (schemas/)`;
}

/** Drops the branch errors under a failed oneOf/anyOf: the combined error says it better. */
function collapseBranches(errors: readonly ErrorObject[]): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  return errors.filter(
    (e) => !unions.some((u) => u !== e && e.instancePath === u.instancePath && e.schemaPath.startsWith(`${u.schemaPath}/`)),
  );
}

function reportError(ctx: CheckContext, at: LocatedObject, e: ErrorObject, source: string, registry: SchemaRegistry): void {
  const { apiVersion, kind } = at.object;
  const segments = pointerSegments(e.instancePath);
  const data = valueAt(at.object, segments);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const here = registry.schemaAt(apiVersion, kind, segments);
      const allowed = Object.keys((here?.node.properties as object | undefined) ?? {});
      ctx.report(at, {
        path: pathOf(...segments, field),
        value: valueAt(data, [field]),
        problem: `is an unknown field (strict schema ${here?.definition ?? source})`,
        expected: allowed.length > 0 ? `one of ${allowed.join(', ')}` : 'no other fields',
        fix: `remove '${field}' or correct its spelling; ${schemaFix(registry)}`,
      });
      return;
    }
    case 'required':
      ctx.report(at, {
        path: pathOf(...segments, String(params.missingProperty)),
        value: undefined,
        problem: `is missing (required by ${registry.schemaAt(apiVersion, kind, segments)?.definition ?? source})`,
        expected: 'a value',
        fix: `set it; ${schemaFix(registry)}`,
      });
      return;
    case 'type':
      ctx.report(at, { path: pathOf(...segments), value: data, problem: `has the wrong type ${typeName(data)}`, expected: String(params.type), fix: schemaFix(registry) });
      return;
    case 'oneOf':
    case 'anyOf':
      ctx.report(at, {
        path: pathOf(...segments),
        value: data,
        problem: `has the wrong type ${typeName(data)}`,
        expected: typesOf(registry.schemaAt(apiVersion, kind, segments)?.node),
        fix: schemaFix(registry),
      });
      return;
    case 'enum':
      ctx.report(at, {
        path: pathOf(...segments),
        value: data,
        problem: 'is not an allowed value',
        expected: `one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
        fix: schemaFix(registry),
      });
      return;
    default:
      ctx.report(at, {
        path: pathOf(...segments),
        value: data,
        problem: `is invalid (${e.keyword}: ${e.message ?? 'fails the schema'})`,
        expected: `a value that ${e.message ?? 'matches the schema'}`,
        fix: schemaFix(registry),
      });
  }
}

/** Validates one object; returns false when its apiVersion/kind is unknown (other checks can still run). */
export function checkSchema(ctx: CheckContext, at: LocatedObject, registry: SchemaRegistry): boolean {
  const { apiVersion, kind } = at.object;
  const schema = registry.get(apiVersion, kind);
  if (!schema) {
    const group = apiGroup(apiVersion);
    const known = registry.knownKinds().filter((k) => k.endsWith(` ${kind}`) || (group !== '' && k.startsWith(`${group}/`)));
    ctx.report(at, {
      path: 'apiVersion/kind',
      value: `${apiVersion} ${kind}`,
      problem: 'is not a known kind',
      expected:
        known.length > 0
          ? `one of ${known.slice(0, 8).join(', ')}`
          : `a Kubernetes ${registry.kubernetesMinor} kind (e.g. apps/v1 Deployment) or cert-manager.io/v1 Certificate, Issuer, ClusterIssuer`,
      fix: 'use a served apiVersion for this kind; for a new CRD, vendor its schema into schemas/ and load it in synth/validate/crd-schemas.ts',
    });
    return false;
  }
  if (!schema.validate(at.object)) {
    for (const e of collapseBranches(schema.validate.errors ?? [])) reportError(ctx, at, e, schema.source, registry);
  }
  return true;
}
