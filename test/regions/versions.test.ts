/**
 * The version table (regions/versions.ts): the pins are exact releases, renovate.json finds every one of them,
 * every image in dist/ and the cert-manager chart come from it, nothing else in the code names a release, and
 * synth validates a region against the schemas of its own Kubernetes minor.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderCertManager } from '../../playbooks/k3s-config';
import { composeRegion } from '../../regions/compose';
import { pinnedImageProblem, pinnedVersionProblem } from '../../regions/formats';
import { listRegionNames, loadRegion, REPO_ROOT, RegionValidationError, resolveRegion } from '../../regions/load';
import type { RegionDefinition } from '../../regions/types';
import {
  certManagerChart,
  COMPONENTS,
  containerdMajor,
  DEFAULT_VERSIONS,
  imagesOf,
  K3S_RELEASES,
  kubernetesMinor,
  resolveVersions,
  VERSION_NAMES,
} from '../../regions/versions';
import euCentral1 from '../../regions/eu-central-1';
import { manifestsFromComposed } from '../../synth/from-composed';
import { KUBERNETES_SCHEMAS, schemaRegistryFor } from '../../synth/validate/schema-registry';
import { validateManifests } from '../../synth/validate/validate-manifests';
import { regionSchema } from '../../regions/schema-check';

const VERSIONS_FILE = join(REPO_ROOT, 'regions', 'versions.ts');
const SHIPPED = await listRegionNames();

describe('the version table', () => {
  it('pins every component to an exact release of the documented shape', () => {
    expect(Object.keys(DEFAULT_VERSIONS).sort()).toEqual([...VERSION_NAMES].sort());
    for (const name of VERSION_NAMES) {
      const value = DEFAULT_VERSIONS[name];
      if (name === 'rdevApi') expect(pinnedImageProblem(value), name).toBeUndefined();
      else expect(pinnedVersionProblem(value, COMPONENTS[name].pattern), `${name} ${value}`).toBeUndefined();
      expect(pinnedVersionProblem(COMPONENTS[name].example, COMPONENTS[name].pattern), `${name} example`).toBeUndefined();
    }
  });

  it('knows what the default k3s embeds, and synth has the schemas of its Kubernetes minor', () => {
    const release = K3S_RELEASES[DEFAULT_VERSIONS.k3s];
    expect(release, 'the default k3s pin has a K3S_RELEASES row').toBeDefined();
    expect(containerdMajor(release!)).toBe(2);
    for (const [tag, row] of Object.entries(K3S_RELEASES)) {
      // the row belongs to the tag: same Kubernetes patch release
      expect(tag.startsWith(`${row.kubernetes}+k3s`), tag).toBe(true);
      expect(row.source).toBe(`https://github.com/k3s-io/k3s/releases/tag/${encodeURIComponent(tag)}`);
      expect(() => containerdMajor(row)).not.toThrow();
    }
    expect(kubernetesMinor(DEFAULT_VERSIONS.k3s)).toBe('1.35');
    expect(kubernetesMinor('v1.36.4+k3s1')).toBe('1.36');
    expect(kubernetesMinor('latest')).toBeUndefined();
    expect(Object.keys(KUBERNETES_SCHEMAS)).toContain(kubernetesMinor(DEFAULT_VERSIONS.k3s));
  });

  it('region files override single pins; the schema accepts exactly the pins of the table', () => {
    expect(resolveVersions(undefined)).toEqual(DEFAULT_VERSIONS);
    expect(resolveVersions({ zot: 'v2.1.18' })).toEqual({ ...DEFAULT_VERSIONS, zot: 'v2.1.18' });
    const schemaVersions = (regionSchema as unknown as { definitions: { versions: { properties: object; required?: string[] } } }).definitions.versions;
    expect(Object.keys(schemaVersions.properties).sort()).toEqual([...VERSION_NAMES].sort());
    expect(schemaVersions.required).toBeUndefined();
  });
});

describe('region overrides', () => {
  const definition = (versions: Record<string, string>): RegionDefinition => ({ ...euCentral1, versions });
  const issues = (versions: Record<string, string>): string[] => {
    try {
      resolveRegion(definition(versions), 'regions/eu-central-1.ts');
      return [];
    } catch (error) {
      if (!(error instanceof RegionValidationError)) throw error;
      return error.message.split('\n');
    }
  };

  it('resolves an override over the table', () => {
    const region = resolveRegion(definition({ k3s: 'v1.35.6+k3s1', gitea: '1.26.3' }), 'regions/eu-central-1.ts');
    expect(region.versions).toEqual({ ...DEFAULT_VERSIONS, k3s: 'v1.35.6+k3s1', gitea: '1.26.3' });
  });

  it('refuses moving tags, release lines, unknown keys and a k3s release without a K3S_RELEASES row', () => {
    expect(issues({ woodpecker: 'latest' })).toContain(
      "region 'eu-central-1': versions.woodpecker 'latest' is a moving release channel, not a pinned version (expected e.g. v3.17.0)",
    );
    expect(issues({ k3s: 'v1.35' }).join('\n')).toMatch(/versions\.k3s 'v1\.35' names a release line/);
    expect(issues({ k3s: 'v1.34.1+k3s1' }).join('\n')).toMatch(/versions\.k3s 'v1\.34\.1\+k3s1' is Kubernetes 1\.34, outside the range/);
    expect(issues({ k3s: 'v1.35.99+k3s1' }).join('\n')).toMatch(
      /versions\.k3s 'v1\.35\.99\+k3s1' is not in the k3s release table \(expected one of v1\.35\.5\+k3s1, .*\)\n\s+fix: add its row to K3S_RELEASES in regions\/versions\.ts/,
    );
    expect(issues({ rdevApi: 'ghcr.io/orchard9/rdev-api' }).join('\n')).toMatch(/versions\.rdevApi 'ghcr\.io\/orchard9\/rdev-api' has no tag or digest/);
    expect(issues({ traefik: 'v3.7.8' }).join('\n')).toMatch(/versions\.traefik/);
  });
});

describe('renovate.json', () => {
  const renovate = JSON.parse(readFileSync(join(REPO_ROOT, 'renovate.json'), 'utf8')) as {
    customManagers: { customType: string; managerFilePatterns: string[]; matchStrings: string[] }[];
  };
  const manager = renovate.customManagers.find((m) => m.customType === 'regex');

  /** What renovate would extract from a file: [depName, currentValue, datasource] per match. */
  function extract(text: string): { depName: string; currentValue: string; datasource: string; at: number }[] {
    const out: { depName: string; currentValue: string; datasource: string; at: number }[] = [];
    for (const source of manager?.matchStrings ?? []) {
      for (const m of text.matchAll(new RegExp(source, 'g'))) {
        const g = m.groups ?? {};
        out.push({ depName: g.depName ?? '', currentValue: g.currentValue ?? '', datasource: g.datasource ?? '', at: m.index ?? 0 });
      }
    }
    return out.sort((a, b) => a.at - b.at);
  }

  it('a regex manager covers the region files and finds every pin of the table with its current value', () => {
    expect(manager).toBeDefined();
    const patterns = manager!.managerFilePatterns.map((p) => new RegExp(p.slice(1, -1)));
    for (const file of ['regions/versions.ts', 'regions/eu-central-1.ts']) expect(patterns.some((p) => p.test(file)), file).toBe(true);
    const found = extract(readFileSync(VERSIONS_FILE, 'utf8'));
    expect(found).toHaveLength(VERSION_NAMES.length);
    const expected = VERSION_NAMES.map((name) => {
      const value = DEFAULT_VERSIONS[name];
      return name === 'rdevApi' ? value.slice(value.lastIndexOf(':') + 1) : value;
    });
    expect(found.map((f) => f.currentValue).sort()).toEqual(expected.sort());
    const deps = Object.fromEntries(found.map((f) => [f.currentValue, `${f.datasource} ${f.depName}`]));
    expect(deps[DEFAULT_VERSIONS.k3s]).toBe('github-releases k3s-io/k3s');
    expect(deps[DEFAULT_VERSIONS.certManager]).toBe('helm cert-manager');
    expect(deps[DEFAULT_VERSIONS.zot]).toBe('github-releases project-zot/zot');
  });

  it('finds a per-region override written the same way', () => {
    const text = "  versions: {\n    // renovate: datasource=github-releases depName=project-zot/zot\n    zot: 'v2.1.18',\n  },\n";
    expect(extract(text)).toEqual([{ depName: 'project-zot/zot', currentValue: 'v2.1.18', datasource: 'github-releases', at: 18 }]);
  });
});

