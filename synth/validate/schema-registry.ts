/**
 * Strict JSON Schema validators for every kind synth may emit: the Kubernetes minor the region runs (the
 * vendored OpenAPI definitions of that minor, chosen from the region's k3s pin, found by apiVersion + kind
 * through `x-kubernetes-group-version-kind`) and
 * the vendored cert-manager CRDs. Both are made strict (unknown fields are errors, see
 * strict-schema.ts) and CRD `metadata` is checked as a real ObjectMeta.
 *
 * Validators are compiled lazily, one per kind, and cached twice:
 * - in memory for the process;
 * - on disk as ajv standalone code under node_modules/.cache/region-bootstrapper/validators/<fingerprint>/,
 *   where the fingerprint hashes the schema files, the ajv version and the options. Compiling
 *   Deployment (PodSpec and all under it) or Issuer costs a few hundred ms of CPU; loading the
 *   cached code costs a few ms, which is what keeps `npm run synth` within its time budget. Delete
 *   the folder (or set SYNTH_VALIDATOR_CACHE=off) to compile from the schemas every time; a cache
 *   that cannot be written is simply not used.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { default as AjvClass, Options, ValidateFunction } from 'ajv';
import type { default as StandaloneCode } from 'ajv/dist/standalone';
import { DEFAULT_VERSIONS, kubernetesMinor } from '../../regions/versions';
import { CRD_SCHEMA_FILE, loadCrdSchemas } from './crd-schemas';
import { strictSchema } from './strict-schema';

/**
 * Kubernetes minors whose definitions are vendored in schemas/ (see schemas/README.md). A region is validated
 * against the minor of its k3s pin (regions/versions.ts kubernetesMinor); a minor not listed here is an error.
 */
export const KUBERNETES_SCHEMAS: Readonly<Record<string, string>> = {
  '1.35': 'kubernetes-v1.35.0-definitions.json',
  '1.36': 'kubernetes-v1.36.0-definitions.json',
};

/** The minor synth validates against when no region says otherwise: that of the default k3s pin. */
export const DEFAULT_KUBERNETES_MINOR = kubernetesMinor(DEFAULT_VERSIONS.k3s) ?? '';

function definitionsFile(minor: string): URL {
  const file = KUBERNETES_SCHEMAS[minor];
  if (file === undefined) {
    throw new Error(`Kubernetes ${minor}: no schemas vendored (expected one of ${Object.keys(KUBERNETES_SCHEMAS).join(', ')}; vendor kubernetes-v${minor}.0-definitions.json into schemas/ and list it in KUBERNETES_SCHEMAS)`);
  }
  return new URL(`../../schemas/${file}`, import.meta.url);
}
/** Bump when the way schemas are prepared changes (strictSchema, metadata ref), to invalidate caches. */
const PREPARATION_VERSION = 1;
// ajv (and its code generator) is loaded only when something must be compiled: with a warm cache,
// synth runs the cached validators without it.
const requireHere = createRequire(import.meta.url);
const loadAjv = () => requireHere('ajv') as { default: typeof AjvClass };
const loadStandaloneCode = () => (requireHere('ajv/dist/standalone') as { default: typeof StandaloneCode }).default;

const DEFAULT_CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/region-bootstrapper/validators/', import.meta.url));

// allErrors: report every problem of an object at once. strict off: the schemas use x-kubernetes-*
// keywords and formats (int32, byte, date-time) that ajv does not know; types are still checked.
// validateSchema off: the vendored schemas are data we trust, not input. inlineRefs off + no code
// optimisation: each definition compiles once as its own function, which cuts compiling Deployment
// from ~470 ms to ~90 ms; validating a few hundred objects costs far less than compiling.
const AJV_OPTIONS: Options = {
  allErrors: true,
  strict: false,
  validateFormats: false,
  validateSchema: false,
  inlineRefs: false,
  code: { optimize: false, source: true },
};

type Schema = Record<string, unknown>;

export interface KindSchema {
  /** `apps/v1 Deployment`. */
  readonly gvk: string;
  /** Where the schema comes from, for messages: `io.k8s.api.apps.v1.Deployment` or `cert-manager.io/v1 Certificate CRD ...`. */
  readonly source: string;
  readonly scope: 'Namespaced' | 'Cluster' | 'unknown';
  readonly validate: ValidateFunction;
}

