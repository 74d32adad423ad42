/**
 * The file layout is part of the output contract: files are `NN-<component>.yaml` with NN strictly
 * increasing (NN = apply order, as kustomization.yaml lists them), component names are DNS labels,
 * and nothing is empty or named twice.
 */
import type { RegionManifests } from '../manifest';
import type { CheckContext } from './check-context';

const FILE_NAME = /^([0-9]{2})-[a-z0-9]+(?:-[a-z0-9]+)*\.yaml$/;
const COMPONENT_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function checkLayout(ctx: CheckContext, manifests: RegionManifests): void {
  let previous = -1;
  const seen = new Set<string>();
  manifests.files.forEach((f, i) => {
    const m = FILE_NAME.exec(f.file);
    const path = `files[${i}].file`;
    if (!m) {
      ctx.report(undefined, { path, value: f.file, problem: 'is not a valid output file name', expected: 'NN-<component>.yaml, e.g. 30-gitea.yaml', fix: 'rename the component file in composeRegion' });
      return;
    }
    const nn = Number(m[1]);
    if (nn <= previous || seen.has(f.file)) {
      ctx.report(undefined, { path, value: f.file, problem: 'is out of apply order or repeated', expected: `a number prefix above ${String(previous).padStart(2, '0')}`, fix: 'list the components in apply order with increasing NN- prefixes' });
    }
    previous = Math.max(previous, nn);
    seen.add(f.file);
    if (f.objects.length === 0) {
      ctx.report(undefined, { path, value: f.file, problem: 'has no objects', expected: 'at least one object per file', fix: 'drop the empty component' });
    }
  });
  const names = new Set<string>();
  manifests.components.forEach((c, i) => {
    const path = `components[${i}].name`;
    if (!COMPONENT_NAME.test(c.name) || names.has(c.name)) {
      ctx.report(undefined, { path, value: c.name, problem: 'is not a unique DNS label', expected: 'e.g. tenant-isolation', fix: 'rename the Kustomize component' });
    }
    names.add(c.name);
    if (c.objects.length === 0) {
      ctx.report(undefined, { path, value: c.name, problem: 'has no objects', expected: 'at least one object', fix: 'drop the empty component' });
    }
  });
}
