/**
 * rdev-api's ValidatingAdmissionPolicy, evaluated as kube-apiserver would (matchConditions, then every
 * validation; an evaluation error denies under failurePolicy Fail) by the CEL subset in test/support/cel-subset.ts,
 * on the real synthesized policy in dist/eu-central-1 and the real tenant component built by `kubectl kustomize`
 * for a project namespace the way rdev-api builds it. What rdev-api must do passes; what a compromised rdev-api
 * would try is denied. (No API server here: the CEL is not run by Kubernetes itself.)
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../../regions/load';
import { RDEV_API_SCOPE_POLICY } from '../../constructs/rdev-api-scope';
import { celEval } from '../support/cel-subset';
import { requireKubectl } from '../support/kubectl';

type Obj = Record<string, any>;
const REGION = 'eu-central-1';
const PROJECT = 'projects-alice-shop';
const RDEV = 'system:serviceaccount:platform:rdev-api';

const docs = (text: string): Obj[] => parseAllDocuments(text).map((d) => d.toJSON() as Obj).filter(Boolean);
const policy = docs(readFileSync(join(REPO_ROOT, 'dist', REGION, '80-rdev-api.yaml'), 'utf8')).find((o) => o.kind === 'ValidatingAdmissionPolicy' && o.metadata.name === RDEV_API_SCOPE_POLICY)!;
const binding = docs(readFileSync(join(REPO_ROOT, 'dist', REGION, '80-rdev-api.yaml'), 'utf8')).find((o) => o.kind === 'ValidatingAdmissionPolicyBinding')!;

interface Request {
  readonly user?: string;
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE';
  readonly resource: 'namespaces' | 'rolebindings';
  readonly namespace?: string;
  readonly object: Obj | null;
  readonly oldObject?: Obj | null;
  readonly namespaceObject?: Obj | null;
}

/** 'allowed' or the message of the first failing validation, as the API server would answer. */
function admit(r: Request): string {
  const group = r.resource === 'namespaces' ? '' : 'rbac.authorization.k8s.io';
  const rule = (policy.spec.matchConstraints.resourceRules as Obj[]).find((x) => x.apiGroups.includes(group) && x.resources.includes(r.resource) && x.operations.includes(r.operation));
  if (!rule) return 'allowed';
  const env: Record<string, unknown> = {
    request: { operation: r.operation, namespace: r.namespace ?? '', userInfo: { username: r.user ?? RDEV }, resource: { group, version: 'v1', resource: r.resource } },
    object: r.object,
    oldObject: r.oldObject ?? null,
    namespaceObject: r.namespaceObject ?? null,
  };
  for (const c of policy.spec.matchConditions as Obj[]) {
    const v = celEval(c.expression, env);
    if ('error' in v) return `match condition error: ${v.error}`;
    if (v.value !== true) return 'allowed';
  }
  const variables: Record<string, unknown> = {};
  for (const v of (policy.spec.variables ?? []) as Obj[]) {
    const out = celEval(v.expression, env);
    variables[v.name] = 'error' in out ? undefined : out.value;
  }
  env.variables = variables;
  for (const v of policy.spec.validations as Obj[]) {
    const out = celEval(v.expression, env);
    if ('error' in out) return `denied (evaluation error: ${out.error})`;
    if (out.value !== true) return `denied: ${v.message}`;
  }
  return 'allowed';
}

