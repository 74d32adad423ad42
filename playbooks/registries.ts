/**
 * /etc/rancher/k3s/registries.yaml on every node: the in-cluster registry name mirrored to the registry's public
 * https host (regions/k3s-cluster.ts registryMirrors, the source synth's platform model checks image pulls with).
 * The file is one of the k3s inputs (playbooks/k3s-inputs.ts), so k3s restarts only when it changes.
 */
import { readFileSync } from 'node:fs';
import { k3sClusterSettings } from '../regions/k3s-cluster';
import type { Region } from '../regions/types';
import { renderTemplate, step, type Step } from './core';
import { K3S_REGISTRIES } from './k3s-layout';
import { file } from './tasks';
import { templatePath } from './template-path';

export function renderRegistries(region: Region): string {
  const q = (s: string): string => JSON.stringify(s);
  const mirrors = k3sClusterSettings(region).registryMirrors.map((m) => ({ name: q(m.name), endpoint: q(m.endpoint) }));
  return renderTemplate(readFileSync(templatePath('k3s-registries.yaml.hbs'), 'utf8'), { region: region.name, mirrors }, 'templates/k3s-registries.yaml.hbs');
}

export function registriesStep(region: Region): Step {
  return step('Ensure /etc/rancher/k3s/registries.yaml mirrors the in-cluster registry to its public host', file, {
    path: K3S_REGISTRIES,
    content: renderRegistries(region),
    mode: '0644',
  }, { tags: ['k3s', 'registries'] });
}
