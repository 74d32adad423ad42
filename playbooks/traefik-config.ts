/**
 * The HelmChartConfig for k3s' bundled Traefik, shipped into the server's auto-deploy manifests directory (k3s
 * merges its valuesContent into the traefik HelmChart of manifests/traefik.yaml). Values come from
 * regions/k3s-cluster.ts, the source synth's platform model checks, in the syntax of the chart the pinned k3s ships.
 */
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { k3sClusterSettings, traefikValues, TRAEFIK_CHART, TRAEFIK_CONFIG_FILE } from '../regions/k3s-cluster';
import type { Region } from '../regions/types';
import { renderTemplate, step, type Step } from './core';
import { K3S_MANIFESTS } from './k3s-layout';
import { file } from './tasks';
import { templatePath } from './template-path';

export const TRAEFIK_CONFIG_PATH = `${K3S_MANIFESTS}/${TRAEFIK_CONFIG_FILE}`;

export function renderTraefikConfig(region: Region): string {
  const settings = k3sClusterSettings(region);
  const values = stringify(traefikValues(settings), { lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' })
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
  return renderTemplate(readFileSync(templatePath('traefik-helmchartconfig.yaml.hbs'), 'utf8'), {
    region: region.name,
    name: TRAEFIK_CHART.name,
    namespace: TRAEFIK_CHART.namespace,
    pool: settings.traefik.pool,
    chartVersion: settings.traefikChart.version,
    traefikVersion: settings.traefikChart.traefik,
    valuesContent: values,
  }, 'templates/traefik-helmchartconfig.yaml.hbs');
}

/** Server step: the HelmChartConfig in the auto-deploy manifests (after the manifests directory exists). */
export function traefikConfigStep(region: Region): Step {
  return step('Ensure the Traefik HelmChartConfig (placement, hostPorts, HTTPS redirect) is in the auto-deploy manifests', file, {
    path: TRAEFIK_CONFIG_PATH,
    content: renderTraefikConfig(region),
    mode: '0600',
  }, { tags: ['k3s', 'traefik'] });
}
