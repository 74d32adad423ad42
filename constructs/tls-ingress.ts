import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { checkDnsLabel, checkHostName, checkPort } from './construct-error';

export interface TlsIngressProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Public host name, e.g. `git.example.com`. */
  readonly host: string;
  readonly serviceName: string;
  /** Port name or number of the Service. */
  readonly servicePort: number;
  /** Secret holding the certificate (the wildcard certificate's secret). */
  readonly tlsSecretName: string;
  /** @default 'traefik' (k3s' bundled ingress controller) */
  readonly ingressClassName?: string;
}

/**
 * Traefik (kubernetes-ingress provider) router annotations: bind the router to the `websecure` entrypoint only and
 * terminate TLS there. On `web` only the HTTP->HTTPS redirect (and cert-manager's HTTP-01 solver Ingresses, which
 * carry no such annotation) answer, so platform hosts are never served in clear (docs/platform.md).
 */
export const TRAEFIK_ENTRYPOINTS_ANNOTATION = 'traefik.ingress.kubernetes.io/router.entrypoints';
export const TRAEFIK_TLS_ANNOTATION = 'traefik.ingress.kubernetes.io/router.tls';

/** One host, path `/` to one Service port, TLS from an existing certificate Secret, served on websecure only. */
export class TlsIngress extends Construct {
  readonly ingress: k8s.KubeIngress;

  constructor(scope: Construct, id: string, props: TlsIngressProps) {
    super(scope, id);
    const where = `TlsIngress '${props.name}'`;
    checkDnsLabel(where, 'name', props.name);
    checkHostName(where, 'host', props.host);
    checkPort(where, 'servicePort', props.servicePort);
    this.ingress = new k8s.KubeIngress(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: props.namespace,
        labels: { ...props.labels },
        annotations: { [TRAEFIK_ENTRYPOINTS_ANNOTATION]: 'websecure', [TRAEFIK_TLS_ANNOTATION]: 'true' },
      },
      spec: {
        ingressClassName: props.ingressClassName ?? 'traefik',
        tls: [{ hosts: [props.host], secretName: props.tlsSecretName }],
        rules: [
          {
            host: props.host,
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: props.serviceName, port: { number: props.servicePort } } },
                },
              ],
            },
          },
        ],
      },
    });
  }
}
