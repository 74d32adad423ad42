/**
 * Is cert-manager's webhook admitting requests? The CRDs existing is not enough: until the webhook Deployment
 * serves and cainjector has put the CA into the webhook configurations, every create of a cert-manager object
 * fails (`failed calling webhook "webhook.cert-manager.io": ... connection refused` or `x509: certificate signed
 * by unknown authority`, both failurePolicy: Fail), so the first `kubectl apply -k dist/<region>` would fail on
 * its Issuers.
 *
 * The check is the one `cmctl check api` makes (cert-manager v1.21.1 pkg/util/cmapichecker/cmapichecker.go,
 * Check): a server-side dry-run create of a CertificateRequest whose request is not a CSR. It passes the
 * mutating webhook (deploy/charts/cert-manager/templates/webhook-mutating-webhook.yaml: CREATE on
 * certificaterequests) and is then denied by the validating webhook (webhook-validating-webhook.yaml;
 * internal/apis/certmanager/validation/certificaterequest.go rejects the request bytes). That denial, and only
 * it, proves both webhooks are reachable with the injected CA. Nothing is stored (--dry-run=server).
 */
import { sh } from './core';
import { K3S_KUBECTL } from './tasks/k3s-node-metadata';

/** The namespace the cert-manager HelmChart installs into (templates/cert-manager-helmchart.yaml.hbs). */
export const CERT_MANAGER_NAMESPACE = 'cert-manager';

/** The validating webhook's denial (cmapichecker.go regexErrCertmanagerDeniedRequest). */
export const WEBHOOK_DENIAL = 'admission webhook "webhook.cert-manager.io" denied the request';

const PROBE_LINES = [
  'apiVersion: cert-manager.io/v1',
  'kind: CertificateRequest',
  'metadata:',
  '  generateName: region-bootstrapper-webhook-check-',
  `  namespace: ${CERT_MANAGER_NAMESPACE}`,
  'spec:',
  // base64 of "invalid-csr", as cmapichecker's testInvalidCR
  '  request: aW52YWxpZC1jc3I=',
  '  issuerRef:',
  '    name: region-bootstrapper-webhook-check',
];

/** The dry run (stdout and stderr together): prints the API server's answer. */
export const webhookDryRun = `printf '%s\\n' ${PROBE_LINES.map((l) => sh`${l}`).join(' ')} | ${K3S_KUBECTL} create --dry-run=server -f - 2>&1`;

/** Succeeds only when the validating webhook denied the dry run, i.e. both webhooks answer. */
export const webhookAdmits = `${webhookDryRun} | grep -qF ${sh`${WEBHOOK_DENIAL}`}`;
