/**
 * The platform model check: each defect of issue 8, reintroduced on purpose into a real composed region, is
 * refused with a message that names the broken link and the fix; the shipped regions pass and print their paths.
 */
import { describe, expect, it } from 'vitest';
import { composeRegion } from '../../../regions/compose';
import { k3sClusterSettings, type K3sClusterSettings } from '../../../regions/k3s-cluster';
import { loadRegion } from '../../../regions/load';
import type { Region } from '../../../regions/types';
import { manifestsFromComposed } from '../../../synth/from-composed';
import type { KubeObject, RegionManifests } from '../../../synth/manifest';
import { bumpVersions, checkPlatform } from '../../../synth/platform';
import { bumpVersion } from '../../../synth/platform/bump';
import { formatManifestIssue } from '../../../synth/synth-error';

async function region(name = 'eu-central-1', edit?: (r: Region) => Region): Promise<Region> {
  const r = await loadRegion(name);
  return edit ? edit(r) : r;
}

function manifests(r: Region): RegionManifests {
  return manifestsFromComposed(composeRegion(r));
}

function messages(m: RegionManifests, settings?: K3sClusterSettings, bumped?: RegionManifests): string[] {
  const result = checkPlatform(m, { ...(settings ? { settings } : {}), ...(bumped ? { bumped: { manifests: bumped, bump: { changed: ['test bump'] } } } : {}) });
  return result.issues.map(formatManifestIssue);
}

/** A deep copy of the manifests with `edit` applied to every object. */
function editObjects(m: RegionManifests, edit: (o: KubeObject) => void): RegionManifests {
  const copy = JSON.parse(JSON.stringify({ files: m.files, components: m.components })) as Pick<RegionManifests, 'files' | 'components'>;
  for (const f of copy.files) for (const o of f.objects) edit(o);
  return { ...m, files: copy.files, components: copy.components };
}

