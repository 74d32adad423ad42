/**
 * The version table: every release the platform pins, in one place.
 *
 *   DEFAULT_VERSIONS   the pins every region gets unless its file overrides one (`versions: { ... }`)
 *   COMPONENTS         per pin: its upstream, how a pin looks, what it turns into (images, chart, assets)
 *   K3S_RELEASES       facts about k3s releases the tooling must know (embedded containerd and Traefik,
 *                      the Kubernetes minor), copied from each release's "Embedded Component Versions"
 *   imagesOf()         every container image a region's manifests may reference, derived from its pins
 *
 * Both engines read a region's resolved `versions` (regions/types.ts `Region.versions`): the constructs get
 * image tags, chart and version labels from it (regions/compose.ts), the playbooks the k3s, cert-manager and
 * gVisor releases (playbooks/k3s.ts, gvisor.ts, upgrade.ts), synth picks the Kubernetes schemas of the k3s
 * minor (synth/validate/schema-registry.ts). Nothing else in the repository names a release.
 *
 * Bumping: change a pin below (the dependency bot does it through the `// renovate:` comments, see
 * renovate.json), verify every setting the component's construct or playbook uses against the upstream source
 * at the new tag (docs/constructs.md lists what was checked where), run `npm run synth` and read
 * `npm run diff`. A k3s bump also needs its row in K3S_RELEASES (the gVisor playbook chooses the containerd
 * config template from it, and refuses a release that has no row).
 *
 * Pure data and pure functions: no I/O.
 */

/** The pins of one region. Every value is an exact release: no `latest`, no release line. */
export interface Versions {
  /** k3s release (GitHub release tag), e.g. `v1.35.8+k3s1`. Sets the Kubernetes minor synth validates against. */
  readonly k3s: string;
  /** cert-manager release = Helm chart version on charts.jetstack.io, e.g. `v1.21.1`. */
  readonly certManager: string;
  /** gVisor release (runsc + containerd-shim-runsc-v1), the release tag without `release-`, e.g. `20260817.0`. */
  readonly gvisor: string;
  /** Gitea release without `v`; the image is the rootless one, `<version>-rootless`. e.g. `1.26.4`. */
  readonly gitea: string;
  /** Woodpecker CI release (server and agent images), e.g. `v3.17.0`. */
  readonly woodpecker: string;
  /** zot registry release (multi-arch image), e.g. `v2.1.20`. */
  readonly zot: string;
  /** The rdev-api image, fully pinned (tag or digest): the platform's own product, not an upstream release. */
  readonly rdevApi: string;
  /** Tag of the official httpd image whose `htpasswd` (bcrypt) writes zot's credentials file, e.g. `2.4.62-alpine`. */
  readonly httpd: string;
}

export type VersionName = keyof Versions;

/** What a region file may set: any subset of the pins; the rest come from DEFAULT_VERSIONS. */
export type VersionOverrides = Partial<Versions>;

/*
 * The defaults. Each line carries the `// renovate:` comment renovate.json's regex manager reads; keep the
 * comment directly above its pin. Checked upstream (fetch/read at the tag) as listed in docs/constructs.md.
 */
export const DEFAULT_VERSIONS: Versions = {
  // renovate: datasource=github-releases depName=k3s-io/k3s versioning=regex:^v(?<major>\d+)\.(?<minor>\d+)\.(?<patch>\d+)\+k3s(?<build>\d+)$
  k3s: 'v1.35.8+k3s1',
  // renovate: datasource=helm depName=cert-manager registryUrl=https://charts.jetstack.io
  certManager: 'v1.21.1',
  // renovate: datasource=github-tags depName=google/gvisor extractVersion=^release-(?<version>.+)$ versioning=loose
  gvisor: '20260817.0',
  // renovate: datasource=github-releases depName=go-gitea/gitea extractVersion=^v(?<version>.+)$
  gitea: '1.26.4',
  // renovate: datasource=github-releases depName=woodpecker-ci/woodpecker
  woodpecker: 'v3.17.0',
  // renovate: datasource=github-releases depName=project-zot/zot
  zot: 'v2.1.20',
  // renovate: datasource=docker depName=ghcr.io/orchard9/rdev-api
  rdevApi: 'ghcr.io/orchard9/rdev-api:v0.10.25',
  // renovate: datasource=docker depName=docker.io/library/httpd versioning=regex:^(?<major>\d+)\.(?<minor>\d+)\.(?<patch>\d+)-alpine$
  httpd: '2.4.62-alpine',
};