/** Every `image:` value of every workload in a dist/<region>/ tree. */
function distImages(region: string): string[] {
  const dir = join(REPO_ROOT, 'dist', region);
  const images: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'image' && typeof v === 'string') images.push(v);
        else walk(v);
      }
    }
  };
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) walk(doc.toJS());
  }
  return images;
}

describe('every image and chart comes from the table', () => {
  it.each(SHIPPED)('dist/%s uses only images of its pins, and every platform image', async (name: string) => {
    const region = await loadRegion(name);
    const allowed = new Set(Object.values(imagesOf(region.versions)));
    const used = distImages(name);
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((image) => !allowed.has(image))).toEqual([]);
    // and each one is used (an unused image in the table would be bumped for nothing)
    expect([...allowed].filter((image) => !used.includes(image))).toEqual([]);
  });

  it('the cert-manager HelmChart is the chart of the pin', async () => {
    const region = await loadRegion('eu-central-1');
    const chart = certManagerChart(region.versions);
    const doc = parse(renderCertManager(region)) as { spec: { repo: string; chart: string; version: string } };
    expect(doc.spec).toMatchObject({ repo: chart.repo, chart: chart.chart, version: DEFAULT_VERSIONS.certManager });
    const held = await loadRegion('eu-central-1').then((r) => ({ ...r, versions: { ...r.versions, certManager: 'v1.20.3' } }));
    expect((parse(renderCertManager(held)) as { spec: { version: string } }).spec.version).toBe('v1.20.3');
  });

  it('no other source file names a pinned release', () => {
    const pins = VERSION_NAMES.map((n) => DEFAULT_VERSIONS[n]);
    const offenders: string[] = [];
    const scan = (dir: string): void => {
      for (const entry of readdirSync(join(REPO_ROOT, dir), { withFileTypes: true })) {
        const rel = `${dir}/${entry.name}`;
        if (entry.isDirectory()) scan(rel);
        else if (/\.(ts|hbs)$/.test(entry.name) && rel !== 'regions/versions.ts') {
          // code only (doc comments may give examples); a pin shows as an image tag or an assigned value
          const code = readFileSync(join(REPO_ROOT, rel), 'utf8')
            .split('\n')
            .filter((line) => !/^\s*(\/\/|\/\*|\*)/.test(line))
            .join('\n');
          for (const pin of pins) {
            if ([`:${pin}'`, `:${pin}-`, `:${pin}\``, `: '${pin}'`, `= '${pin}'`].some((form) => code.includes(form))) offenders.push(`${rel}: ${pin}`);
          }
        }
      }
    };
    for (const dir of ['cli', 'constructs', 'lab', 'playbooks', 'regions', 'synth', 'review', 'templates']) scan(dir);
    expect(offenders).toEqual([]);
  });
});

