/**
 * Helpers for the construct tests: synthesize one construct in a test chart, find objects, and the
 * shipped regions resolved by regions/load.ts (the source of truth for defaults).
 */
import { Testing, type Chart } from 'cdk8s';
import { loadRegion } from '../../regions/load';
import type { GiteaProps } from '../../constructs/gitea';
import type { Region } from '../../regions/types';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type K8sObject = any;

/** Gitea on PostgreSQL on the ops pool, as the Gitea construct tests build it. */
export const GITEA_PROPS: GiteaProps = {
  namespace: 'platform',
  version: '1.26.4',
  image: 'docker.gitea.com/gitea:1.26.4-rootless',
  host: 'git.threesix.example',
  database: { type: 'postgres', host: 'postgres.databases.svc.cluster.local:5432', name: 'gitea', user: 'gitea' },
  storageClassName: 'local-path',
  tlsSecretName: 'wildcard-tls',
  webhookAllowedHosts: ['woodpecker-server.platform.svc.cluster.local'],
  placement: { nodeSelector: { 'node.platform/pool': 'ops' } },
};

/** A fresh chart; `build` adds the construct under test; returns the synthesized objects. */
export function synth(build: (chart: Chart) => void): K8sObject[] {
  const chart = Testing.chart();
  build(chart);
  return chart.toJson();
}

/** The one object of that kind and name (fails the test with the list of what exists otherwise). */
export function find(objects: readonly K8sObject[], kind: string, name: string, namespace?: string): K8sObject {
  const hits = objects.filter((o) => o.kind === kind && o.metadata?.name === name && (namespace === undefined || o.metadata?.namespace === namespace));
  if (hits.length !== 1) {
    const have = objects.map((o) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`).join(', ');
    throw new Error(`expected exactly one ${kind} '${name}'${namespace ? ` in '${namespace}'` : ''}, found ${hits.length} among: ${have}`);
  }
  return hits[0];
}

/** Env var value (literal) of a container, or its secretKeyRef. */
export function envOf(container: K8sObject, name: string): K8sObject {
  const hit = (container.env ?? []).find((e: K8sObject) => e.name === name);
  if (!hit) throw new Error(`container '${container.name}' has no env var ${name}`);
  return hit.value ?? hit.valueFrom;
}

const cache = new Map<string, Promise<Region>>();

/** A shipped region resolved through regions/load.ts (defaults applied), cached per test file. */
export function shippedRegion(name: 'eu-central-1' | 'us-east-1'): Promise<Region> {
  let hit = cache.get(name);
  if (!hit) {
    hit = loadRegion(name);
    cache.set(name, hit);
  }
  return hit;
}

/** A copy of a region with a changed platform section (for compose tests of variants). */
export function withPlatform(region: Region, change: Partial<Region['platform']>): Region {
  return { ...region, platform: { ...region.platform, ...change } };
}
