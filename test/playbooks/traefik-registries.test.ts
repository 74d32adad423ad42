/**
 * The host-side half of the public path: the Traefik HelmChartConfig and registries.yaml the k3s playbook ships,
 * rendered from regions/k3s-cluster.ts (the source synth's platform model reads).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import k3s from '../../playbooks/k3s';
import { k3sInputs } from '../../playbooks/k3s-inputs';
import { K3S_MANIFESTS, K3S_REGISTRIES } from '../../playbooks/k3s-layout';
import { renderRegistries } from '../../playbooks/registries';
import { renderTraefikConfig, TRAEFIK_CONFIG_PATH } from '../../playbooks/traefik-config';
import { k3sClusterSettings, traefikChartFor, traefikChartOf, traefikValues } from '../../regions/k3s-cluster';
import { K3S_RELEASES } from '../../regions/versions';
import { REPO_ROOT } from '../../regions/load';
import { loadRegion } from '../../regions/load';

describe('Traefik HelmChartConfig', () => {
  it('places Traefik on the run pool as a DaemonSet with hostPorts 80/443, a ClusterIP Service and the HTTPS redirect (chart 27 syntax for k3s 1.28)', async () => {
    // a region held on k3s 1.28 (the shipped regions run 1.35, whose chart syntax the next test checks)
    const shipped = await loadRegion('eu-central-1');
    const region = { ...shipped, versions: { ...shipped.versions, k3s: 'v1.28.15+k3s1' } };
    const doc = parse(renderTraefikConfig(region)) as { apiVersion: string; kind: string; metadata: Record<string, string>; spec: { valuesContent: string } };
    expect(doc).toMatchObject({ apiVersion: 'helm.cattle.io/v1', kind: 'HelmChartConfig', metadata: { name: 'traefik', namespace: 'kube-system' } });
    const values = parse(doc.spec.valuesContent) as Record<string, any>;
    expect(values.deployment).toEqual({ kind: 'DaemonSet' });
    expect(values.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    expect(values.nodeSelector).toEqual({ 'node.platform/pool': 'run' });
    expect(values.tolerations).toEqual([
      { key: 'CriticalAddonsOnly', operator: 'Exists' },
      { key: 'platform/run', operator: 'Equal', value: 'gvisor', effect: 'NoSchedule' },
    ]);
    // traefik-helm-chart v27.0.2 traefik/templates/_podtemplate.tpl: redirectTo.port / redirectTo.priority
    expect(values.ports).toEqual({ web: { hostPort: 80, redirectTo: { port: 'websecure', priority: 1 } }, websecure: { hostPort: 443 } });
    expect(values.service).toEqual({ type: 'ClusterIP' });
  });

  it('uses ports.web.redirections for charts 34..38 and ports.web.http.redirections from chart 39 (k3s 1.35 ships 39/40)', async () => {
    const region = await loadRegion('eu-central-1');
    const entryPoint = { to: 'websecure', scheme: 'https', permanent: true, priority: 1 };
    expect(traefikChartFor(28).major).toBe(27);
    const at = (major: number) => traefikValues({ ...k3sClusterSettings(region), traefikChart: { version: `v${major}.0.0`, major, traefik: 'v3' } }) as Record<string, any>;
    expect(at(37).ports.web).toEqual({ hostPort: 80, redirections: { entryPoint } });
    expect(at(39).ports.web).toEqual({ hostPort: 80, http: { redirections: { entryPoint } } });
    // the shipped regions (k3s v1.35.8, chart 40) get the chart-39 syntax from the release table
    const shipped = parse((parse(renderTraefikConfig(region)) as { spec: { valuesContent: string } }).spec.valuesContent) as Record<string, any>;
    expect(shipped.ports.web).toEqual({ hostPort: 80, http: { redirections: { entryPoint } } });
    expect(shipped.ports.web.redirectTo).toBeUndefined();
  });

  it('passes values.schema.json of the chart every known k3s release ships (additionalProperties: false), and redirectTo does not', async () => {
    const region = await loadRegion('eu-central-1');
    expect(traefikChartOf(region.versions.k3s).major).toBe(40); // k3s v1.35.8: Traefik 3.7 on chart 40
    const charts = [...new Set(Object.values(K3S_RELEASES).map((r) => r.traefikChart))].sort();
    expect(charts).toEqual(['v39.0.5', 'v40.3.0']);
    for (const chart of charts) {
      // traefik-helm-chart <chart> traefik/values.schema.json (schemas/README.md): helm refuses values it rejects
      const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', `traefik-chart-${chart}.values.schema.json`), 'utf8'));
      const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);
      const settings = { ...k3sClusterSettings(region), traefikChart: { version: chart, major: Number(chart.slice(1).split('.')[0]), traefik: 'v3' } };
      const values = traefikValues(settings) as Record<string, any>;
      expect(validate(values), `${chart}: ${JSON.stringify(validate.errors)}`).toBe(true);
      // the pre-34 syntax is refused by the schema: the check can fail
      const old = traefikValues({ ...settings, traefikChart: traefikChartFor(28) });
      expect(validate(old), chart).toBe(false);
      expect(JSON.stringify(validate.errors)).toContain('redirectTo');
    }
  });

  it('is shipped by the k3s playbook into the auto-deploy manifests of every server, not of agents', async () => {
    const pb = k3s.build(await loadRegion('eu-central-1'));
    const paths = (i: number): unknown[] => pb.plays[i]!.steps.map((s) => (typeof s.args === 'function' ? undefined : (s.args as { path?: string }).path));
    expect(TRAEFIK_CONFIG_PATH).toBe(`${K3S_MANIFESTS}/traefik-config.yaml`);
    // plays: 0 cluster state, 1 join target, 2 seed server, 3 further servers, 4 agents' join state, 5.. agents per pool
    expect(paths(2)).toContain(TRAEFIK_CONFIG_PATH);
    expect(paths(3)).toContain(TRAEFIK_CONFIG_PATH);
    expect(paths(5)).not.toContain(TRAEFIK_CONFIG_PATH);
  });
});

describe('registries.yaml', () => {
  it('mirrors the in-cluster registry name to the public registry host over https', async () => {
    const region = await loadRegion('eu-central-1');
    expect(parse(renderRegistries(region))).toEqual({ mirrors: { 'zot.platform.svc.cluster.local:5000': { endpoint: ['https://registry.threesix.example'] } } });
  });

  it('is written on every node and is a k3s input, so k3s restarts when (and only when) it changes', async () => {
    const region = await loadRegion('eu-central-1');
    const pb = k3s.build(region);
    for (const i of [2, 3, 5, 6, 7]) { // seed, further servers, (4: agents' read-only join state), run, build, ops agents
      expect(pb.plays[i]!.steps.some((s) => typeof s.args !== 'function' && (s.args as { path?: string }).path === K3S_REGISTRIES)).toBe(true);
    }
    for (const h of region.hosts) expect(k3sInputs(region, h)).toContain(K3S_REGISTRIES);
  });
});
