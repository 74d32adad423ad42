import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CRD_SCHEMA_FILE } from '../../../synth/validate/crd-schemas';
import { strictSchema } from '../../../synth/validate/strict-schema';
import { renderCrdSchemaFile } from '../../../synth/validate/vendor-crd-schemas';

describe('vendored schemas', () => {
  it('schemas/cert-manager-v1.21.1.schemas.json matches the vendored CRD YAML files', () => {
    expect(readFileSync(CRD_SCHEMA_FILE, 'utf8'), 'run npx tsx synth/validate/vendor-crd-schemas.ts').toBe(renderCrdSchemaFile());
  });
});

describe('strictSchema', () => {
  it('closes objects that list properties, but not maps, preserve-unknown-fields or property maps', () => {
    const input = {
      definitions: {
        A: {
          type: 'object',
          properties: {
            labels: { type: 'object', additionalProperties: { type: 'string' } },
            properties: { type: 'object', additionalProperties: { $ref: '#/definitions/A' } },
            raw: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { a: { type: 'string' } } },
            list: { type: 'array', items: { type: 'object', properties: { b: { type: 'string' } } } },
            intOrString: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
          },
        },
      },
    };
    const out = strictSchema(input) as any;
    const a = out.definitions.A;
    expect(a.additionalProperties).toBe(false);
    expect(a.properties.labels.additionalProperties).toEqual({ type: 'string' });
    expect(a.properties.properties.additionalProperties).toEqual({ $ref: '#/definitions/A' });
    expect(a.properties.raw.additionalProperties).toBeUndefined();
    expect(a.properties.list.items.additionalProperties).toBe(false);
    expect(a.properties.intOrString).toEqual({ oneOf: [{ type: 'string' }, { type: 'integer' }] });
    expect((input.definitions.A as any).additionalProperties).toBeUndefined(); // input untouched
  });
});