export const VERSION_NAMES: readonly VersionName[] = ['k3s', 'certManager', 'gvisor', 'gitea', 'woodpecker', 'zot', 'rdevApi', 'httpd'];

/** How one pin is checked and what it means. */
export interface ComponentInfo {
  /** Human name, for messages and docs. */
  readonly title: string;
  /** Where releases are published (shown in "pin an exact release from ..." fixes). */
  readonly releases: string;
  /** Source repository the configuration is checked against (`owner/name` on GitHub). */
  readonly repository: string;
  /** The shape of an exact pin. */
  readonly pattern: RegExp;
  /** A valid pin, for "expected e.g." text. */
  readonly example: string;
}

export const COMPONENTS: Readonly<Record<VersionName, ComponentInfo>> = {
  k3s: {
    title: 'k3s',
    releases: 'https://github.com/k3s-io/k3s/releases',
    repository: 'k3s-io/k3s',
    pattern: /^v1\.[0-9]+\.[0-9]+(-rc[0-9]+)?\+k3s[0-9]+$/,
    example: 'v1.35.8+k3s1',
  },
  certManager: {
    title: 'cert-manager',
    releases: 'https://github.com/cert-manager/cert-manager/releases',
    repository: 'cert-manager/cert-manager',
    pattern: /^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$/,
    example: 'v1.21.1',
  },
  gvisor: {
    title: 'gVisor',
    releases: 'https://github.com/google/gvisor/releases',
    repository: 'google/gvisor',
    pattern: /^[0-9]{8}(\.[0-9]+)?$/,
    example: '20260817.0',
  },
  gitea: {
    title: 'Gitea',
    releases: 'https://github.com/go-gitea/gitea/releases',
    repository: 'go-gitea/gitea',
    pattern: /^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$/,
    example: '1.26.4',
  },
  woodpecker: {
    title: 'Woodpecker CI',
    releases: 'https://github.com/woodpecker-ci/woodpecker/releases',
    repository: 'woodpecker-ci/woodpecker',
    pattern: /^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$/,
    example: 'v3.17.0',
  },
  zot: {
    title: 'zot',
    releases: 'https://github.com/project-zot/zot/releases',
    repository: 'project-zot/zot',
    pattern: /^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$/,
    example: 'v2.1.20',
  },
  rdevApi: {
    title: 'rdev-api',
    releases: 'the rdev-api image registry (ghcr.io/orchard9/rdev-api)',
    repository: 'orchard9/rdev-api',
    // checked as an image reference (regions/formats.ts pinnedImageProblem), not by this pattern
    pattern: /^\S+$/,
    example: 'ghcr.io/orchard9/rdev-api:v0.10.25',
  },
  httpd: {
    title: 'httpd (htpasswd for zot)',
    releases: 'https://hub.docker.com/_/httpd',
    repository: 'docker-library/httpd',
    pattern: /^[0-9]+\.[0-9]+\.[0-9]+-alpine$/,
    example: '2.4.62-alpine',
  },
};

/** A region's pins: its overrides over the defaults. */
export function resolveVersions(overrides: VersionOverrides | undefined): Versions {
  return { ...DEFAULT_VERSIONS, ...(overrides ?? {}) };
}

/* ------------------------------------------------------------------ what the pins turn into */

/** Container images of the platform, as the constructs reference them. */
export interface PlatformImages {
  readonly gitea: string;
  readonly zot: string;
  readonly woodpeckerServer: string;
  readonly woodpeckerAgent: string;
  readonly rdevApi: string;
  readonly htpasswd: string;
}

/**
 * The image references a region's manifests use. Every image in dist/ must be one of these (a test walks
 * dist/ and checks), so a bump in DEFAULT_VERSIONS is the only way an image changes.
 * - Gitea: the rootless image (`docker.gitea.com/gitea` is the same image as Docker Hub's `gitea/gitea`).
 * - zot: `ghcr.io/project-zot/zot:<tag>` is the multi-arch manifest list (release workflow pushes it beside
 *   the per-arch `zot-linux-<arch>` images), so arm64 nodes pull the right one.
 * - Woodpecker: server and agent images of the same release (a v3 agent refuses a server of another major).
 */
export function imagesOf(v: Versions): PlatformImages {
  return {
    gitea: `docker.gitea.com/gitea:${v.gitea}-rootless`,
    zot: `ghcr.io/project-zot/zot:${v.zot}`,
    woodpeckerServer: `docker.io/woodpeckerci/woodpecker-server:${v.woodpecker}`,
    woodpeckerAgent: `docker.io/woodpeckerci/woodpecker-agent:${v.woodpecker}`,
    rdevApi: v.rdevApi,
    htpasswd: `docker.io/library/httpd:${v.httpd}`,
  };
}

