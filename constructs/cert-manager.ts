import { Construct } from 'constructs';
import { CertificateObject, IssuerObject } from './cert-manager-api';
import { checkDnsLabel, checkHostName } from './construct-error';
import { checkEmail, LETSENCRYPT_PRODUCTION } from './http01-issuer';
import { appLabels } from './labels';

export interface CertManagerProps {
  /** Base domain; the wildcard certificate covers `<domain>` and `*.<domain>`. */
  readonly domain: string;
  readonly acmeEmail: string;
  /** @default Let's Encrypt production */
  readonly acmeServer?: string;
  /** cert-manager release (for the version label). */
  readonly certManagerVersion: string;
  /** Namespace of the DNS-01 Issuer, the Cloudflare token Secret and the wildcard Certificate. */
  readonly platformNamespace: string;
  /** Secret (in platformNamespace) holding the Cloudflare API token. */
  readonly cloudflareSecretName: string;
  /** @default 'api-token' */
  readonly cloudflareTokenKey?: string;
  /** @default 'letsencrypt-dns01' */
  readonly dns01IssuerName?: string;
  /** @default 'wildcard' */
  readonly certificateName?: string;
  /** @default 'wildcard-tls' */
  readonly certificateSecretName?: string;
}

/**
 * cert-manager objects of a region: a Cloudflare DNS-01 Issuer and the wildcard Certificate in the
 * platform namespace. (The HTTP-01 Issuer for tenants' custom domains is part of the tenant component, stamped
 * onto every project namespace; see TenantNamespace.)
 *
 * Issuers, not ClusterIssuers: a ClusterIssuer reads its secrets from cert-manager's "cluster resource
 * namespace" (cert-manager's own namespace), not from the namespace the token Secret lives in; the seed
 * hit exactly that ("cert-manager couldn't access secrets across namespaces"). A namespaced Issuer reads
 * the Cloudflare token from its own namespace, and keeps the DNS-edit credential out of reach of tenant
 * namespaces: nothing outside the platform namespace can mint certificates with it.
 */
export class CertManager extends Construct {
  readonly dns01Issuer: IssuerObject;
  readonly certificate: CertificateObject;
  /** Secret cert-manager writes the wildcard certificate into (platform namespace). */
  readonly certificateSecretName: string;
  /** Secrets cert-manager creates itself (ACME account keys, the certificate). */
  readonly createdSecrets: readonly { readonly namespace: string; readonly name: string; readonly reason: string }[];

  constructor(scope: Construct, id: string, props: CertManagerProps) {
    super(scope, id);
    const where = `CertManager '${id}'`;
    checkHostName(where, 'domain', props.domain);
    checkEmail(where, props.acmeEmail);
    checkDnsLabel(where, 'platformNamespace', props.platformNamespace);
    checkDnsLabel(where, 'cloudflareSecretName', props.cloudflareSecretName);

    const dns01Name = props.dns01IssuerName ?? 'letsencrypt-dns01';
    const certName = props.certificateName ?? 'wildcard';
    this.certificateSecretName = props.certificateSecretName ?? 'wildcard-tls';
    const accountKey = `${dns01Name}-account-key`;

    this.dns01Issuer = new IssuerObject(this, 'Dns01Issuer', {
      metadata: {
        name: dns01Name,
        namespace: props.platformNamespace,
        labels: appLabels({ name: 'cert-manager', instance: dns01Name, component: 'issuer', version: props.certManagerVersion }),
      },
      spec: {
        acme: {
          server: props.acmeServer ?? LETSENCRYPT_PRODUCTION,
          email: props.acmeEmail,
          privateKeySecretRef: { name: accountKey },
          solvers: [
            {
              selector: { dnsZones: [props.domain] },
              dns01: { cloudflare: { apiTokenSecretRef: { name: props.cloudflareSecretName, key: props.cloudflareTokenKey ?? 'api-token' } } },
            },
          ],
        },
      },
    });

    this.certificate = new CertificateObject(this, 'WildcardCertificate', {
      metadata: {
        name: certName,
        namespace: props.platformNamespace,
        labels: appLabels({ name: 'cert-manager', instance: certName, component: 'certificate', version: props.certManagerVersion }),
      },
      spec: {
        secretName: this.certificateSecretName,
        dnsNames: [props.domain, `*.${props.domain}`],
        issuerRef: { name: dns01Name, kind: 'Issuer', group: 'cert-manager.io' },
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      },
    });


    this.createdSecrets = [
      { namespace: props.platformNamespace, name: this.certificateSecretName, reason: `cert-manager writes the wildcard certificate of Certificate '${certName}'` },
      { namespace: props.platformNamespace, name: accountKey, reason: `cert-manager creates the ACME account key of Issuer '${dns01Name}'` },
    ];
  }
}
