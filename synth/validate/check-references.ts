/**
 * Referenced objects exist: every Secret, ConfigMap, ServiceAccount, PersistentVolumeClaim, Role,
 * ClusterRole, Issuer and ClusterIssuer that an object names must be in the output, be a declared
 * secret (secretGenerator), or be declared external. When a Secret or ConfigMap is ours, a referenced
 * key must be one it has. References marked `optional: true` are skipped (Kubernetes allows them to
 * be absent).
 */
import { pathOf } from '../../regions/region-error';
import { asArray, asObject, asString, isObject, type JsonObject, type JsonValue } from '../manifest';
import type { CheckContext, LocatedObject } from './check-context';
import { podTemplates, specPath } from './pod-templates';

/** Where cert-manager reads the secrets of ClusterIssuers (its --cluster-resource-namespace). */
export const CERT_MANAGER_NAMESPACE = 'cert-manager';

type Path = (string | number)[];

function keysOf(ctx: CheckContext, kind: 'Secret' | 'ConfigMap', ns: string | undefined, name: string): string[] | undefined {
  const declared = kind === 'Secret' ? ctx.declaredSecret(ns, name) : undefined;
  if (declared) return declared.keys.map((k) => k.key);
  const found = ctx.find(kind, ns, name);
  if (!found) return undefined; // external: keys unknown
  const o = found.object;
  return [...Object.keys(asObject(o.data) ?? {}), ...Object.keys(asObject(o.stringData) ?? {}), ...Object.keys(asObject(o.binaryData) ?? {})];
}

function requireRef(
  ctx: CheckContext,
  at: LocatedObject,
  path: Path,
  kind: string,
  ns: string | undefined,
  name: JsonValue | undefined,
  key?: { path: Path; value: JsonValue | undefined },
): void {
  const refName = asString(name);
  if (refName === undefined) return; // a missing name is the schema check's business
  const where = ns ? `namespace '${ns}'` : 'the cluster';
  if (!ctx.exists(kind, ns, refName)) {
    const declareHint = kind === 'Secret' ? 'declare it as a SecretRequirement (secretGenerator), ' : '';
    ctx.report(at, {
      path: pathOf(...path),
      value: refName,
      problem: `names a ${kind} that does not exist in ${where}`,
      expected: `a ${kind} in the output, a declared secret or a declared external object`,
      fix: `add the ${kind} '${refName}' to the output, ${declareHint}or list it in composeRegion's \`external\` with the reason it exists`,
    });
    return;
  }
  if (key && (kind === 'Secret' || kind === 'ConfigMap')) {
    const k = asString(key.value);
    const keys = keysOf(ctx, kind, ns, refName);
    if (k !== undefined && keys !== undefined && !keys.includes(k)) {
      ctx.report(at, {
        path: pathOf(...key.path),
        value: k,
        problem: `is not a key of ${kind} ${ns}/${refName}`,
        expected: `one of ${keys.join(', ') || '(no keys)'}`,
        fix: `use an existing key or add '${k}' to the ${kind === 'Secret' ? 'SecretRequirement' : 'ConfigMap'}`,
      });
    }
  }
}

function isOptional(ref: JsonObject | undefined): boolean {
  return ref?.optional === true;
}

function checkContainers(ctx: CheckContext, at: LocatedObject, ns: string | undefined, spec: JsonObject, base: Path): void {
  for (const list of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    asArray(spec[list]).forEach((c, ci) => {
      const container = asObject(c);
      asArray(container?.env).forEach((e, ei) => {
        const from = asObject(asObject(e)?.valueFrom);
        for (const [field, kind] of [['secretKeyRef', 'Secret'], ['configMapKeyRef', 'ConfigMap']] as const) {
          const ref = asObject(from?.[field]);
          if (!ref || isOptional(ref)) continue;
          const p: Path = [...base, list, ci, 'env', ei, 'valueFrom', field];
          requireRef(ctx, at, [...p, 'name'], kind, ns, ref.name, { path: [...p, 'key'], value: ref.key });
        }
      });
      asArray(container?.envFrom).forEach((e, ei) => {
        for (const [field, kind] of [['secretRef', 'Secret'], ['configMapRef', 'ConfigMap']] as const) {
          const ref = asObject(asObject(e)?.[field]);
          if (!ref || isOptional(ref)) continue;
          requireRef(ctx, at, [...base, list, ci, 'envFrom', ei, field, 'name'], kind, ns, ref.name);
        }
      });
    });
  }
}

