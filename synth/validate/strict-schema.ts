/**
 * Makes a JSON Schema strict: every schema node that lists `properties` gets
 * `additionalProperties: false`, so an unknown or misspelt field is an error instead of being ignored
 * (the API server would drop it silently, or reject it under server-side field validation).
 *
 * Left open on purpose:
 * - nodes without `properties` (IntOrString, Quantity, RawExtension, FieldsV1, free-form maps such as
 *   labels, which carry their own `additionalProperties` schema);
 * - nodes marked `x-kubernetes-preserve-unknown-fields: true` (CRD fields that hold arbitrary JSON,
 *   e.g. a webhook solver's `config`);
 * - nodes that already say what `additionalProperties` is.
 *
 * The walk follows only schema positions (properties values, items, additionalProperties,
 * allOf/anyOf/oneOf/not, definitions), never the property maps themselves, because a property may be
 * called `properties` (JSONSchemaProps has one).
 */

type Schema = { [key: string]: unknown };

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strictNode(node: Schema): Schema {
  const out: Schema = { ...node };
  if (isSchema(node.properties)) {
    const props: Schema = {};
    for (const [name, sub] of Object.entries(node.properties)) props[name] = isSchema(sub) ? strictNode(sub) : sub;
    out.properties = props;
    if (node.additionalProperties === undefined && node['x-kubernetes-preserve-unknown-fields'] !== true) {
      out.additionalProperties = false;
    }
  }
  if (isSchema(node.additionalProperties)) out.additionalProperties = strictNode(node.additionalProperties);
  if (isSchema(node.items)) out.items = strictNode(node.items);
  else if (Array.isArray(node.items)) out.items = node.items.map((s) => (isSchema(s) ? strictNode(s) : s));
  for (const list of ['allOf', 'anyOf', 'oneOf'] as const) {
    const branches = node[list];
    if (Array.isArray(branches)) out[list] = branches.map((s) => (isSchema(s) ? strictNode(s) : s));
  }
  if (isSchema(node.not)) out.not = strictNode(node.not);
  if (isSchema(node.definitions)) {
    const defs: Schema = {};
    for (const [name, sub] of Object.entries(node.definitions)) defs[name] = isSchema(sub) ? strictNode(sub) : sub;
    out.definitions = defs;
  }
  return out;
}

/** A strict copy of the schema; the input is not modified. */
export function strictSchema<T extends object>(schema: T): T {
  return strictNode(schema as Schema) as T;
}
