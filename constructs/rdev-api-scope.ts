import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { checkDnsLabel, fail } from './construct-error';

/**
 * What RBAC cannot say about rdev-api, said by a ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, GA
 * in Kubernetes 1.30): RBAC lets rdev-api create namespaces and RoleBindings anywhere (resourceNames cannot name
 * objects that do not exist yet), so a compromised rdev-api could bind its project role in `kube-system` or the
 * platform namespace and read every Secret there, or delete or relabel any namespace. The policy, matched on
 * rdev-api's ServiceAccount only (matchConditions on request.userInfo.username), denies:
 *   - namespaces: create/update/delete outside the project prefix, or of a namespace that is not a tenant (the
 *     tenant label), and a create/update that drops the tenant component's Pod Security level or its
 *     PodNodeSelector annotation (the run-pool pin that keeps tenant pods on gVisor nodes);
 *   - RoleBindings: outside project namespaces (prefix and tenant label of namespaceObject), to anything but the
 *     project ClusterRole, or for any subject but rdev-api itself (so it cannot hand API rights to tenant pods).
 * CEL variables as documented for Kubernetes 1.35 (website content/en/docs/reference/access-authn-authz/
 * validating-admission-policy.md): `object` is null on DELETE, `oldObject` null on CREATE, `namespaceObject` is
 * the request's namespace (null for cluster-scoped resources). A policy error counts as a denial
 * (failurePolicy: Fail). Other users (the operator's `kubectl apply -k`, controllers) are not matched.
 */
export interface RdevApiScopeProps {
  readonly serviceAccount: { readonly name: string; readonly namespace: string };
  /** Every project namespace starts with it, e.g. `p-` (rdev-api's DEPLOY_NAMESPACE_PREFIX). */
  readonly projectNamespacePrefix: string;
  /** The ClusterRole rdev-api binds in project namespaces. */
  readonly projectClusterRole: string;
  /** Label every project namespace carries (value `true`). */
  readonly tenantLabel: string;
  /** Pod Security labels the tenant component sets on a project namespace (must stay as they are). */
  readonly podSecurityLabels: Readonly<Record<string, string>>;
  /** Annotations the tenant component sets on a project namespace (must stay as they are), e.g. the node selector. */
  readonly requiredAnnotations: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
}

export const RDEV_API_SCOPE_POLICY = 'rdev-api-scope';

const lit = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** CEL: the map `m` (a metadata map that may be absent) has `key` with exactly `value`. */
const mapHas = (m: string, key: string, value: string): string => `has(${m}) && ${lit(key)} in ${m} && ${m}[${lit(key)}] == ${lit(value)}`;

export class RdevApiScope extends Construct {
  constructor(scope: Construct, id: string, props: RdevApiScopeProps) {
    super(scope, id);
    const where = `RdevApiScope '${id}'`;
    checkDnsLabel(where, 'serviceAccount.namespace', props.serviceAccount.namespace);
    checkDnsLabel(where, 'serviceAccount.name', props.serviceAccount.name);
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?-$/.test(props.projectNamespacePrefix)) {
      fail(where, 'projectNamespacePrefix', props.projectNamespacePrefix, 'is not a DNS label followed by one dash', "e.g. 'p-'", 'pass the prefix rdev-api puts before <user>-<project>, with its dash');
    }
    const user = `system:serviceaccount:${props.serviceAccount.namespace}:${props.serviceAccount.name}`;
    const prefix = lit(props.projectNamespacePrefix);
    // `variables.namespace`: the namespace being created/changed, or the one being deleted (object is null then)
    const ns = (field: string): string => `variables.namespace.metadata.${field}`;
    const keep = [
      ...Object.entries(props.podSecurityLabels).map(([k, v]) => ({ expression: `request.operation == 'DELETE' || (${mapHas('object.metadata.labels', k, v)})`, message: `rdev-api must keep label ${k}=${v} on a project namespace (the tenant component sets it)` })),
      ...Object.entries(props.requiredAnnotations).map(([k, v]) => ({ expression: `request.operation == 'DELETE' || (${mapHas('object.metadata.annotations', k, v)})`, message: `rdev-api must keep annotation ${k}=${v} on a project namespace (the tenant component sets it)` })),
    ];
    const sa = props.serviceAccount;
    new ApiObject(this, 'Policy', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: RDEV_API_SCOPE_POLICY, labels: { ...props.labels } },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['namespaces'] },
            { apiGroups: ['rbac.authorization.k8s.io'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['rolebindings'] },
          ],
        },
        matchConditions: [{ name: 'is-rdev-api', expression: `request.userInfo.username == ${lit(user)}` }],
        variables: [{ name: 'namespace', expression: `request.operation == 'DELETE' ? oldObject : object` }],
        validations: [
          // namespaces
          { expression: `request.resource.resource != 'namespaces' || ${ns('name')}.startsWith(${prefix})`, message: `rdev-api may only create, change or delete namespaces named ${props.projectNamespacePrefix}*`, reason: 'Forbidden' },
          { expression: `request.resource.resource != 'namespaces' || (${mapHas(ns('labels'), props.tenantLabel, 'true')})`, message: `rdev-api may only create, change or delete namespaces labelled ${props.tenantLabel}=true (project namespaces)`, reason: 'Forbidden' },
          ...keep.map((k) => ({ expression: `request.resource.resource != 'namespaces' || ${k.expression}`, message: k.message, reason: 'Forbidden' })),
          // role bindings
          { expression: `request.resource.resource != 'rolebindings' || (request.namespace.startsWith(${prefix}) && ${mapHas('namespaceObject.metadata.labels', props.tenantLabel, 'true')})`, message: `rdev-api may only bind roles in project namespaces (${props.projectNamespacePrefix}*, labelled ${props.tenantLabel}=true)`, reason: 'Forbidden' },
          { expression: `request.resource.resource != 'rolebindings' || (object.roleRef.kind == 'ClusterRole' && object.roleRef.name == ${lit(props.projectClusterRole)})`, message: `rdev-api may only bind the ClusterRole ${props.projectClusterRole}`, reason: 'Forbidden' },
          {
            expression: `request.resource.resource != 'rolebindings' || (has(object.subjects) && object.subjects.size() == 1 && object.subjects[0].kind == 'ServiceAccount' && object.subjects[0].name == ${lit(sa.name)} && has(object.subjects[0].namespace) && object.subjects[0].namespace == ${lit(sa.namespace)})`,
            message: `rdev-api may only bind its project role to itself (ServiceAccount ${sa.namespace}/${sa.name})`,
            reason: 'Forbidden',
          },
        ],
      },
    });
    new ApiObject(this, 'Binding', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: RDEV_API_SCOPE_POLICY, labels: { ...props.labels } },
      spec: { policyName: RDEV_API_SCOPE_POLICY, validationActions: ['Deny'] },
    });
  }
}
