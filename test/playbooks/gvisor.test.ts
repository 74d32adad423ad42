/** gVisor: release URLs, the containerd template per k3s version, the run-pool play. */
import { describe, expect, it } from 'vitest';
import { loadRegion } from '../../regions/load';
import gvisor, { renderContainerdTemplate } from '../../playbooks/gvisor';
import { gvisorUrl } from '../../playbooks/gvisor-release';
import { containerdTemplatePath } from '../../playbooks/k3s-layout';

describe('gvisor', () => {
  it('downloads from the gVisor release layout, or the mirror in the same layout, with .sha512 files', async () => {
    const region = await loadRegion('eu-central-1');
    expect(gvisorUrl(region, 'x86_64', 'runsc')).toEqual({
      url: 'https://storage.googleapis.com/gvisor/releases/release/20241104/x86_64/runsc',
      checksumUrl: 'https://storage.googleapis.com/gvisor/releases/release/20241104/x86_64/runsc.sha512',
    });
    expect(gvisorUrl({ ...region, k3s: { ...region.k3s, mirrorUrl: 'http://m/' } }, 'aarch64', 'containerd-shim-runsc-v1').url).toBe('http://m/gvisor/20241104/aarch64/containerd-shim-runsc-v1');
  });

  it('containerd 1.x template (k3s < 1.31) and containerd 2 template (k3s >= 1.31) keep k3s\'s base config', async () => {
    const region = await loadRegion('eu-central-1');
    const v2 = renderContainerdTemplate(region);
    expect(v2).toContain('{{ template "base" . }}');
    expect(v2).toContain(`[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc]`);
    expect(containerdTemplatePath(28)).toMatch(/\/config\.toml\.tmpl$/);
    const v3 = renderContainerdTemplate({ ...region, k3s: { ...region.k3s, version: 'v1.31.4+k3s1' } });
    expect(v3).toContain(`[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runsc]`);
    expect(v3).toContain('runtime_type = "io.containerd.runsc.v1"');
    expect(containerdTemplatePath(31)).toMatch(/\/config-v3\.toml\.tmpl$/);
  });

  it('targets the run pool only, and no host at all when a region has none', async () => {
    const region = await loadRegion('us-east-1');
    expect(gvisor.build(region).plays.map((p) => p.hosts)).toEqual([['run-1', 'run-2']]);
    const { run: _run, ...pools } = region.pools;
    expect(gvisor.build({ ...region, pools, hosts: region.hosts.filter((h) => h.pool !== 'run') }).plays).toEqual([]);
  });
});