/** The cert-manager Helm chart the k3s playbook hands to k3s's helm-controller. */
export interface ChartPin {
  readonly repo: string;
  readonly chart: string;
  readonly version: string;
}

export function certManagerChart(v: Versions): ChartPin {
  return { repo: 'https://charts.jetstack.io', chart: 'cert-manager', version: v.certManager };
}

/* ------------------------------------------------------------------ k3s release facts */

/** What a k3s release embeds, from its release notes' "Embedded Component Versions". */
export interface K3sRelease {
  /** e.g. `v1.35.8` */
  readonly kubernetes: string;
  /** e.g. `v2.2.7-k3s1`: decides the containerd config template (config-v3.toml.tmpl for containerd 2). */
  readonly containerd: string;
  /** Traefik the bundled chart runs, e.g. `v3.7.8`. */
  readonly traefik: string;
  /**
   * The traefik-helm-chart release k3s' bundled chart is built from (`traefik-<x>+up<chart>.tgz`), e.g. `v40.3.0`:
   * its values.schema.json decides which HelmChartConfig values the chart accepts (schemas/traefik-chart-*).
   */
  readonly traefikChart: string;
  /** The release page the row was copied from. */
  readonly source: string;
}

const releaseRow = (tag: string, kubernetes: string, containerd: string, traefik: string, traefikChart: string): [string, K3sRelease] => [
  tag,
  { kubernetes, containerd, traefik, traefikChart, source: `https://github.com/k3s-io/k3s/releases/tag/${encodeURIComponent(tag)}` },
];

/**
 * k3s releases the tooling knows. A region may pin only a release listed here (regions/rules.ts): the gVisor
 * playbook writes the containerd template of the embedded containerd's major, and a guess from the minor
 * number is exactly what broke before (k3s 1.31 moved to containerd 2 and config-v3.toml.tmpl).
 */
// The chart column (the k3s repository is too large to mirror here, so not read from its manifests/traefik.yaml):
// k3s-io/k3s#13805 (backported to 1.32-1.35 by #13812-#13815, 2026-03) ships `traefik-39.0.501+up39.0.5.tgz`, and
// #13970 moved only the image to 3.6.13; #14134 (2026-06) bumped "Traefik chart and image" to v3.7.1, which is
// traefik-helm-chart v40 (Chart.yaml appVersion v3.7.0..v3.7.4 for v40.0.0..v40.3.0), and #14326 (v3.7.7,
// backported to 1.34-1.36 by #14379-#14381) kept that chart, removing its `traefik.io/proxy-max-version: v3.7.4`
// annotation (which v40.3.0 carries) rather than moving to v41.
export const K3S_RELEASES: Readonly<Record<string, K3sRelease>> = Object.fromEntries([
  releaseRow('v1.35.5+k3s1', 'v1.35.5', 'v2.2.3-k3s1', 'v3.6.13', 'v39.0.5'),
  releaseRow('v1.35.6+k3s1', 'v1.35.6', 'v2.2.5-k3s2', 'v3.7.4', 'v40.3.0'),
  releaseRow('v1.35.8+k3s1', 'v1.35.8', 'v2.2.7-k3s1', 'v3.7.8', 'v40.3.0'),
  releaseRow('v1.36.4+k3s1', 'v1.36.4', 'v2.3.4-k3s1.36', 'v3.7.8', 'v40.3.0'),
]);

/** The facts of a pinned k3s release, or undefined when the table has no row for it. */
export function k3sRelease(version: string): K3sRelease | undefined {
  return Object.prototype.hasOwnProperty.call(K3S_RELEASES, version) ? K3S_RELEASES[version] : undefined;
}

/** Major version of the containerd a k3s release embeds (`v2.2.7-k3s1` -> 2). */
export function containerdMajor(release: K3sRelease): number {
  const m = /^v([0-9]+)\./.exec(release.containerd);
  if (!m) throw new Error(`K3S_RELEASES: containerd '${release.containerd}' is not a version (expected e.g. v2.2.7-k3s1; fix regions/versions.ts)`);
  return Number(m[1]);
}

/** Kubernetes minor of a k3s release, `v1.35.8+k3s1` -> `1.35`; undefined when the text is not a k3s release. */
export function kubernetesMinor(k3sVersion: string): string | undefined {
  const m = /^v(1)\.([0-9]+)\.[0-9]+/.exec(k3sVersion);
  return m ? `${m[1]}.${m[2]}` : undefined;
}
