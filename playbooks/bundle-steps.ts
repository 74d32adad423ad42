/**
 * Steps that deliver a region's artifacts from its air-gap bundle (region.airgap.bundleDir, or `--bundle`): the
 * bundle is loaded and verified once when a playbook is built (so a tampered bundle is refused before any host is
 * contacted), and each step pushes the file that matches the host's architecture.
 */
import type { Region } from '../regions/types';
import { archOf, regionArtifacts, type ArtifactSpec } from './artifacts';
import { artifactLabel, bundleArtifact, loadBundle, type LoadedBundle } from './bundle-manifest';
import { step, type HostView, type Step } from './core';
import { bundleFile } from './tasks/bundle-file';

/** The region's verified bundle, or null when the region downloads (no airgap setting). */
export function regionBundle(region: Region): LoadedBundle | null {
  return region.airgap ? loadBundle(region.airgap.bundleDir, { region: region.name }) : null;
}

/** The artifact of the region's versions that `pick` names, for this host's architecture. */
export function hostArtifact(region: Region, h: HostView, pick: (a: ArtifactSpec) => boolean, what: string): ArtifactSpec {
  const spec = regionArtifacts(region, archOf(h.facts.arch)).find(pick);
  if (!spec) throw new Error(`no ${what} among the region's artifacts (programming error)`);
  return spec;
}

/** A step pushing one bundle artifact (picked per host by `pick`) to its target path. */
export function bundleStep(region: Region, bundle: LoadedBundle, name: string, pick: (a: ArtifactSpec) => boolean, what: string, tags: string[], when?: (h: HostView) => boolean): Step {
  return step(
    name,
    bundleFile,
    (h) => {
      const spec = hostArtifact(region, h, pick, what);
      const a = bundleArtifact(bundle, spec, `host '${h.name}' (${h.facts.arch})`);
      return { localPath: a.path, sha256: a.sha256, path: spec.target!.path, mode: spec.target!.mode, label: artifactLabel(a) };
    },
    { tags, ...(when ? { when } : {}) },
  );
}

/** Bundle artifacts that are stand-ins (lab fixtures), one line each, for the run's output. */
export function standInLines(bundle: LoadedBundle): string[] {
  return [...bundle.byKey.values()].filter((a) => a.standIn).map((a) => `${a.key}: ${a.standIn}`);
}