let work = '';
let component: Obj[] = [];
beforeAll(() => {
  requireKubectl();
  // what rdev-api applies per project: the tenant component under the project's namespace
  work = mkdtempSync(join(tmpdir(), 'rdev-scope-'));
  cpSync(join(REPO_ROOT, 'dist', REGION, 'components'), join(work, 'components'), { recursive: true });
  writeFileSync(join(work, 'kustomization.yaml'), `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: ${PROJECT}\ncomponents:\n  - components/tenant-isolation\n`);
  component = docs(execFileSync('kubectl', ['kustomize', work], { encoding: 'utf8' }));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const projectNamespace = (): Obj => structuredClone(component.find((o) => o.kind === 'Namespace')!);
const projectBinding = (): Obj => structuredClone(component.find((o) => o.kind === 'RoleBinding')!);

describe('rdev-api scope (ValidatingAdmissionPolicy)', () => {
  it('is bound with Deny and matches rdev-api only', () => {
    expect(binding.spec).toEqual({ policyName: RDEV_API_SCOPE_POLICY, validationActions: ['Deny'] });
    expect(policy.spec.failurePolicy).toBe('Fail');
    const ns = projectNamespace();
    ns.metadata.name = 'kube-system';
    expect(admit({ user: 'system:admin', operation: 'CREATE', resource: 'namespaces', object: ns })).toBe('allowed'); // the operator is not matched
  });

  it('lets rdev-api apply the tenant component to a new project namespace, change it and delete it', () => {
    const ns = projectNamespace();
    expect(ns.metadata.name).toBe(PROJECT);
    expect(admit({ operation: 'CREATE', resource: 'namespaces', object: ns })).toBe('allowed');
    expect(admit({ operation: 'UPDATE', resource: 'namespaces', object: ns, oldObject: ns })).toBe('allowed');
    expect(admit({ operation: 'DELETE', resource: 'namespaces', object: null, oldObject: ns })).toBe('allowed');
    const rb = projectBinding();
    expect(rb.metadata.namespace).toBe(PROJECT);
    expect(admit({ operation: 'CREATE', resource: 'rolebindings', namespace: PROJECT, object: rb, namespaceObject: ns })).toBe('allowed');
  });

  it('denies namespaces outside the project prefix, non-tenant namespaces, and project namespaces stripped of their Pod Security level or run-pool pin', () => {
    const platform = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'platform', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } };
    expect(admit({ operation: 'DELETE', resource: 'namespaces', object: null, oldObject: platform })).toMatch(/^denied: rdev-api may only create, change or delete namespaces named projects-\*/);
    const lookalike = projectNamespace();
    delete lookalike.metadata.labels['platform/tenant'];
    expect(admit({ operation: 'DELETE', resource: 'namespaces', object: null, oldObject: lookalike })).toMatch(/labelled platform\/tenant=true/);
    const privileged = projectNamespace();
    privileged.metadata.labels['pod-security.kubernetes.io/enforce'] = 'privileged';
    expect(admit({ operation: 'UPDATE', resource: 'namespaces', object: privileged, oldObject: projectNamespace() })).toMatch(/must keep label pod-security\.kubernetes\.io\/enforce=baseline/);
    const unpinned = projectNamespace();
    delete unpinned.metadata.annotations;
    expect(admit({ operation: 'CREATE', resource: 'namespaces', object: unpinned })).toMatch(/must keep annotation scheduler\.alpha\.kubernetes\.io\/node-selector=node\.platform\/pool=run/);
    const bare = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `${PROJECT}-2` } };
    expect(admit({ operation: 'CREATE', resource: 'namespaces', object: bare })).toMatch(/^denied: /);
  });

  it('denies RoleBindings outside project namespaces, to other roles, or for other subjects', () => {
    const system = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system', labels: {} } };
    const rb = projectBinding();
    rb.metadata.namespace = 'kube-system';
    expect(admit({ operation: 'CREATE', resource: 'rolebindings', namespace: 'kube-system', object: rb, namespaceObject: system })).toMatch(/may only bind roles in project namespaces/);
    const admin = projectBinding();
    admin.roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' };
    expect(admit({ operation: 'CREATE', resource: 'rolebindings', namespace: PROJECT, object: admin, namespaceObject: projectNamespace() })).toMatch(/may only bind the ClusterRole rdev-api-project/);
    const tenant = projectBinding();
    tenant.subjects = [...tenant.subjects, { kind: 'ServiceAccount', name: 'default', namespace: PROJECT }];
    expect(admit({ operation: 'UPDATE', resource: 'rolebindings', namespace: PROJECT, object: tenant, namespaceObject: projectNamespace() })).toMatch(/only bind its project role to itself/);
  });
});
