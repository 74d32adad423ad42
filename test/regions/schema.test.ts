/**
 * regions/region.schema.json against regions/types.ts: the same fields, the same required fields and the
 * same enums, read from the TypeScript source with the compiler API, so the two cannot drift apart.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REGIONS_DIR } from '../../regions/load';
import { regionSchema } from '../../regions/schema-check';
import { POOL_NAMES } from '../../regions/types';

interface SchemaNode {
  type?: string | string[];
  description?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  enum?: unknown[];
  const?: unknown;
  oneOf?: SchemaNode[];
  $ref?: string;
}

const schema = regionSchema as unknown as SchemaNode & { definitions: Record<string, SchemaNode> };
const source = ts.createSourceFile('types.ts', readFileSync(join(REGIONS_DIR, 'types.ts'), 'utf8'), ts.ScriptTarget.ES2022, true);

const declarations = new Map<string, ts.InterfaceDeclaration | ts.TypeAliasDeclaration>();
source.forEachChild((node) => {
  if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) declarations.set(node.name.text, node);
});

function deref(node: SchemaNode): SchemaNode {
  if (!node.$ref) return node;
  const target = schema.definitions[node.$ref.replace('#/definitions/', '')];
  if (!target) throw new Error(`dangling $ref ${node.$ref}`);
  return target;
}

/** Follows type references to declarations of types.ts and unwraps readonly arrays. */
function resolveType(type: ts.TypeNode): ts.TypeNode | ts.InterfaceDeclaration {
  if (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName)) {
    const decl = declarations.get(type.typeName.text);
    if (decl && ts.isInterfaceDeclaration(decl)) return decl;
    if (decl && ts.isTypeAliasDeclaration(decl)) return resolveType(decl.type);
  }
  if (ts.isTypeOperatorNode(type)) return resolveType(type.type);
  if (ts.isParenthesizedTypeNode(type)) return resolveType(type.type);
  return type;
}

function members(node: ts.InterfaceDeclaration | ts.TypeLiteralNode): ts.PropertySignature[] {
  return node.members.filter(ts.isPropertySignature);
}

const compared: string[] = [];

function compare(type: ts.TypeNode | ts.InterfaceDeclaration, node: SchemaNode, where: string): void {
  const s = deref(node);
  const resolved = ts.isInterfaceDeclaration(type) ? type : resolveType(type);
  if (ts.isInterfaceDeclaration(resolved) || ts.isTypeLiteralNode(resolved)) {
    compared.push(where);
    const props = members(resolved);
    const schemaProps = Object.keys(s.properties ?? {}).filter((k) => k !== '$schema');
    expect(schemaProps.sort(), `${where}: fields`).toEqual(props.map((p) => p.name.getText()).sort());
    expect((s.required ?? []).slice().sort(), `${where}: required fields`).toEqual(
      props.filter((p) => !p.questionToken).map((p) => p.name.getText()).sort(),
    );
    expect(s.additionalProperties, `${where}: additionalProperties`).toBe(false);
    for (const p of props) {
      const child = s.properties?.[p.name.getText()];
      if (child && p.type) compare(p.type, child, `${where}.${p.name.getText()}`);
    }
    return;
  }
  if (ts.isArrayTypeNode(resolved) && s.items) {
    compare(resolved.elementType, s.items, `${where}[]`);
    return;
  }
  if (ts.isUnionTypeNode(resolved)) {
    const literals = resolved.types.filter((t) => ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal));
    if (literals.length === resolved.types.length) {
      compared.push(where);
      const values = literals.map((t) => ((t as ts.LiteralTypeNode).literal as ts.StringLiteral).text);
      expect(s.enum?.map(String).sort(), `${where}: enum`).toEqual(values.sort());
      return;
    }
    // a discriminated union of object types <-> oneOf branches with the same tag
    if (s.oneOf) {
      compared.push(where);
      expect(s.oneOf.length, `${where}: branches`).toBe(resolved.types.length);
      for (const variant of resolved.types) {
        const v = resolveType(variant);
        if (!ts.isTypeLiteralNode(v)) throw new Error(`${where}: unexpected union member`);
        const tag = members(v).find((m) => m.name.getText() === 'type')?.type?.getText().replace(/'/g, '');
        const branch = s.oneOf.find((b) => b.properties?.type?.const === tag);
        expect(branch, `${where}: branch for type ${tag}`).toBeDefined();
        compare(v, branch!, `${where}<${tag}>`);
      }
    }
  }
}

describe('region.schema.json', () => {
  it('has the fields, required fields and enums of regions/types.ts', () => {
    const region = declarations.get('RegionDefinition');
    if (!region || !ts.isInterfaceDeclaration(region)) throw new Error('RegionDefinition not found in types.ts');
    // pools is a mapped type in TypeScript: ctrl required, the other pools optional
    const pools = schema.properties?.pools;
    expect(Object.keys(pools?.properties ?? {})).toEqual([...POOL_NAMES]);
    expect(pools?.required).toEqual(['ctrl']);
    for (const pool of POOL_NAMES) {
      const decl = declarations.get('PoolDefinition') as ts.InterfaceDeclaration;
      compare(decl, pools!.properties![pool]!, `pools.${pool}`);
    }
    const withoutPools = { ...schema, properties: { ...schema.properties } };
    compare(region, withoutPools, 'region');
    // the walk reached every nested object type of the contract
    expect(compared).toEqual(
      expect.arrayContaining([
        'region',
        'region.ssh',
        'region.network',
        'region.network.vswitch',
        'region.k3s',
        'region.k3s.flannelBackend',
        'region.platform.gitea',
        'region.platform.gitea.database',
        'region.platform.zot',
        'region.platform.woodpecker',
        'region.platform.rdevApi',
        'pools.run.hosts[]',
        'pools.run.hosts[].provider',
        'pools.run.taints[]',
        'pools.run.taints[].effect',
      ]),
    );
  });

  it('describes every property, so editors can complete region files', () => {
    const missing: string[] = [];
    const walk = (node: SchemaNode, where: string): void => {
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        const described = child.description ?? (child.$ref ? deref(child).description : undefined);
        if (!described) missing.push(`${where}.${key}`);
        walk(child, `${where}.${key}`);
      }
      if (node.items) walk(node.items, `${where}[]`);
      node.oneOf?.forEach((b, i) => walk(b, `${where}<${i}>`));
    };
    walk(schema, 'region');
    for (const [name, def] of Object.entries(schema.definitions)) walk(def, `#${name}`);
    expect(missing).toEqual([]);
  });
});
