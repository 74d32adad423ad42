/**
 * Reads a synthesized dist tree into plain data: region -> its objects.
 * Every top-level folder of the dist dir is a region; every `.yaml`/`.yml` file below it (recursively,
 * except the git-ignored `secrets/` folders) is parsed as multi-document YAML. A Kustomization or
 * Component file has no metadata.name: it is named by its file path, so it is matched and diffed too.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { groupOf, isRecord, refKey, type K8sObject, type ObjectRef, type SourcedObject } from './k8s-object';
import { ReviewError } from './review-error';

export interface RegionManifests {
  readonly region: string;
  /** In file order (files sorted by path), documents in file order. */
  readonly objects: readonly SourcedObject[];
}

/** Region name -> its manifests, regions sorted by name. */
export type DistTree = ReadonlyMap<string, RegionManifests>;

const SKIPPED_DIRS = new Set(['secrets', 'node_modules', '.git']);

/**
 * @param regions only these regions (an unknown name is an error when `requireRegions` is set)
 */
export function loadDistTree(dir: string, options: { regions?: readonly string[]; requireRegions?: boolean } = {}): DistTree {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    entries = readdirSync(dir).sort();
  } catch (error) {
    throw new ReviewError(`dist dir '${dir}' cannot be read (${(error as Error).message}); expected a folder of synthesized regions (run \`npm run synth -- --out ${dir}\`)`);
  }
  const regionNames = entries.filter((name) => !name.startsWith('.') && statSync(join(dir, name)).isDirectory());
  if (options.regions && options.regions.length > 0 && options.requireRegions) {
    for (const wanted of options.regions) {
      if (!regionNames.includes(wanted)) {
        throw new ReviewError(`region '${wanted}' is not in '${dir}' (found: ${regionNames.join(', ') || 'none'})`);
      }
    }
  }
  const tree = new Map<string, RegionManifests>();
  for (const region of regionNames) {
    if (options.regions && options.regions.length > 0 && !options.regions.includes(region)) continue;
    tree.set(region, loadRegion(join(dir, region), region));
  }
  return tree;
}

export function loadRegion(regionDir: string, region: string): RegionManifests {
  const files = yamlFiles(regionDir).map((file) => relative(regionDir, file).split(sep).join('/')).sort();
  const objects: SourcedObject[] = [];
  const seen = new Map<string, number>();
  for (const file of files) {
    const text = readFileSync(join(regionDir, file), 'utf8');
    const docs = parseAllDocuments(text);
    // parseAllDocuments returns an EmptyStream (not an array) for a file without documents.
    if (!Array.isArray(docs)) continue;
    docs.forEach((doc, index) => {
      if (doc.errors.length > 0) {
        throw new ReviewError(`${region}/${file}: document ${index + 1} is not valid YAML: ${doc.errors[0]?.message ?? 'parse error'}`);
      }
      const value: unknown = doc.toJS({ maxAliasCount: 1000 });
      if (value === null || value === undefined) return;
      if (!isRecord(value) || typeof value.apiVersion !== 'string' || typeof value.kind !== 'string') {
        throw new ReviewError(`${region}/${file}: document ${index + 1} is not a Kubernetes object (expected a mapping with apiVersion and kind)`);
      }
      const object = value as K8sObject;
      const slash = file.lastIndexOf('/');
      const scope = slash < 0 ? '' : file.slice(0, slash);
      const metadata = isRecord(object.metadata) ? object.metadata : {};
      const baseRef: ObjectRef = {
        group: groupOf(object.apiVersion),
        kind: object.kind,
        namespace: typeof metadata.namespace === 'string' ? metadata.namespace : '',
        name: typeof metadata.name === 'string' ? metadata.name : file,
        scope,
      };
      // Duplicates are a synth bug its own validation reports; keep both so the diff still shows them.
      const key = refKey(baseRef);
      const count = (seen.get(key) ?? 0) + 1;
      seen.set(key, count);
      const ref = count === 1 ? baseRef : { ...baseRef, name: `${baseRef.name}#${count}` };
      objects.push({ ref, object, file });
    });
  }
  return { region, objects };
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) out.push(...yamlFiles(path));
    } else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) {
      out.push(path);
    }
  }
  return out;
}
