/**
 * No object twice: the same API group, kind, namespace and name may appear once (a second copy would
 * silently override the first in kustomize, or make it fail). The Secrets that the secretGenerator
 * makes count as objects; two secret requirements must not share an env file name either.
 */
import type { SecretRequirement } from '../../constructs/secret-requirement';
import { apiGroup, describeObject } from '../manifest';
import type { CheckContext, LocatedObject } from './check-context';

export function checkDuplicates(ctx: CheckContext, objects: readonly LocatedObject[], secrets: readonly SecretRequirement[]): void {
  const seen = new Map<string, string>();
  const keyOf = (group: string, kind: string, ns: string | undefined, name: string) => `${group}/${kind}/${ns ?? ''}/${name}`;
  for (const s of secrets) {
    const k = keyOf('', 'Secret', s.namespace, s.name);
    if (seen.has(k)) {
      ctx.report(undefined, {
        path: `secrets`,
        value: `${s.namespace}/${s.name}`,
        problem: 'is declared twice as a SecretRequirement',
        expected: 'each Secret declared once',
        fix: 'merge the two requirements into one with all keys',
      });
    }
    seen.set(k, 'the secretGenerator (kustomization.yaml)');
  }
  const envFiles = new Map<string, string>();
  for (const s of secrets) {
    const other = envFiles.get(s.name);
    if (other !== undefined && other !== s.namespace) {
      ctx.report(undefined, {
        path: 'secrets',
        value: `${s.namespace}/${s.name}`,
        problem: `shares the env file secrets/${s.name}.env with ${other}/${s.name}`,
        expected: 'secret names unique across namespaces',
        fix: 'rename one of the two Secrets',
      });
    }
    envFiles.set(s.name, s.namespace);
  }
  for (const at of objects) {
    const { apiVersion, kind, metadata } = at.object;
    const k = keyOf(apiGroup(apiVersion), kind, metadata.namespace, metadata.name);
    const first = seen.get(k);
    if (first !== undefined) {
      ctx.report(at, {
        path: 'metadata.name',
        value: metadata.name,
        problem: `duplicates ${describeObject(at.object)} already in ${first}`,
        expected: 'each apiVersion group + kind + namespace + name once',
        fix: 'rename one of them or remove the copy',
      });
    } else {
      seen.set(k, at.file);
    }
  }
}
