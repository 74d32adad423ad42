/**
 * Renders a validated region to the exact bytes of its dist/<region>/ files. Pure and deterministic:
 * the same manifests give the same bytes (objects and keys in the order they were built, no clocks,
 * no hashes, no absolute paths).
 *
 *   dist/<region>/kustomization.yaml
 *   dist/<region>/NN-<component>.yaml                     one per chart, apply order
 *   dist/<region>/components/<name>/kustomization.yaml    kind: Component
 *   dist/<region>/components/<name>/<name>.yaml
 */
import type { RegionManifests } from '../manifest';
import { generatedHeader } from './header';
import { componentKustomization, regionKustomization } from './kustomization';
import { toYaml, toYamlStream } from './yaml-1-1';

export interface RenderedFile {
  /** Path relative to dist/<region>/, with `/` separators. */
  readonly path: string;
  readonly content: string;
}

export function renderRegion(manifests: RegionManifests): RenderedFile[] {
  const header = generatedHeader(manifests.region.name);
  const out: RenderedFile[] = [];
  out.push({
    path: 'kustomization.yaml',
    content:
      header +
      (manifests.secrets.length > 0
        ? `# Secrets come from git-ignored env files in secrets/: run \`npm run secrets -- ${manifests.region.name}\` first.\n`
        : '') +
      toYaml(regionKustomization(manifests.files.map((f) => f.file), manifests.secrets)),
  });
  for (const f of manifests.files) out.push({ path: f.file, content: header + toYamlStream(f.objects) });
  for (const c of manifests.components) {
    const file = `${c.name}.yaml`;
    out.push({
      path: `components/${c.name}/kustomization.yaml`,
      content: `${header}# A Kustomize component for namespaces created outside this kustomization (e.g. by rdev-api).\n${toYaml(componentKustomization([file]))}`,
    });
    out.push({ path: `components/${c.name}/${file}`, content: header + toYamlStream(c.objects) });
  }
  return out;
}
