import { Construct } from 'constructs';
import { IssuerObject } from './cert-manager-api';
import { checkDnsLabel, fail } from './construct-error';
import { appLabels } from './labels';
import { placementSpec, type Placement } from './placement';

export const LETSENCRYPT_PRODUCTION = 'https://acme-v02.api.letsencrypt.org/directory';

export interface Http01IssuerProps {
  /** Issuer name; rdev-api's DEPLOY_TLS_ISSUER. */
  readonly name: string;
  /** Omit only when the Issuer belongs to a Kustomize component (the kustomization sets it). */
  readonly namespace?: string;
  readonly acmeEmail: string;
  /** cert-manager release the cluster runs (for the version label). */
  readonly certManagerVersion: string;
  /** @default Let's Encrypt production */
  readonly acmeServer?: string;
  /** @default 'traefik' */
  readonly ingressClassName?: string;
  /**
   * Where the solver pods run. In a tenant namespace the PodNodeSelector pins every pod to the run pool,
   * whose taint only the gVisor RuntimeClass tolerates; solver pods cannot set a RuntimeClass, so they
   * need the run pool's tolerations here or they stay Pending and no custom-domain certificate is issued.
   * @default none
   */
  readonly solverPlacement?: Placement;
}

/**
 * ACME HTTP-01 Issuer for per-host certificates (custom domains of tenant projects). Namespaced: it lives
 * where the Certificates that use it live (the projects namespace, and every namespace stamped with the
 * tenant component); solver pods are created next to the Certificate and reached through Traefik.
 */
export class Http01Issuer extends Construct {
  readonly issuer: IssuerObject;
  readonly name: string;

  constructor(scope: Construct, id: string, props: Http01IssuerProps) {
    super(scope, id);
    const where = `Http01Issuer '${props.name}'`;
    checkDnsLabel(where, 'name', props.name);
    if (props.namespace !== undefined) checkDnsLabel(where, 'namespace', props.namespace);
    checkEmail(where, props.acmeEmail);
    this.name = props.name;
    const solverSpec = placementSpec(props.solverPlacement);
    this.issuer = new IssuerObject(this, 'Resource', {
      metadata: {
        name: props.name,
        ...(props.namespace !== undefined ? { namespace: props.namespace } : {}),
        labels: appLabels({ name: 'cert-manager', instance: props.name, component: 'issuer', version: props.certManagerVersion }),
      },
      spec: {
        acme: {
          server: props.acmeServer ?? LETSENCRYPT_PRODUCTION,
          email: props.acmeEmail,
          privateKeySecretRef: { name: `${props.name}-account-key` },
          solvers: [
            {
              http01: {
                ingress: {
                  ingressClassName: props.ingressClassName ?? 'traefik',
                  ...(solverSpec.nodeSelector || solverSpec.tolerations ? { podTemplate: { spec: solverSpec } } : {}),
                },
              },
            },
          ],
        },
      },
    });
  }
}

export function checkEmail(where: string, email: string): void {
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
    fail(where, 'acmeEmail', email, 'is not an e-mail address', "e.g. 'ops@example.com'", "set the Let's Encrypt account e-mail");
  }
}
