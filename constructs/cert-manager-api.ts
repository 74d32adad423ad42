/**
 * Typed cert-manager.io/v1 objects (Issuer, Certificate) as cdk8s ApiObjects. Only the fields this
 * project sets are typed, each one a real field of the cert-manager v1.21 CRDs.
 */
import { ApiObject } from 'cdk8s';
import type { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';

export const CERT_MANAGER_API_VERSION = 'cert-manager.io/v1';

export interface ObjectMetaLite {
  readonly name: string;
  /** Omitted only for objects of a Kustomize component (the namespace comes from the kustomization). */
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface SecretKeyRef {
  readonly name: string;
  readonly key: string;
}

export interface AcmeSolver {
  readonly selector?: { readonly dnsZones?: readonly string[]; readonly dnsNames?: readonly string[] };
  readonly dns01?: { readonly cloudflare: { readonly apiTokenSecretRef: SecretKeyRef } };
  readonly http01?: {
    readonly ingress: {
      readonly ingressClassName: string;
      /** Scheduling of the solver pods cert-manager creates. */
      readonly podTemplate?: {
        readonly spec: {
          readonly nodeSelector?: Readonly<Record<string, string>>;
          readonly tolerations?: readonly k8s.Toleration[];
        };
      };
    };
  };
}

export interface IssuerSpec {
  readonly acme: {
    readonly server: string;
    readonly email: string;
    /** Secret cert-manager creates for the ACME account key. */
    readonly privateKeySecretRef: { readonly name: string };
    readonly solvers: readonly AcmeSolver[];
  };
}

export interface IssuerObjectProps {
  readonly metadata: ObjectMetaLite;
  readonly spec: IssuerSpec;
}

/** A namespaced cert-manager Issuer. */
export class IssuerObject extends ApiObject {
  constructor(scope: Construct, id: string, props: IssuerObjectProps) {
    super(scope, id, {
      apiVersion: CERT_MANAGER_API_VERSION,
      kind: 'Issuer',
      metadata: { ...props.metadata, labels: { ...(props.metadata.labels ?? {}) } },
      spec: props.spec,
    });
  }
}

export interface CertificateSpec {
  readonly secretName: string;
  readonly dnsNames: readonly string[];
  readonly issuerRef: { readonly name: string; readonly kind: 'Issuer' | 'ClusterIssuer'; readonly group: 'cert-manager.io' };
  readonly privateKey?: { readonly algorithm?: 'RSA' | 'ECDSA' | 'Ed25519'; readonly size?: number; readonly rotationPolicy?: 'Never' | 'Always' };
  /** e.g. `2160h` (90 days). */
  readonly duration?: string;
  readonly renewBefore?: string;
  readonly secretTemplate?: { readonly labels?: Readonly<Record<string, string>> };
}

export interface CertificateObjectProps {
  readonly metadata: ObjectMetaLite;
  readonly spec: CertificateSpec;
}

/** A cert-manager Certificate. */
export class CertificateObject extends ApiObject {
  constructor(scope: Construct, id: string, props: CertificateObjectProps) {
    super(scope, id, {
      apiVersion: CERT_MANAGER_API_VERSION,
      kind: 'Certificate',
      metadata: { ...props.metadata, labels: { ...(props.metadata.labels ?? {}) } },
      spec: props.spec,
    });
  }
}