describe('the schema gate follows the region Kubernetes minor', () => {
  it('validates a region on k3s 1.36 against the 1.36 schemas', async () => {
    const region = await loadRegion('eu-central-1');
    const on136 = { ...region, versions: { ...region.versions, k3s: 'v1.36.4+k3s1' } };
    expect(validateManifests(manifestsFromComposed(composeRegion(on136)))).toEqual([]);
    expect(schemaRegistryFor('1.36').kubernetesMinor).toBe('1.36');
    expect(schemaRegistryFor('1.36').get('apps/v1', 'Deployment')?.source).toBe('io.k8s.api.apps.v1.Deployment');
  });

  it('refuses a region whose minor has no vendored schemas, naming the fix', async () => {
    const region = await loadRegion('eu-central-1');
    const on128 = { ...region, versions: { ...region.versions, k3s: 'v1.28.15+k3s1' } };
    const issues = validateManifests(manifestsFromComposed(composeRegion(on128)));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      path: 'versions.k3s',
      value: 'v1.28.15+k3s1',
      problem: 'runs Kubernetes 1.28, whose schemas are not vendored, so its manifests cannot be validated',
      expected: 'a k3s release of Kubernetes 1.35 or 1.36',
    });
    expect(() => schemaRegistryFor('1.28')).toThrow(/Kubernetes 1\.28: no schemas vendored \(expected one of 1\.35, 1\.36/);
  });
});
