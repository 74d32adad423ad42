/**
 * What every validation check receives: the region, every object with the file it is written to,
 * the declared secrets and external objects, lookups over them, and `report()` to record an issue.
 * Checks never throw for bad manifests; they report, and the gate throws once with all issues.
 */
import type { SecretRequirement } from '../../constructs/secret-requirement';
import type { Region } from '../../regions/types';
import { describeObject, type ExternalObject, type KubeObject } from '../manifest';
import type { ManifestIssue } from '../synth-error';

export interface LocatedObject {
  readonly object: KubeObject;
  /** `30-gitea.yaml`, or `components/<name>` for a component's objects. */
  readonly file: string;
}

export interface IssueDetails {
  readonly path: string;
  readonly value: unknown;
  readonly problem: string;
  readonly expected: string;
  readonly fix: string;
}

function key(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}\u0000${namespace ?? ''}\u0000${name}`;
}

export class CheckContext {
  readonly issues: ManifestIssue[] = [];
  private readonly byKey = new Map<string, LocatedObject>();
  private readonly externalKeys = new Set<string>();
  private readonly secretKeys = new Map<string, SecretRequirement>();
  /** Claims a StatefulSet's controller creates from its volumeClaimTemplates: `<template>-<statefulset>-<ordinal>`. */
  private readonly claimKeys = new Set<string>();

  constructor(
    readonly region: Region,
    readonly objects: readonly LocatedObject[],
    readonly secrets: readonly SecretRequirement[],
    readonly external: readonly ExternalObject[],
  ) {
    for (const entry of objects) {
      const m = entry.object.metadata;
      const k = key(entry.object.kind, m.namespace, m.name);
      if (!this.byKey.has(k)) this.byKey.set(k, entry);
    }
    for (const e of external) this.externalKeys.add(key(e.kind, e.namespace, e.name));
    for (const { object } of objects) {
      if (object.kind !== 'StatefulSet') continue;
      const spec = object.spec as { replicas?: unknown; volumeClaimTemplates?: { metadata?: { name?: unknown } }[] } | undefined;
      const replicas = typeof spec?.replicas === 'number' ? spec.replicas : 1;
      for (const t of spec?.volumeClaimTemplates ?? []) {
        if (typeof t.metadata?.name !== 'string') continue;
        for (let i = 0; i < replicas; i++) this.claimKeys.add(key('PersistentVolumeClaim', object.metadata.namespace, `${t.metadata.name}-${object.metadata.name}-${i}`));
      }
    }
    for (const s of secrets) this.secretKeys.set(key('Secret', s.namespace, s.name), s);
  }

  /** Every object of a kind (any API group), in output order. */
  ofKind(kind: string): LocatedObject[] {
    return this.objects.filter((o) => o.object.kind === kind);
  }

  /** The object of that kind, namespace (undefined for cluster-scoped) and name in the output. */
  find(kind: string, namespace: string | undefined, name: string): LocatedObject | undefined {
    return this.byKey.get(key(kind, namespace, name));
  }

  isExternal(kind: string, namespace: string | undefined, name: string): boolean {
    return this.externalKeys.has(key(kind, namespace, name));
  }

  /** The secretGenerator requirement for that Secret, if one is declared. */
  declaredSecret(namespace: string | undefined, name: string): SecretRequirement | undefined {
    return this.secretKeys.get(key('Secret', namespace, name));
  }

  /**
   * Whether the object exists in the output, as a declared secret, as a declared external object, or as a claim
   * a StatefulSet of the output creates from its volumeClaimTemplates.
   */
  exists(kind: string, namespace: string | undefined, name: string): boolean {
    return (
      this.find(kind, namespace, name) !== undefined ||
      this.claimKeys.has(key(kind, namespace, name)) ||
      this.isExternal(kind, namespace, name) ||
      (kind === 'Secret' && this.declaredSecret(namespace, name) !== undefined)
    );
  }

  report(at: LocatedObject | undefined, details: IssueDetails): void {
    this.issues.push({
      region: this.region.name,
      object: at ? describeObject(at.object) : '',
      file: at?.file ?? '',
      ...details,
    });
  }
}