interface IndexEntry {
  readonly source: string;
  readonly scope: KindSchema['scope'];
}

type Definitions = Record<string, Schema & { 'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[] }>;

interface Loaded {
  readonly ajv: AjvClass;
  readonly definitions: Definitions;
  readonly schemas: Map<string, Schema>;
  readonly index: Record<string, IndexEntry>;
}

export interface SchemaRegistryOptions {
  /** Folder for compiled validators; null = no disk cache. @default node_modules/.cache/region-bootstrapper/validators */
  readonly cacheDir?: string | null;
  /** Kubernetes minor to validate against, e.g. `1.35` (must be in KUBERNETES_SCHEMAS). @default DEFAULT_KUBERNETES_MINOR */
  readonly kubernetesMinor?: string;
}

function gvkKey(apiVersion: string, kind: string): string {
  return `${apiVersion} ${kind}`;
}

function fileName(gvk: string): string {
  return `${gvk.replace(/[^A-Za-z0-9.-]+/g, '_')}.cjs`;
}

function writeAtomically(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

export class SchemaRegistry {
  private loaded: Loaded | undefined;
  private cachedIndex: Record<string, IndexEntry> | undefined;
  private readonly compiled = new Map<string, KindSchema>();
  private readonly cacheDir: string | undefined;
  /** The Kubernetes minor this registry validates against, e.g. `1.35`. */
  readonly kubernetesMinor: string;
  private readonly definitionsFile: URL;
  private readonly schemaId: string;

  constructor(options: SchemaRegistryOptions = {}) {
    this.kubernetesMinor = options.kubernetesMinor ?? DEFAULT_KUBERNETES_MINOR;
    this.definitionsFile = definitionsFile(this.kubernetesMinor);
    this.schemaId = `k8s-${this.kubernetesMinor}`;
    const base = options.cacheDir === undefined ? (process.env.SYNTH_VALIDATOR_CACHE === 'off' ? null : DEFAULT_CACHE_DIR) : options.cacheDir;
    if (base === null) {
      this.cacheDir = undefined;
    } else {
      const h = createHash('sha256');
      h.update(readFileSync(this.definitionsFile));
      h.update(readFileSync(CRD_SCHEMA_FILE));
      h.update(JSON.stringify({ ajv: (requireHere('ajv/package.json') as { version: string }).version, AJV_OPTIONS, PREPARATION_VERSION }));
      this.cacheDir = join(base, h.digest('hex').slice(0, 16));
    }
  }

  /** Reads and prepares every schema (only needed to compile, or to explain an error). */
  private load(): Loaded {
    if (this.loaded) return this.loaded;
    const raw = JSON.parse(readFileSync(this.definitionsFile, 'utf8')) as { definitions: Definitions };
    const definitionRef = `${this.schemaId}#/definitions/`;
    const definitions = strictSchema({ definitions: raw.definitions }).definitions;
    const Ajv = loadAjv().default;
    const ajv = new Ajv(AJV_OPTIONS);
    ajv.addSchema({ $id: this.schemaId, definitions });
    const schemas = new Map<string, Schema>();
    const index: Record<string, IndexEntry> = {};
    for (const [name, def] of Object.entries(raw.definitions)) {
      for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
        const k = gvkKey(gvk.group === '' ? gvk.version : `${gvk.group}/${gvk.version}`, gvk.kind);
        if (index[k]) continue;
        index[k] = { source: name, scope: 'unknown' };
        schemas.set(k, { $ref: `${definitionRef}${name}` });
      }
    }
    for (const crd of loadCrdSchemas()) {
      const apiVersion = `${crd.group}/${crd.version}`;
      const strict = strictSchema(crd.schema);
      const k = gvkKey(apiVersion, crd.kind);
      index[k] = { source: `${apiVersion} ${crd.kind} CRD (cert-manager v1.21.1)`, scope: crd.scope };
      schemas.set(k, { ...strict, properties: { ...(strict.properties as Schema), metadata: { $ref: `${definitionRef}io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta` } } });
    }
    this.loaded = { ajv, definitions, schemas, index };
    return this.loaded;
  }

  private index(): Record<string, IndexEntry> {
    if (this.cachedIndex) return this.cachedIndex;
    const file = this.cacheDir ? join(this.cacheDir, 'index.json') : undefined;
    if (file && existsSync(file)) {
      this.cachedIndex = JSON.parse(readFileSync(file, 'utf8')) as Record<string, IndexEntry>;
      return this.cachedIndex;
    }
    this.cachedIndex = this.load().index;
    if (file) this.tryCache(() => writeAtomically(file, JSON.stringify(this.cachedIndex)));
    return this.cachedIndex;
  }

  /** Runs a cache write; a cache that cannot be written (read-only tree, full disk) is not used. */
  private tryCache(write: () => void): void {
    try {
      mkdirSync(this.cacheDir ?? '', { recursive: true });
      write();
    } catch {
      // The cache only saves time; validation does not depend on it.
    }
  }

  private compile(gvk: string): ValidateFunction {
    const file = this.cacheDir ? join(this.cacheDir, fileName(gvk)) : undefined;
    if (file && existsSync(file)) return requireHere(file) as ValidateFunction;
    const { ajv, schemas } = this.load();
    const validate = ajv.compile(schemas.get(gvk) ?? {});
    if (file) this.tryCache(() => writeAtomically(file, loadStandaloneCode()(ajv, validate)));
    return validate;
  }

  /** The validator for that apiVersion and kind, or undefined when the pair is not known. */
  get(apiVersion: string, kind: string): KindSchema | undefined {
    const k = gvkKey(apiVersion, kind);
    const hit = this.compiled.get(k);
    if (hit) return hit;
    const entry = this.index()[k];
    if (!entry) return undefined;
    const compiled: KindSchema = { gvk: k, source: entry.source, scope: entry.scope, validate: this.compile(k) };
    this.compiled.set(k, compiled);
    return compiled;
  }

  /** Every known `apiVersion kind` (for "expected" hints). */
  knownKinds(): string[] {
    return Object.keys(this.index());
  }

  /**
   * The schema node that applies at a data path of an object of that kind, following $refs,
   * properties, items and additionalProperties; `definition` is the last Kubernetes definition
   * entered. Used to explain errors (allowed fields, accepted types).
   */
  schemaAt(apiVersion: string, kind: string, path: readonly (string | number)[]): { node: Schema; definition: string | undefined } | undefined {
    const { schemas, definitions } = this.load();
    const definitionRef = `${this.schemaId}#/definitions/`;
    let node: Schema | undefined = schemas.get(gvkKey(apiVersion, kind));
    let definition: string | undefined;
    const deref = (n: Schema | undefined): Schema | undefined => {
      let current = n;
      for (let i = 0; i < 16 && typeof current?.$ref === 'string'; i++) {
        const ref = current.$ref as string;
        const name = ref.startsWith(definitionRef) ? ref.slice(definitionRef.length) : ref.startsWith('#/definitions/') ? ref.slice('#/definitions/'.length) : undefined;
        if (name === undefined) return undefined;
        definition = name;
        current = definitions[name];
      }
      return current;
    };
    node = deref(node);
    for (const segment of path) {
      if (!node) return undefined;
      const props = node.properties as Record<string, Schema> | undefined;
      if (typeof segment === 'string' && props?.[segment]) node = deref(props[segment]);
      else if (typeof segment === 'number' && typeof node.items === 'object') node = deref(node.items as Schema);
      else if (typeof node.additionalProperties === 'object') node = deref(node.additionalProperties as Schema);
      else return undefined;
    }
    return node ? { node, definition } : undefined;
  }
}

const registries = new Map<string, SchemaRegistry>();

/**
 * The process-wide registry of a Kubernetes minor (schemas are immutable data; compiling once is the point).
 * Throws when that minor's schemas are not vendored.
 */
export function schemaRegistryFor(kubernetesMinor: string): SchemaRegistry {
  let registry = registries.get(kubernetesMinor);
  if (!registry) {
    registry = new SchemaRegistry({ kubernetesMinor });
    registries.set(kubernetesMinor, registry);
  }
  return registry;
}
