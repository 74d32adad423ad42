/**
 * gvisor: the gVisor sandbox on the run pool: runsc and containerd-shim-runsc-v1 from the gVisor release (or the
 * region's mirror), checksum-verified with the published sha512, and a k3s containerd config template that adds
 * the `runsc` runtime (RuntimeClass `gvisor`, see constructs/gvisor-runtime-class.ts). The template is
 * config-v3.toml.tmpl when the pinned k3s release embeds containerd 2, config.toml.tmpl for containerd 1.x
 * (regions/versions.ts K3S_RELEASES, a table, not a guess from the minor number). When k3s is already installed,
 * k3s-agent restarts to load it (once, through the same input stamp the k3s playbook uses).
 *
 * Needs from the region: versions.gvisor, versions.k3s (its K3S_RELEASES row), k3s.mirrorUrl or airgap.bundleDir (optional),
 * the run pool.
 */
import { readFileSync } from 'node:fs';
import type { Region } from '../regions/types';
import { definePlaybook, renderTemplate, step, type Play } from './core';
import { bundleStep, regionBundle } from './bundle-steps';
import { GVISOR_BINARIES, gvisorUrl } from './gvisor-release';
import { k3sInputs } from './k3s-inputs';
import { containerdTemplatePath, K3S_CONTAINERD_DIR } from './k3s-layout';
import { pinnedK3sRelease } from './k3s-release';
import { poolHosts, regionHost } from './region-hosts';
import { defineRegionPlaybook } from './region-playbook';
import { directory, file } from './tasks';
import { k3sService } from './tasks/k3s-service';
import { sha512Download } from './tasks/sha512-download';
import { templatePath } from './template-path';

export function renderContainerdTemplate(region: Region): string {
  const release = pinnedK3sRelease(region);
  return renderTemplate(
    readFileSync(templatePath('containerd-config.toml.tmpl.hbs'), 'utf8'),
    { region: region.name, k3sVersion: region.versions.k3s, containerd: release.containerd, v3: release.containerdMajor >= 2, containerdMajor: release.containerdMajor },
    'templates/containerd-config.toml.tmpl.hbs',
  );
}

export function buildGvisor(region: Region) {
  const run = poolHosts(region, 'run').map((h) => h.name);
  const bundle = run.length === 0 ? null : regionBundle(region);
  const plays: Play[] = run.length === 0 ? [] : [
    {
      name: 'gVisor on the run pool',
      hosts: run,
      steps: [
        ...GVISOR_BINARIES.map((b) =>
          bundle
            ? bundleStep(region, bundle, `Ensure ${b} ${region.versions.gvisor} is installed from the bundle (sha256-verified on the host)`, (a) => a.component === 'gvisor' && a.asset === b, `gVisor ${b}`, ['gvisor'])
            : step(`Ensure ${b} ${region.versions.gvisor} is installed (sha512-verified)`, sha512Download, (h) => ({ ...gvisorUrl(region, h.facts.arch, b), path: `/usr/local/bin/${b}`, mode: '0755' }), { tags: ['gvisor'] }),
        ),
        step('Ensure the k3s containerd config directory exists', directory, { path: K3S_CONTAINERD_DIR, mode: '0755' }, { tags: ['gvisor'] }),
        step('Ensure the containerd config template adds the runsc runtime', file, {
          path: containerdTemplatePath(pinnedK3sRelease(region).containerdMajor),
          content: renderContainerdTemplate(region),
          mode: '0644',
        }, { tags: ['gvisor'] }),
        step('Ensure k3s-agent runs with the runsc runtime loaded', k3sService, (h) => ({ unit: 'k3s-agent', inputs: k3sInputs(region, regionHost(region, h.name)) }), {
          tags: ['gvisor'],
          when: (h) => h.facts.k3sVersion !== null,
        }),
      ],
    },
  ];
  return definePlaybook({ name: 'gvisor', description: 'gVisor runsc + containerd runtime on the run pool', plays });
}

export default defineRegionPlaybook({
  name: 'gvisor',
  description: 'gVisor (runsc, containerd-shim-runsc-v1, sha512-verified) and the containerd runtime on the run pool',
  build: buildGvisor,
});