function checkVolumes(ctx: CheckContext, at: LocatedObject, ns: string | undefined, spec: JsonObject, base: Path): void {
  asArray(spec.volumes).forEach((v, vi) => {
    const volume = asObject(v);
    const p: Path = [...base, 'volumes', vi];
    const secret = asObject(volume?.secret);
    if (secret && !isOptional(secret)) requireRef(ctx, at, [...p, 'secret', 'secretName'], 'Secret', ns, secret.secretName);
    const configMap = asObject(volume?.configMap);
    if (configMap && !isOptional(configMap)) requireRef(ctx, at, [...p, 'configMap', 'name'], 'ConfigMap', ns, configMap.name);
    const claim = asObject(volume?.persistentVolumeClaim);
    if (claim) requireRef(ctx, at, [...p, 'persistentVolumeClaim', 'claimName'], 'PersistentVolumeClaim', ns, claim.claimName);
    asArray(asObject(volume?.projected)?.sources).forEach((s, si) => {
      for (const [field, kind] of [['secret', 'Secret'], ['configMap', 'ConfigMap']] as const) {
        const ref = asObject(asObject(s)?.[field]);
        if (!ref || isOptional(ref)) continue;
        requireRef(ctx, at, [...p, 'projected', 'sources', si, field, 'name'], kind, ns, ref.name);
      }
    });
  });
}

function checkPodSpecs(ctx: CheckContext): void {
  for (const t of podTemplates(ctx.objects)) {
    const base = specPath(t).split('.').filter((s) => s !== '');
    const ns = t.namespace;
    const sa = asString(t.spec.serviceAccountName) ?? asString(t.spec.serviceAccount);
    // Every namespace has a `default` ServiceAccount.
    if (sa !== undefined && sa !== 'default') {
      const field = t.spec.serviceAccountName !== undefined ? 'serviceAccountName' : 'serviceAccount';
      requireRef(ctx, t.at, [...base, field], 'ServiceAccount', ns, sa);
    }
    asArray(t.spec.imagePullSecrets).forEach((s, i) =>
      requireRef(ctx, t.at, [...base, 'imagePullSecrets', i, 'name'], 'Secret', ns, asObject(s)?.name),
    );
    checkVolumes(ctx, t.at, ns, t.spec, base);
    checkContainers(ctx, t.at, ns, t.spec, base);
  }
}

function checkBindings(ctx: CheckContext): void {
  for (const at of [...ctx.ofKind('RoleBinding'), ...ctx.ofKind('ClusterRoleBinding')]) {
    const ns = at.object.metadata.namespace;
    const roleRef = asObject(at.object.roleRef);
    const roleKind = asString(roleRef?.kind);
    if (roleKind === 'Role') requireRef(ctx, at, ['roleRef', 'name'], 'Role', ns, roleRef?.name);
    else if (roleKind === 'ClusterRole') requireRef(ctx, at, ['roleRef', 'name'], 'ClusterRole', undefined, roleRef?.name);
    asArray(at.object.subjects).forEach((s, i) => {
      const subject = asObject(s);
      if (asString(subject?.kind) !== 'ServiceAccount' || asString(subject?.name) === 'default') return;
      requireRef(ctx, at, ['subjects', i, 'name'], 'ServiceAccount', asString(subject?.namespace) ?? ns, subject?.name);
    });
  }
}

/** Every `...SecretRef: { name }` under an issuer spec, except the ACME account key cert-manager creates itself. */
function secretRefs(node: JsonValue | undefined, path: Path, out: { path: Path; name: JsonValue | undefined }[]): void {
  if (Array.isArray(node)) {
    node.forEach((v, i) => secretRefs(v, [...path, i], out));
    return;
  }
  if (!isObject(node)) return;
  for (const [k, v] of Object.entries(node)) {
    if (k.endsWith('SecretRef') && k !== 'privateKeySecretRef' && isObject(v) && v.name !== undefined) {
      out.push({ path: [...path, k, 'name'], name: v.name });
    } else if (k === 'secretName' && path[path.length - 1] === 'ca') {
      out.push({ path: [...path, k], name: v });
    } else {
      secretRefs(v, [...path, k], out);
    }
  }
}

function checkIssuers(ctx: CheckContext): void {
  for (const at of [...ctx.ofKind('Issuer'), ...ctx.ofKind('ClusterIssuer')]) {
    const ns = at.object.kind === 'ClusterIssuer' ? CERT_MANAGER_NAMESPACE : at.object.metadata.namespace;
    const refs: { path: Path; name: JsonValue | undefined }[] = [];
    secretRefs(at.object.spec, ['spec'], refs);
    for (const r of refs) requireRef(ctx, at, r.path, 'Secret', ns, r.name);
  }
  for (const at of ctx.ofKind('Certificate')) {
    const ref = asObject(asObject(at.object.spec)?.issuerRef);
    const kind = asString(ref?.kind) ?? 'Issuer';
    const group = asString(ref?.group) ?? 'cert-manager.io';
    if (group !== 'cert-manager.io') continue; // external issuers (other groups) are not modelled
    requireRef(ctx, at, ['spec', 'issuerRef', 'name'], kind, kind === 'ClusterIssuer' ? undefined : at.object.metadata.namespace, ref?.name);
  }
}

export function checkReferences(ctx: CheckContext): void {
  checkPodSpecs(ctx);
  checkBindings(ctx);
  checkIssuers(ctx);
}
