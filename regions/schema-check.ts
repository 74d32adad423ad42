/**
 * The shape check of a region definition: ajv (allErrors) against regions/region.schema.json, the single
 * source of the shape, with every ajv error turned into a one-line region issue.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { cachedValidator } from './cached-validator';
import schema from './region.schema.json';
import { pathOf, type RegionIssue } from './region-error';

let compiled: ValidateFunction | undefined;

/**
 * The compiled validator, built on first use. Compiling the schema costs ~200 ms of CPU, so it is compiled once per
 * machine and kept as ajv standalone code (cached-validator.ts); a process that finds it there loads no ajv compiler.
 */
function validator(): ValidateFunction {
  compiled ??= cachedValidator('region', schema, { allErrors: true, verbose: true, strict: true, allowUnionTypes: true, discriminator: true });
  return compiled;
}

/** The region JSON Schema itself (for tools that want to publish or extend it). */
export const regionSchema: Readonly<Record<string, unknown>> = schema;

interface SchemaNode {
  readonly description?: string;
  readonly examples?: readonly unknown[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly $ref?: string;
  readonly enum?: readonly unknown[];
}

/** Follows a local `#/definitions/x` reference. */
function deref(node: SchemaNode | undefined): SchemaNode | undefined {
  if (!node?.$ref) return node;
  const name = node.$ref.replace(/^#\/definitions\//, '');
  const definitions = (schema as { definitions: Record<string, SchemaNode> }).definitions;
  return definitions[name];
}

function segmentsOf(instancePath: string, data: unknown): (string | number)[] {
  if (instancePath === '') return [];
  const out: (string | number)[] = [];
  let cursor: unknown = data;
  for (const raw of instancePath.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cursor) && /^[0-9]+$/.test(key)) {
      out.push(Number(key));
      cursor = cursor[Number(key)];
    } else {
      out.push(key);
      cursor = typeof cursor === 'object' && cursor !== null ? (cursor as Record<string, unknown>)[key] : undefined;
    }
  }
  return out;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  return `a ${typeof value}`;
}

function article(type: string): string {
  const names: Record<string, string> = {
    string: 'a string',
    integer: 'an integer',
    number: 'a number',
    boolean: 'true or false',
    object: 'an object',
    array: 'a list',
    null: 'null',
  };
  return names[type] ?? type;
}

/** Plain edit distance, for "did you mean" on unknown fields. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] ?? 0;
}

function describeExpected(node: SchemaNode | undefined): string {
  const n = deref(node);
  const example = node?.examples?.[0] ?? n?.examples?.[0];
  const description = node?.description ?? n?.description;
  const parts: string[] = [];
  if (description) parts.push(description.replace(/\.$/, ''));
  if (example !== undefined) parts.push(`e.g. ${typeof example === 'string' ? example : JSON.stringify(example)}`);
  return parts.length > 0 ? parts.join('; ') : 'a value';
}

function issueOf(error: ErrorObject, data: unknown, region: string): RegionIssue | undefined {
  const segments = segmentsOf(error.instancePath, data);
  const at = (...extra: (string | number)[]): string => pathOf(...segments, ...extra);
  const parent = error.parentSchema as SchemaNode | undefined;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const known = Object.keys(deref(parent)?.properties ?? {}).filter((k) => k !== '$schema');
      const close = known.filter((k) => distance(k.toLowerCase(), field.toLowerCase()) <= 2);
      return {
        region,
        path: at(field),
        value: undefined,
        problem: 'is not a known field',
        expected: `one of: ${known.join(', ')}`,
        fix: close.length > 0 ? `did you mean ${close.join(' or ')}?` : 'remove it (see regions/types.ts for the fields)',
      };
    }
    case 'required': {
      const field = String(params.missingProperty);
      return {
        region,
        path: at(field),
        value: undefined,
        problem: 'is missing',
        expected: describeExpected(deref(parent)?.properties?.[field]),
      };
    }
    case 'type':
      return { region, path: at(), value: error.data, problem: `is ${typeName(error.data)}`, expected: String(params.type).split(',').map(article).join(' or ') };
    case 'enum':
    case 'const': {
      const allowed = (params.allowedValues as unknown[] | undefined) ?? [params.allowedValue];
      const last = segments[segments.length - 1];
      const what = typeof last === 'string' && last !== '' ? `known ${last}` : 'allowed value';
      return { region, path: at(), value: error.data, problem: `is not a ${what}`, expected: `one of: ${allowed.map(String).join(', ')}` };
    }
    case 'pattern':
      return { region, path: at(), value: error.data, problem: 'does not have the expected format', expected: describeExpected(parent) };
    case 'propertyNames': {
      const name = String(params.propertyName);
      return { region, path: at(name), value: name, problem: 'is not a valid variable name', expected: 'letters, digits and _, not starting with a digit, e.g. kube_reserved' };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const p = parent as { minimum?: number; maximum?: number } | undefined;
      const range = p?.minimum !== undefined && p.maximum !== undefined ? `a number from ${p.minimum} to ${p.maximum}` : `a number ${String(params.comparison)} ${String(params.limit)}`;
      return { region, path: at(), value: error.data, problem: 'is out of range', expected: `${range}; ${describeExpected(parent)}` };
    }
    case 'minItems':
      return { region, path: at(), value: error.data, problem: Number(params.limit) === 1 ? 'is empty' : 'has too few items', expected: `at least ${String(params.limit)}: ${describeExpected(parent)}` };
    case 'minLength':
      return { region, path: at(), value: error.data, problem: 'is empty', expected: describeExpected(parent) };
    case 'maxLength':
      return { region, path: at(), value: error.data, problem: `is longer than ${String(params.limit)} characters`, expected: describeExpected(parent) };
    default:
      return { region, path: at(), value: error.data, problem: `is invalid: ${error.message ?? error.keyword}`, expected: describeExpected(parent) };
  }
}

/** Schema issues of a definition (empty when the shape is right). */
export function checkRegionSchema(definition: unknown, region: string): RegionIssue[] {
  const validate = validator();
  if (validate(definition)) return [];
  const errors = validate.errors ?? [];
  const issues: RegionIssue[] = [];
  for (const error of errors) {
    // nested errors of propertyNames repeat the propertyNames error; oneOf/discriminator errors repeat the branch errors
    if ((error as { propertyName?: string }).propertyName !== undefined) continue;
    if (error.keyword === 'discriminator' || error.keyword === 'oneOf' || error.keyword === 'if') {
      const under = errors.some((e) => e !== error && e.instancePath.startsWith(error.instancePath) && e.keyword !== error.keyword);
      if (under) continue;
    }
    const issue = issueOf(error, definition, region);
    if (issue && !issues.some((i) => i.path === issue.path && i.problem === issue.problem)) issues.push(issue);
  }
  return issues;
}
