import { describe, expect, it } from 'vitest';
import { diffValues } from '../../review/field-diff';
import { immutableWarnings, quantityBytes } from '../../review/immutable-fields';
import type { K8sObject, ObjectRef } from '../../review/k8s-object';

const pvc = (storage: string, storageClassName = 'local-path'): K8sObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', namespace: 'platform' },
  spec: { storageClassName, accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
});
const ref: ObjectRef = { group: '', kind: 'PersistentVolumeClaim', namespace: 'platform', name: 'data', scope: '' };
const warn = (base: K8sObject, head: K8sObject, r: ObjectRef = ref) => immutableWarnings(r, base, diffValues(base, head)).map((w) => w.field);

describe('immutableWarnings', () => {
  it('warns when a claim shrinks or changes class, not when it grows', () => {
    expect(warn(pvc('20Gi'), pvc('10Gi'))).toEqual(['spec.resources.requests.storage']);
    expect(warn(pvc('20Gi'), pvc('40Gi'))).toEqual([]);
    expect(warn(pvc('20Gi'), pvc('20Gi', 'hcloud-volumes'))).toEqual(['spec.storageClassName']);
  });

  it('warns on the data of an immutable Secret only', () => {
    const secretRef: ObjectRef = { group: '', kind: 'Secret', namespace: 'platform', name: 's', scope: '' };
    const secret = (immutable: boolean, value: string): K8sObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, immutable, data: { k: value } });
    expect(warn(secret(true, 'a'), secret(true, 'b'), secretRef)).toEqual(['data']);
    expect(warn(secret(false, 'a'), secret(false, 'b'), secretRef)).toEqual([]);
  });

  it('ignores kinds in another API group', () => {
    const other: ObjectRef = { ...ref, group: 'example.com' };
    expect(warn(pvc('20Gi'), pvc('20Gi', 'x'), other)).toEqual([]);
  });
});

describe('quantityBytes', () => {
  it('reads binary and decimal suffixes', () => {
    expect(quantityBytes('1Gi')).toBe(2 ** 30);
    expect(quantityBytes('500M')).toBe(5e8);
    expect(quantityBytes('1.5Ti')).toBe(1.5 * 2 ** 40);
    expect(quantityBytes('lots')).toBeUndefined();
  });
});
