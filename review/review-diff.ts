/**
 * The diff engine: compares two dist trees (region -> objects), matching objects by group, kind,
 * namespace and name, detecting renames, redacting secret-like values before anything is compared,
 * ordering security-relevant changes first, warning on fields Kubernetes will not change in place, and
 * adding what the change does to reachability.
 */
import type { DistTree, RegionManifests } from './dist-tree';
import { diffValues } from './field-diff';
import { immutableWarnings } from './immutable-fields';
import { displayRef, refKey, type SourcedObject } from './k8s-object';
import { Redactor } from './redact';
import { detectRenames } from './rename';
import { diffReachability, type ReachabilityDelta } from './reachability/reachability-diff';
import { reachabilityReport } from './reachability/reachability';
import { isEmpty } from './reachability/port-set';
import type { ObjectChange, RegionReview, Review, TaggedFieldChange } from './review-model';
import { fieldTags, isOptInRecord, kindTag, objectTags, securityRank, sortTags, type SecurityTag } from './security';

export interface DiffOptions {
  /** Labels for the header. */
  readonly baseLabel?: string;
  readonly headLabel?: string;
  /** Only these regions. */
  readonly regions?: readonly string[];
  /** Injected for tests; a random key per run otherwise. */
  readonly redactor?: Redactor;
}

export function diffTrees(base: DistTree, head: DistTree, options: DiffOptions = {}): Review {
  const redactor = options.redactor ?? new Redactor();
  const names = [...new Set([...base.keys(), ...head.keys()])]
    .filter((name) => !options.regions || options.regions.length === 0 || options.regions.includes(name))
    .sort();
  const regions = names.map((name) => diffRegion(name, base.get(name), head.get(name), redactor));
  return {
    base: options.baseLabel ?? 'base',
    head: options.headLabel ?? 'head',
    regions,
    different: regions.some((region) => region.status !== 'unchanged'),
  };
}

const STATUS_ORDER: Readonly<Record<ObjectChange['status'], number>> = { removed: 0, renamed: 1, changed: 2, added: 3 };

export function diffRegion(region: string, base: RegionManifests | undefined, head: RegionManifests | undefined, redactor: Redactor): RegionReview {
  const redact = (objects: readonly SourcedObject[]): SourcedObject[] => objects.map((o) => ({ ...o, object: redactor.object(o.object) }));
  const before = redact(base?.objects ?? []);
  const after = redact(head?.objects ?? []);
  const beforeByKey = new Map(before.map((o) => [refKey(o.ref), o]));
  const afterByKey = new Map(after.map((o) => [refKey(o.ref), o]));

  const objects: ObjectChange[] = [];
  const removed = before.filter((o) => !afterByKey.has(refKey(o.ref)));
  const added = after.filter((o) => !beforeByKey.has(refKey(o.ref)));

  for (const o of after) {
    const old = beforeByKey.get(refKey(o.ref));
    if (!old) continue;
    const changes = tagged(o.ref.kind, diffValues(old.object, o.object), old.object, o.object);
    if (changes.length === 0) continue;
    objects.push({
      status: 'changed',
      ref: o.ref,
      file: o.file,
      changes,
      security: objectSecurity(o.ref.kind, changes),
      warnings: immutableWarnings(o.ref, old.object, changes),
      notes: old.file !== o.file ? [`moved from ${old.file} to ${o.file}`] : [],
    });
  }

  const renames = detectRenames(removed, added);
  const renamedOld = new Set(renames.map((r) => r.removed));
  const renamedNew = new Set(renames.map((r) => r.added));
  for (const pair of renames) {
    const changes = tagged(pair.added.ref.kind, diffValues(pair.removed.object, pair.added.object, ['metadata.name', 'metadata.namespace']), pair.removed.object, pair.added.object);
    objects.push({
      status: 'renamed',
      ref: pair.added.ref,
      oldRef: pair.removed.ref,
      similarity: Math.round(pair.similarity * 100) / 100,
      file: pair.added.file,
      changes,
      security: objectSecurity(pair.added.ref.kind, changes),
      warnings: [],
      notes: [`kubectl apply -k creates ${displayRef(pair.added.ref)} but does not delete ${displayRef(pair.removed.ref)}: delete it once the new one is up`],
    });
  }
  for (const o of removed) {
    if (renamedOld.has(o)) continue;
    objects.push({
      status: 'removed',
      ref: o.ref,
      file: o.file,
      changes: [],
      object: o.object,
      security: objectTags(o.ref.kind, o.object),
      warnings: [],
      notes: o.ref.scope === '' && o.object.kind !== 'Kustomization' ? ['kubectl apply -k does not delete removed objects: delete it from the cluster'] : [],
    });
  }
  for (const o of added) {
    if (renamedNew.has(o)) continue;
    objects.push({ status: 'added', ref: o.ref, file: o.file, changes: [], object: o.object, security: objectTags(o.ref.kind, o.object), warnings: [], notes: [] });
  }

  objects.sort(
    (a, b) =>
      securityRank(a.security) - securityRank(b.security) ||
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
      displayRef(a.ref).localeCompare(displayRef(b.ref)),
  );

  const reachability = reachabilityDelta(region, base, head);
  const status: RegionReview['status'] = !base ? 'added' : !head ? 'removed' : objects.length > 0 || reachability ? 'changed' : 'unchanged';
  return {
    region,
    status,
    objects,
    ...(reachability ? { reachability } : {}),
    counts: {
      added: objects.filter((o) => o.status === 'added').length,
      removed: objects.filter((o) => o.status === 'removed').length,
      changed: objects.filter((o) => o.status === 'changed').length,
      renamed: objects.filter((o) => o.status === 'renamed').length,
      security: objects.filter((o) => o.security.length > 0).length + (reachability?.changes.filter((c) => !isEmpty(c.opened)).length ?? 0),
      warnings: objects.reduce((sum, o) => sum + o.warnings.length, 0),
    },
  };
}

function tagged(kind: string, changes: ReturnType<typeof diffValues>, before: unknown, after: unknown): TaggedFieldChange[] {
  // An object that is (or was) the region's opt-in record tags every change of it.
  const record = isOptInRecord(kind, after) ? after : isOptInRecord(kind, before) ? before : undefined;
  const out = changes.map((change) => ({ ...change, security: fieldTags(kind, change, record) }));
  // Stable: security-relevant changes first, the rest in document order.
  return out
    .map((change, index) => ({ change, index }))
    .sort((a, b) => securityRank(a.change.security) - securityRank(b.change.security) || a.index - b.index)
    .map(({ change }) => change);
}

function objectSecurity(kind: string, changes: readonly TaggedFieldChange[]): SecurityTag[] {
  const tags = new Set<SecurityTag>(changes.flatMap((c) => c.security));
  const k = kindTag(kind);
  if (k && changes.some((c) => c.security.includes(k))) tags.add(k);
  return sortTags([...tags]);
}

function reachabilityDelta(region: string, base: RegionManifests | undefined, head: RegionManifests | undefined): ReachabilityDelta | undefined {
  // Each side also probes the destinations the other side's policies name (a database outside dist), so a
  // destination that only the new policies name shows only the flows that really changed.
  const before = base ? reachabilityReport(region, base.objects, head ? { probeNamedDestinationsOf: head.objects } : {}) : undefined;
  const after = head ? reachabilityReport(region, head.objects, base ? { probeNamedDestinationsOf: base.objects } : {}) : undefined;
  const delta = diffReachability(before, after);
  return delta.changes.length > 0 || delta.newlyFailingChecks.length > 0 ? delta : undefined;
}
