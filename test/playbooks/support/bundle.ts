/** Writes a bundle of small stand-in files for a region's versions (for plans and refusal tests; lab region only). */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { regionArtifacts, type Arch } from '../../../playbooks/artifacts';
import { BUNDLE_FORMAT, MANIFEST_FILE, type BundleArtifact } from '../../../playbooks/bundle-manifest';
import type { Region } from '../../../regions/types';

export function writeStandInBundle(dir: string, region: Pick<Region, 'versions'>, arch: Arch = 'amd64', content: (asset: string) => Buffer = (a) => Buffer.from(`stand-in ${a}\n`)): BundleArtifact[] {
  const artifacts: BundleArtifact[] = regionArtifacts(region, arch)
    .filter((s) => !s.airgapOnly)
    .map((s) => {
      const file = `${s.component}/${s.version}/${s.arch}/${s.asset}`;
      const body = content(s.asset);
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), body);
      return { key: s.key, component: s.component, version: s.version, arch: s.arch, asset: s.asset, file, source: 'test', sha256: createHash('sha256').update(body).digest('hex'), size: body.length, standIn: `${s.asset} test stand-in` };
    });
  writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify({ format: BUNDLE_FORMAT, region: 'lab', generatedBy: 'test', artifacts }));
  return artifacts;
}
