/** gVisor: release URLs, the containerd template per k3s version, the run-pool play. */
import { describe, expect, it } from 'vitest';
import { loadRegion } from '../../regions/load';
import gvisor, { renderContainerdTemplate, renderRunscConfig } from '../../playbooks/gvisor';
import { gvisorUrl } from '../../playbooks/gvisor-release';
import { containerdTemplatePath } from '../../playbooks/k3s-layout';
import { k3sRelease } from '../../regions/versions';

describe('gvisor', () => {
  it('downloads from the gVisor release layout, or the mirror in the same layout, with .sha512 files', async () => {
    const region = await loadRegion('eu-central-1');
    expect(gvisorUrl(region, 'x86_64', 'runsc')).toEqual({
      url: 'https://storage.googleapis.com/gvisor/releases/release/20260817.0/x86_64/runsc',
      checksumUrl: 'https://storage.googleapis.com/gvisor/releases/release/20260817.0/x86_64/runsc.sha512',
    });
    expect(gvisorUrl({ ...region, k3s: { ...region.k3s, mirrorUrl: 'http://m/' } }, 'aarch64', 'containerd-shim-runsc-v1').url).toBe('http://m/gvisor/20260817.0/aarch64/containerd-shim-runsc-v1');
  });

  it('chooses the containerd template from the containerd the pinned k3s embeds (K3S_RELEASES), not the minor', async () => {
    const region = await loadRegion('eu-central-1');
    expect(k3sRelease(region.versions.k3s)?.containerd).toMatch(/^v2\./);
    const v3 = renderContainerdTemplate(region);
    expect(v3).toContain('{{ template "base" . }}');
    expect(v3).toContain('runtime_type = "io.containerd.runsc.v1"');
    // containerd 2 (config version 3): the CRI runtime plugin is io.containerd.cri.v1.runtime; the shim gets its
    // runsc flags through ConfigPath
    expect(v3).toContain(`[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runsc.options]\n  TypeUrl = "io.containerd.runsc.v1.options"\n  ConfigPath = "/etc/containerd/runsc.toml"`);
    expect(v3).not.toContain('io.containerd.grpc.v1.cri');
    expect(renderRunscConfig(region)).toMatch(/^\[runsc_config\]\n {2}systemd-cgroup = "true"$/m);
    expect(containerdTemplatePath(2)).toMatch(/\/config-v3\.toml\.tmpl$/);
    expect(containerdTemplatePath(1)).toMatch(/\/config\.toml\.tmpl$/);
    // a release the table does not know is refused, naming the fix
    expect(() => renderContainerdTemplate({ ...region, versions: { ...region.versions, k3s: 'v1.35.99+k3s1' } })).toThrow(
      /versions\.k3s 'v1\.35\.99\+k3s1' is not in the k3s release table .*add its row to K3S_RELEASES in regions\/versions\.ts/,
    );
  });

  it('targets the run pool only, and no host at all when a region has none', async () => {
    const region = await loadRegion('us-east-1');
    expect(gvisor.build(region).plays.map((p) => p.hosts)).toEqual([['run-1', 'run-2']]);
    const { run: _run, ...pools } = region.pools;
    expect(gvisor.build({ ...region, pools, hosts: region.hosts.filter((h) => h.pool !== 'run') }).plays).toEqual([]);
  });
});