describe('platform model check: the shipped regions', () => {
  for (const name of ['eu-central-1', 'us-east-1']) {
    it(`${name} passes and every public endpoint has a path from the load balancer to its pods`, async () => {
      const r = await region(name);
      const bump = bumpVersions(r);
      const result = checkPlatform(manifests(r), { bumped: { manifests: manifests(bump.region), bump: { changed: bump.changed } } });
      expect(result.issues.map(formatManifestIssue)).toEqual([]);
      const hosts = [r.platform.gitea.host, r.platform.zot.host, r.platform.woodpecker.host, r.platform.rdevApi.host];
      for (const host of hosts) {
        expect(result.paths.find((p) => p.startsWith(`https://${host}/`))).toMatch(/-> run pool \(run-1, run-2\) -> firewall 443\/TCP open -> k3s DaemonSet kube-system\/traefik hostPort 443 -> Ingress platform\/.* -> Service platform\/.* -> .*\(ops-1\)$/);
      }
      expect(result.paths.find((p) => p.startsWith('ssh://'))).toMatch(new RegExp(`^ssh://git@${r.platform.gitea.sshHost.replace(/\./g, '\\.')}:2222 : .*:2222 -> ops pool \\(ops-1\\) -> firewall 2222/TCP open -> k3s ServiceLB DaemonSet kube-system/svclb-gitea-ssh hostPort 2222 -> Service platform/gitea-ssh:2222 -> StatefulSet platform/gitea \\(ops-1\\)$`));
      expect(result.paths.find((p) => p.startsWith('http://'))).toMatch(/acme-challenge.*hostPort 80 \(redirect to https at priority 1.*HTTP-01 solver pods .* \(run-1, run-2\)$/);
    });
  }
});

describe('platform model check: the defects of issue 8, reintroduced', () => {
  it('1. Traefik placed as k3s ships it (control-plane tolerations only): no listener on 80/443 of the run pool', async () => {
    const r = await region();
    const s = k3sClusterSettings(r);
    // k3s manifests/traefik.yaml: no node selector, tolerations for the control-plane taints only
    const broken: K3sClusterSettings = { ...s, traefik: { ...s.traefik, nodeSelector: {}, tolerations: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } };
    const out = messages(manifests(r), broken);
    expect(out.some((m) => /k3s DaemonSet kube-system\/traefik .* nothing listens on 443\/TCP \(websecure\) on run-1, run-2, where the load balancer sends it \(k3s DaemonSet kube-system\/traefik can run on ctrl-1, ctrl-2, ctrl-3, ops-1\)/.test(m) && /fix: run Traefik on the run pool with hostPort 443 \(HelmChartConfig/.test(m))).toBe(true);
    expect(out.some((m) => /traefik .* can also land outside the run pool/.test(m))).toBe(true);
  });

  it('1b. the firewall of the run pool does not admit 443: the path is broken at the firewall', async () => {
    const r = await region();
    const s = k3sClusterSettings(r);
    const broken: K3sClusterSettings = { ...s, entrypoints: s.entrypoints.map((e) => (e.name === 'websecure' ? { ...e, pool: 'build' as const } : e)) };
    const out = messages(manifests(r), broken);
    expect(out.some((m) => /nothing listens on 443\/TCP \(websecure\) on build-1/.test(m))).toBe(true);
  });

  it('2. Gitea SSH on 22: ServiceLB shadows the hosts\' sshd, and without the enablelb label it lands on every node it tolerates', async () => {
    const r = await region('eu-central-1', (x) => ({ ...x, platform: { ...x.platform, gitea: { ...x.platform.gitea, sshPort: 22 } } }));
    const s = k3sClusterSettings(r);
    const out = messages(manifests(r), { ...s, serviceLbPools: [] });
    for (const node of ['ctrl-1', 'ctrl-2', 'ctrl-3', 'ops-1']) {
      expect(out.some((m) => m.includes(`svclb-gitea-ssh`) && m.includes(`holds hostPort 22/TCP on ${node}, where the host's sshd listens`) && /fix: move the LoadBalancer Service to a port no host uses/.test(m))).toBe(true);
    }
  });

  it("2b. Gitea's clone URL port differs from the port the load balancer forwards", async () => {
    const r = await region();
    const m = editObjects(manifests(r), (o) => {
      if (o.kind === 'ConfigMap' && o.metadata.name === 'gitea-config') (o.data as Record<string, string>)['app.ini'] = ((o.data as Record<string, string>)['app.ini'] ?? '').replace('SSH_PORT = 2222', 'SSH_PORT = 22');
    });
    expect(messages(m).some((x) => /SSH_PORT '22' differs from the port the load balancer forwards for git SSH.*expected 2222/.test(x))).toBe(true);
  });

  it('3. no registries.yaml mirror: tenant images under the in-cluster registry name cannot be pulled by the nodes', async () => {
    const r = await region();
    const out = messages(manifests(r), { ...k3sClusterSettings(r), registryMirrors: [] });
    expect(out.some((m) => /rdev-api tenant pods .* 'zot\.platform\.svc\.cluster\.local:5000\/.*' names registry 'zot\.platform\.svc\.cluster\.local:5000', which the nodes' containerd cannot resolve .* ImagePullBackOff/.test(m) && /fix: mirror 'zot\.platform\.svc\.cluster\.local:5000' to the registry's public https host in \/etc\/rancher\/k3s\/registries\.yaml/.test(m))).toBe(true);
  });

  it("3c. a private rdev-api image without its pull Secret: the registry refuses the kubelet's anonymous pull", async () => {
    const r = await region();
    expect(r.platform.rdevApi.privateImage).toBe(true);
    const m = editObjects(manifests(r), (o) => {
      if (o.kind === 'Deployment' && o.metadata.name === 'rdev-api') delete ((o.spec as Record<string, Record<string, Record<string, unknown>>>).template!.spec!).imagePullSecrets;
    });
    const out = messages(m);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/Deployment platform\/rdev-api .*pulls ghcr\.io\/orchard9\/rdev-api:v[0-9.]+, which the region says needs credentials \(platform\.rdevApi\.privateImage\), without a kubernetes\.io\/dockerconfigjson pull Secret .*ImagePullBackOff/);
    expect(out[0]).toMatch(/fix: reference the pull Secret from the pod spec/);
  });

  it('3d. the pull Secret on the ServiceAccount serves as well; a reference to an undeclared or Opaque Secret does not', async () => {
    const r = await region();
    const viaAccount = editObjects(manifests(r), (o) => {
      if (o.kind === 'Deployment' && o.metadata.name === 'rdev-api') delete ((o.spec as Record<string, Record<string, Record<string, unknown>>>).template!.spec!).imagePullSecrets;
      if (o.kind === 'ServiceAccount' && o.metadata.name === 'rdev-api') (o as Record<string, unknown>).imagePullSecrets = [{ name: 'rdev-api-pull' }];
    });
    expect(messages(viaAccount)).toEqual([]);
    const renamed = editObjects(manifests(r), (o) => {
      if (o.kind === 'Deployment' && o.metadata.name === 'rdev-api') ((o.spec as Record<string, Record<string, Record<string, unknown>>>).template!.spec!).imagePullSecrets = [{ name: 'regcred' }];
    });
    const out = messages(renamed);
    expect(out.some((x) => /imagePullSecrets 'regcred' names pull Secret platform\/regcred, which no secretGenerator entry declares/.test(x))).toBe(true);
    expect(out.some((x) => /without a kubernetes\.io\/dockerconfigjson pull Secret/.test(x))).toBe(true);
    const opaque = editObjects(manifests(r), (o) => {
      if (o.kind === 'Deployment' && o.metadata.name === 'rdev-api') ((o.spec as Record<string, Record<string, Record<string, unknown>>>).template!.spec!).imagePullSecrets = [{ name: 'rdev-api-credentials' }];
    });
    expect(messages(opaque).some((x) => /names pull Secret platform\/rdev-api-credentials, whose type is Opaque/.test(x))).toBe(true);
  });

  it('3e. a public rdev-api image needs no pull Secret (us-east-1 pulls anonymously)', async () => {
    const r = await region('us-east-1');
    expect(r.platform.rdevApi.privateImage).toBe(false);
    const m = manifests(r);
    expect(m.secrets.some((x) => x.type === 'kubernetes.io/dockerconfigjson')).toBe(false);
    expect(JSON.stringify(m.files)).not.toContain('imagePullSecrets');
    expect(messages(m)).toEqual([]);
  });

  it('3b. a mirror whose endpoint no Ingress serves is refused', async () => {
    const r = await region();
    const s = k3sClusterSettings(r);
    const out = messages(manifests(r), { ...s, registryMirrors: s.registryMirrors.map((x) => ({ ...x, endpoint: 'https://elsewhere.example' })) });
    expect(out.some((m) => /is pulled through the mirror https:\/\/elsewhere\.example, which no Ingress serves/.test(m))).toBe(true);
  });

  it('4. the version label in volumeClaimTemplates: a version bump changes an immutable field', async () => {
    const r = await region();
    const bump = bumpVersions(r);
    const withVersion = (m: RegionManifests, version: string): RegionManifests =>
      editObjects(m, (o) => {
        if (o.kind !== 'StatefulSet' || o.metadata.name !== 'gitea') return;
        const vct = ((o.spec as Record<string, unknown>).volumeClaimTemplates as { metadata: { labels: Record<string, string> } }[])[0];
        if (vct) vct.metadata.labels['app.kubernetes.io/version'] = version;
      });
    const out = messages(withVersion(manifests(r), r.versions.gitea), undefined, withVersion(manifests(bump.region), bump.region.versions.gitea));
    expect(out.some((m) => /StatefulSet platform\/gitea \(50-gitea\.yaml\) spec\.volumeClaimTemplates .* changes when the pinned versions move .* is immutable: kubectl apply -k fails/.test(m) && /fix: keep versions out of immutable fields/.test(m))).toBe(true);
  });

  it('4b. the shipped constructs keep every immutable field stable under a bump', async () => {
    const r = await region();
    const bump = bumpVersions(r);
    expect(messages(manifests(r), undefined, manifests(bump.region))).toEqual([]);
    expect(bump.changed).toContain(`Gitea ${r.versions.gitea} -> ${bumpVersion(r.versions.gitea)}`);
  });

  it('5. tenants sharing one namespace (a tenant-labelled namespace in the manifests, rdev-api on DEPLOY_NAMESPACE) are refused', async () => {
    const r = await region();
    const m = manifests(r);
    const shared: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'projects', labels: { 'platform/tenant': 'true' } } };
    const withShared = editObjects({ ...m, files: m.files.map((f) => (f.file.startsWith('10-') ? { ...f, objects: [...f.objects, shared] } : f)) }, (o) => {
      if (o.kind === 'ConfigMap' && o.metadata.name === 'rdev-api-config') (o.data as Record<string, string>).DEPLOY_NAMESPACE = 'projects';
    });
    const out = messages(withShared);
    expect(out.some((x) => /Namespace projects \(10-namespaces\.yaml\) metadata\.labels\.platform\/tenant 'true' is one tenant namespace for every project deployed there: its allow-same-namespace policy lets each customer reach the others/.test(x) && /fix: give every project its own namespace/.test(x))).toBe(true);
    expect(out.some((x) => /ConfigMap platform\/rdev-api-config .* data\.DEPLOY_NAMESPACE 'projects' makes rdev-api deploy every project into one namespace/.test(x))).toBe(true);
  });

  it('5b. a tenant component without its Namespace (labels, run-pool pin) is refused', async () => {
    const r = await region();
    const m = manifests(r);
    const stripped = { ...m, components: m.components.map((c) => ({ ...c, objects: c.objects.filter((o) => o.kind !== 'Namespace') })) };
    expect(messages(stripped).some((x) => /components\/tenant-isolation.* does not make the namespace it is stamped onto a tenant namespace pinned to the run pool/.test(x))).toBe(true);
  });

  it('6. Woodpecker v2.8.3 ignores WOODPECKER_BACKEND_K8S_POD_TOLERATIONS: without the namespace default toleration pipelines stay Pending', async () => {
    const r = await region();
    const m = editObjects(manifests(r), (o) => {
      if (o.kind === 'Namespace' && o.metadata.name === 'builds') {
        const a = o.metadata.annotations as Record<string, string>;
        delete a['scheduler.alpha.kubernetes.io/defaultTolerations'];
        delete a['scheduler.alpha.kubernetes.io/tolerationsWhitelist'];
      }
      // a region still on the v2 agent (the version table pins v3, which reads POD_TOLERATIONS)
      if (o.kind === 'Deployment' && o.metadata.name === 'woodpecker-agent') {
        const c = ((o.spec as any).template.spec.containers as { image: string }[])[0];
        if (c) c.image = 'woodpeckerci/woodpecker-agent:v2.8.3';
      }
    });
    const agent = m.files.flatMap((f) => f.objects).find((o) => o.metadata.name === 'woodpecker-agent' && o.kind === 'Deployment');
    expect(JSON.stringify(agent)).toContain('woodpeckerci/woodpecker-agent:v2.8.3');
    const out = messages(m);
    expect(out.some((x) => /Woodpecker pipeline pods builds\/\* .* cannot be scheduled on any host \(.*build-1: untolerated taint platform\/build=ci:NoSchedule.*\), so its pods stay Pending/.test(x) && /fix: woodpeckerci\/woodpecker-agent:v2\.8\.3 ignores WOODPECKER_BACKEND_K8S_POD_TOLERATIONS \(read from v3\.9\.0 on/.test(x))).toBe(true);
  });

  it('6b. a Woodpecker release that reads POD_TOLERATIONS schedules pipelines without the namespace default', async () => {
    const r = await region();
    const m = editObjects(manifests(r), (o) => {
      if (o.kind === 'Namespace' && o.metadata.name === 'builds') {
        const a = o.metadata.annotations as Record<string, string>;
        delete a['scheduler.alpha.kubernetes.io/defaultTolerations'];
        delete a['scheduler.alpha.kubernetes.io/tolerationsWhitelist'];
      }
      if (o.kind === 'Deployment' && o.metadata.name === 'woodpecker-agent') {
        const c = ((o.spec as any).template.spec.containers as { image: string }[])[0];
        if (c) c.image = 'woodpeckerci/woodpecker-agent:v3.9.0';
      }
    });
    expect(messages(m).filter((x) => x.includes('Woodpecker pipeline'))).toEqual([]);
  });

  it('6c. a pipeline pod that adds a toleration outside the builds whitelist is rejected at admission', async () => {
    const r = await region();
    const m = editObjects(manifests(r), (o) => {
      if (o.kind !== 'Deployment' || o.metadata.name !== 'woodpecker-agent') return;
      const c = ((o.spec as any).template.spec.containers as { image: string; env: { name: string; value?: string }[] }[])[0]!;
      c.image = 'woodpeckerci/woodpecker-agent:v3.9.0';
      const env = c.env.find((e) => e.name === 'WOODPECKER_BACKEND_K8S_POD_TOLERATIONS');
      env!.value = JSON.stringify([{ key: 'platform/run', operator: 'Exists', effect: 'NoSchedule' }]);
    });
    expect(messages(m).some((x) => /Woodpecker pipeline pods .*\(admission rejects it: toleration .*platform\/run.* is outside namespace builds's tolerationsWhitelist/.test(x))).toBe(true);
  });

  it('6d. a builds whitelist without the tolerations the API server adds to every pod refuses every pipeline pod', async () => {
    const r = await region();
    expect(messages(manifests(r)).filter((x) => x.includes('tolerationsWhitelist'))).toEqual([]); // the shipped whitelist passes
    const m = editObjects(manifests(r), (o) => {
      if (o.kind !== 'Namespace' || o.metadata.name !== 'builds') return;
      const a = o.metadata.annotations as Record<string, string>;
      // the whitelist as it was before: only the build pool's toleration
      a['scheduler.alpha.kubernetes.io/tolerationsWhitelist'] = a['scheduler.alpha.kubernetes.io/defaultTolerations']!;
    });
    expect(messages(m).some((x) => /Woodpecker pipeline pods .*\(admission rejects it: toleration .*node\.kubernetes\.io\/not-ready.* is outside namespace builds's tolerationsWhitelist/.test(x))).toBe(true);
  });

  it('a tenant pod without the gVisor RuntimeClass must not be schedulable: an untainted run pool is refused', async () => {
    const r = await region();
    const m = editObjects(manifests(r), () => undefined);
    const broken = { ...m, region: { ...m.region, hosts: m.region.hosts.map((h) => (h.pool === 'run' ? { ...h, taints: [] } : h)) } };
    expect(messages(broken).some((x) => /a tenant pod without a RuntimeClass in dp-example-project .* can be scheduled on run-1, run-2: a tenant pod without the gVisor RuntimeClass would run unsandboxed/.test(x))).toBe(true);
  });

  it('HTTP-01 solver pods without the run-pool toleration stay Pending', async () => {
    const r = await region();
    const m = editObjects(manifests(r), (o) => {
      for (const solver of (o.kind === 'Issuer' ? (o.spec as any).acme.solvers : []) as { http01?: { ingress: Record<string, unknown> } }[]) delete solver.http01?.ingress.podTemplate;
    });
    for (const c of m.components) for (const o of c.objects) for (const solver of (o.kind === 'Issuer' ? (o.spec as any).acme.solvers : []) as { http01?: { ingress: Record<string, unknown> } }[]) delete solver.http01?.ingress.podTemplate;
    expect(messages(m).some((x) => /cert-manager HTTP-01 solver pods dp-example-project\/\* .* cannot be scheduled on any host .*run-1, run-2: untolerated taint platform\/run=gvisor:NoSchedule/.test(x))).toBe(true);
  });

  it('an Ingress on every entrypoint bypasses the HTTPS redirect', async () => {
    const r = await region();
    const m = editObjects(manifests(r), (o) => {
      if (o.kind === 'Ingress' && o.metadata.name === 'gitea') delete (o.metadata as any).annotations;
    });
    expect(messages(m).some((x) => /Ingress platform\/gitea .* outranks the HTTP->HTTPS redirect .* serves it over plain HTTP/.test(x))).toBe(true);
  });

  it('two hostPorts on one node, and a LoadBalancer Service on a port the load balancer does not forward', async () => {
    const r = await region();
    const m = editObjects(manifests(r), (o) => {
      if (o.kind === 'Service' && o.metadata.name === 'gitea-http') {
        (o.spec as any).type = 'LoadBalancer';
        (o.spec as any).ports[0].port = 443;
      }
    });
    const out = messages(m);
    expect(out.some((x) => /Service platform\/gitea-http .* is published by ServiceLB on ports the load balancer does not forward/.test(x))).toBe(true);
  });
});
