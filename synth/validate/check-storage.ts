/**
 * Volume claims (PersistentVolumeClaims and StatefulSet volumeClaimTemplates) name a storage class
 * the region declares (platform.storageClasses). A claim without one would get whatever the
 * cluster's default class is, which the region file does not control.
 */
import { pathOf } from '../../regions/region-error';
import { asArray, asObject, asString, type JsonObject } from '../manifest';
import type { CheckContext, LocatedObject } from './check-context';

function checkClaim(ctx: CheckContext, at: LocatedObject, spec: JsonObject | undefined, path: (string | number)[]): void {
  const declared = ctx.region.platform.storageClasses;
  const value = spec?.storageClassName;
  const cls = asString(value);
  if (cls !== undefined && declared.includes(cls)) return;
  ctx.report(at, {
    path: pathOf(...path, 'storageClassName'),
    value,
    problem: cls === undefined ? 'is missing' : 'is not a storage class of the region',
    expected: `one of ${declared.join(', ')} (regions/${ctx.region.name}.ts platform.storageClasses)`,
    fix: `set storageClassName to '${ctx.region.platform.defaultStorageClass}' (the region's default), or add the class to platform.storageClasses`,
  });
}

export function checkStorage(ctx: CheckContext): void {
  for (const at of ctx.ofKind('PersistentVolumeClaim')) checkClaim(ctx, at, asObject(at.object.spec), ['spec']);
  for (const at of ctx.ofKind('StatefulSet')) {
    asArray(asObject(at.object.spec)?.volumeClaimTemplates).forEach((t, i) =>
      checkClaim(ctx, at, asObject(asObject(t)?.spec), ['spec', 'volumeClaimTemplates', i, 'spec']),
    );
  }
}
