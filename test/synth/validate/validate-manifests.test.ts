import { describe, expect, it } from 'vitest';
import { formatManifestIssue, SynthValidationError } from '../../../synth/synth-error';
import { assertValidManifests, validateManifests } from '../../../synth/validate/validate-manifests';
import type { KubeObject, RegionManifests } from '../../../synth/manifest';
import { objectOf, validManifests } from '../fixtures';

async function issuesAfter(edit: (m: RegionManifests) => RegionManifests | void): Promise<string[]> {
  const m = await validManifests();
  const edited = edit(m) ?? m;
  return validateManifests(edited).map(formatManifestIssue);
}

function withFile(m: RegionManifests, file: string, objects: KubeObject[]): RegionManifests {
  return { ...m, files: [...m.files, { file, objects }] };
}

describe('the validation gate', () => {
  it('passes the valid fixture', async () => {
    expect(validateManifests(await validManifests()).map(formatManifestIssue)).toEqual([]);
  });

  it('rejects an unknown field, naming the object, path, value and allowed fields', async () => {
    const issues = await issuesAfter((m) => {
      objectOf(m, 'Deployment', 'web').spec.template.spec.containers[0].imagePullPolicyy = 'Always';
    });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(
      /^region 'eu-central-1': Deployment platform\/web \(30-web\.yaml\) spec\.template\.spec\.containers\[0\]\.imagePullPolicyy 'Always' is an unknown field \(strict schema io\.k8s\.api\.core\.v1\.Container\) \(expected one of .*imagePullPolicy.*\)\n  fix: remove 'imagePullPolicyy'/,
    );
  });

  it('rejects a wrong type', async () => {
    const issues = await issuesAfter((m) => {
      objectOf(m, 'Deployment', 'web').spec.template.spec.containers[0].ports[0].containerPort = '8080';
    });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/containers\[0\]\.ports\[0\]\.containerPort '8080' has the wrong type string \(expected integer\)/);
  });

  it('rejects a wrong type in an IntOrString field with one message', async () => {
    const issues = await issuesAfter((m) => {
      objectOf(m, 'Service', 'web').spec.ports[0].targetPort = true;
    });
    expect(issues.filter((i) => i.includes('targetPort'))[0]).toMatch(/spec\.ports\[0\]\.targetPort true has the wrong type boolean \(expected string or integer\)/);
  });

  it('rejects an unknown kind', async () => {
    const issues = await issuesAfter((m) =>
      withFile(m, '90-extra.yaml', [{ apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', metadata: { name: 'x', namespace: 'platform' } }]),
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/Middleware platform\/x \(90-extra\.yaml\) apiVersion\/kind 'traefik\.io\/v1alpha1 Middleware' is not a known kind/);
  });

  it('rejects an unknown field in a cert-manager resource (CRD schema, strict metadata)', async () => {
    const issues = await issuesAfter((m) => {
      const cert = objectOf(m, 'Certificate', 'wildcard');
      cert.spec.dnsName = 'x';
      cert.metadata.lables = {};
    });
    expect(issues).toHaveLength(2);
    expect(issues.join('\n')).toMatch(/metadata\.lables \{\} is an unknown field/);
    expect(issues.join('\n')).toMatch(/spec\.dnsName 'x' is an unknown field \(strict schema cert-manager\.io\/v1 Certificate CRD/);
  });

  it('rejects a Service selector that matches no pod template', async () => {
    const issues = await issuesAfter((m) => {
      objectOf(m, 'Service', 'web').spec.selector = { 'app.kubernetes.io/name': 'wbe' };
    });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/Service platform\/web \(30-web\.yaml\) spec\.selector \{"app\.kubernetes\.io\/name":"wbe"\} matches no pod template in namespace 'platform'/);
  });

  it('rejects an Ingress backend port the Service does not expose', async () => {
    const issues = await issuesAfter((m) => {
      objectOf(m, 'Ingress', 'web').spec.rules[0].http.paths[0].backend.service.port = { number: 8080 };
    });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/Ingress platform\/web \(30-web\.yaml\) spec\.rules\[0\]\.http\.paths\[0\]\.backend\.service\.port\.number 8080 is not a port of Service platform\/web \(expected one of 80 \(http\)\)/);
  });

  it('rejects an Ingress backend naming a missing Service', async () => {
    const issues = await issuesAfter((m) => {
      objectOf(m, 'Ingress', 'web').spec.rules[0].http.paths[0].backend.service.name = 'webb';
    });
    expect(issues[0]).toMatch(/backend\.service\.name 'webb' names a Service that does not exist in namespace 'platform'/);
  });

  it('rejects a reference to a missing Secret, and a key the declared Secret does not have', async () => {
    const issues = await issuesAfter((m) => {
      const c = objectOf(m, 'Deployment', 'web').spec.template.spec.containers[0];
      c.envFrom = [{ secretRef: { name: 'nope' } }];
      c.env[0].valueFrom.secretKeyRef.key = 'tokn';
    });
    expect(issues).toHaveLength(2);
    expect(issues[0]).toMatch(/containers\[0\]\.env\[0\]\.valueFrom\.secretKeyRef\.key 'tokn' is not a key of Secret platform\/web-secrets \(expected one of token, upstream-key\)/);
    expect(issues[1]).toMatch(/containers\[0\]\.envFrom\[0\]\.secretRef\.name 'nope' names a Secret that does not exist in namespace 'platform'/);
    expect(issues[1]).toMatch(/fix: add the Secret 'nope' to the output, declare it as a SecretRequirement/);
  });

  it('accepts a Secret declared external, and rejects a TLS secret no Certificate makes', async () => {
    expect(
      await issuesAfter((m) => {
        objectOf(m, 'Deployment', 'web').spec.template.spec.containers[0].envFrom = [{ secretRef: { name: 'from-elsewhere' } }];
        return { ...m, external: [...m.external, { kind: 'Secret', namespace: 'platform', name: 'from-elsewhere', reason: 'test' }] };
      }),
    ).toEqual([]);
    const issues = await issuesAfter((m) => {
      objectOf(m, 'Ingress', 'web').spec.tls[0].secretName = 'other-tls';
    });
    expect(issues[0]).toMatch(/spec\.tls\[0\]\.secretName 'other-tls' is neither a Secret nor the secretName of a Certificate/);
  });

  it("accepts a claim a StatefulSet's volumeClaimTemplates create (<template>-<set>-<ordinal>), and no other ordinal", async () => {
    const mount = (claimName: string) => (m: RegionManifests) => {
      const spec = objectOf(m, 'Deployment', 'web').spec.template.spec;
      spec.volumes = [...(spec.volumes ?? []), { name: 'db-data', persistentVolumeClaim: { claimName } }];
    };
    expect(await issuesAfter(mount('data-db-0'))).toEqual([]);
    const issues = await issuesAfter(mount('data-db-1'));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/persistentVolumeClaim\.claimName 'data-db-1' names a PersistentVolumeClaim that does not exist in namespace 'platform'/);
  });

  it('rejects a claim with a storage class the region does not declare', async () => {
    const issues = await issuesAfter((m) => {
      objectOf(m, 'StatefulSet', 'db').spec.volumeClaimTemplates[0].spec.storageClassName = 'hcloud-volumes';
    });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/StatefulSet platform\/db \(30-web\.yaml\) spec\.volumeClaimTemplates\[0\]\.spec\.storageClassName 'hcloud-volumes' is not a storage class of the region \(expected one of local-path/);
  });

  it('rejects a duplicate object', async () => {
    const issues = await issuesAfter((m) =>
      withFile(m, '90-extra.yaml', [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'platform' }, spec: { ports: [{ port: 81 }] } }]),
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/Service platform\/web \(90-extra\.yaml\) metadata\.name 'web' duplicates Service platform\/web already in 30-web\.yaml/);
  });

  it('rejects a Secret object that duplicates a declared secret', async () => {
    const issues = await issuesAfter((m) =>
      withFile(m, '90-extra.yaml', [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-secrets', namespace: 'platform' } }]),
    );
    expect(issues[0]).toMatch(/duplicates Secret platform\/web-secrets already in the secretGenerator/);
  });

  it('rejects tenant egress to 10/8', async () => {
    const issues = await issuesAfter((m) => {
      objectOf(m, 'NetworkPolicy', 'allow-internet', 'projects').spec.egress[0].to[0].ipBlock.except = ['172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'];
    });
    expect(issues.length).toBeGreaterThanOrEqual(1);
    expect(issues[0]).toMatch(/Namespace projects \(10-namespaces\.yaml\) egress '10\.0\.0\.0\/8' tenant namespace 'projects': tenant pods can reach a private range \(TCP 1-65535, UDP 1-65535, SCTP 1-65535\): .*allowed by projects\/allow-internet/);
    expect(issues[0]).toMatch(/fix: add 10\.0\.0\.0\/8 to the `except` list/);
  });

  it('rejects a tenant without DNS', async () => {
    const issues = await issuesAfter((m) => {
      objectOf(m, 'NetworkPolicy', 'allow-dns', 'projects').spec.egress[0].ports = [{ protocol: 'UDP', port: 53 }];
    });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/egress 'kube-system\/kube-dns TCP 53' tenant namespace 'projects': tenant pods cannot resolve names/);
  });

  it('rejects a tenant namespace without default deny', async () => {
    const issues = await issuesAfter((m) => {
      const file = m.files[1]!;
      const objects = file.objects.filter((o) => !(o.metadata.name === 'default-deny' && o.metadata.namespace === 'projects'));
      // the egress policies select only some pods: the rest are not isolated
      for (const o of objects) if (o.metadata.namespace === 'projects' && o.metadata.name !== 'allow-ingress') (o as any).spec.podSelector = { matchLabels: { app: 'web' } };
      return { ...m, files: m.files.map((f) => (f === file ? { ...f, objects } : f)) };
    });
    expect(issues[0]).toMatch(
      /^region 'eu-central-1': Namespace projects \(10-namespaces\.yaml\) NetworkPolicy 'projects' tenant namespace 'projects': tenant namespace has no default-deny egress \(expected a NetworkPolicy in 'projects' with podSelector \{\} and policyTypes including Egress\)/,
    );
  });

  it('rejects a component whose policies let a tenant reach another tenant', async () => {
    const issues = await issuesAfter((m) => {
      objectOf(m, 'NetworkPolicy', 'allow-ingress', null).spec.ingress[0].from[0] = { namespaceSelector: { matchLabels: { 'platform/tenant': 'true' } } };
      objectOf(m, 'NetworkPolicy', 'allow-internet', null).spec.egress[0].to.push({ namespaceSelector: {} });
    });
    expect(issues.join('\n')).toMatch(/component 'tenant-isolation' stamped onto probe namespaces tenant-probe-a, tenant-probe-b: tenant pods can reach tenant namespace 'tenant-probe-b'/);
  });

  it('throws one SynthValidationError listing every issue', async () => {
    const m = await validManifests();
    objectOf(m, 'Service', 'web').spec.selector = { nope: 'x' };
    objectOf(m, 'StatefulSet', 'db').spec.volumeClaimTemplates[0].spec.storageClassName = 'x';
    expect(() => assertValidManifests(m)).toThrow(SynthValidationError);
    expect(() => assertValidManifests(m)).toThrow(/^region 'eu-central-1': the synthesized manifests fail validation, 2 issues:/);
  });
});
