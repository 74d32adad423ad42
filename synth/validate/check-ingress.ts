/**
 * Ingresses route somewhere: every backend names a Service of the Ingress's namespace and one of its
 * ports (by number or by name), and every TLS secretName is a Secret that exists or that a
 * Certificate of that namespace will create.
 */
import { pathOf } from '../../regions/region-error';
import { asArray, asObject, asString, type JsonObject } from '../manifest';
import type { CheckContext, LocatedObject } from './check-context';

type Path = (string | number)[];

function checkBackend(ctx: CheckContext, at: LocatedObject, backend: JsonObject | undefined, path: Path): void {
  const service = asObject(backend?.service);
  if (!service) return; // resource backends are not modelled
  const ns = at.object.metadata.namespace;
  const name = asString(service.name);
  if (name === undefined) return;
  const found = ctx.find('Service', ns, name);
  if (!found) {
    if (ctx.isExternal('Service', ns, name)) return;
    ctx.report(at, {
      path: pathOf(...path, 'service', 'name'),
      value: name,
      problem: `names a Service that does not exist in namespace '${ns ?? ''}'`,
      expected: `one of ${ctx.ofKind('Service').filter((s) => s.object.metadata.namespace === ns).map((s) => s.object.metadata.name).join(', ') || '(no Services in that namespace)'}`,
      fix: "point the backend at an existing Service, or list the Service in composeRegion's `external`",
    });
    return;
  }
  const ports = asArray(asObject(found.object.spec)?.ports).map(asObject);
  const port = asObject(service.port);
  const number = port?.number;
  const portName = asString(port?.name);
  const ok =
    typeof number === 'number' ? ports.some((p) => p?.port === number) : portName !== undefined && ports.some((p) => asString(p?.name) === portName);
  if (!ok) {
    const available = ports.map((p) => (p?.name !== undefined ? `${String(p?.port)} (${String(p.name)})` : String(p?.port))).join(', ');
    ctx.report(at, {
      path: pathOf(...path, 'service', 'port', typeof number === 'number' ? 'number' : 'name'),
      value: typeof number === 'number' ? number : portName,
      problem: `is not a port of Service ${ns ?? ''}/${name}`,
      expected: `one of ${available || '(the Service has no ports)'}`,
      fix: 'use a port number or port name the Service exposes',
    });
  }
}

export function checkIngresses(ctx: CheckContext): void {
  for (const at of ctx.ofKind('Ingress')) {
    const spec = asObject(at.object.spec);
    const ns = at.object.metadata.namespace;
    if (spec?.defaultBackend !== undefined) checkBackend(ctx, at, asObject(spec.defaultBackend), ['spec', 'defaultBackend']);
    asArray(spec?.rules).forEach((r, ri) =>
      asArray(asObject(asObject(r)?.http)?.paths).forEach((p, pi) =>
        checkBackend(ctx, at, asObject(asObject(p)?.backend), ['spec', 'rules', ri, 'http', 'paths', pi, 'backend']),
      ),
    );
    asArray(spec?.tls).forEach((t, ti) => {
      const secretName = asString(asObject(t)?.secretName);
      if (secretName === undefined) return;
      const byCertificate = ctx
        .ofKind('Certificate')
        .some((c) => c.object.metadata.namespace === ns && asString(asObject(c.object.spec)?.secretName) === secretName);
      if (byCertificate || ctx.exists('Secret', ns, secretName)) return;
      ctx.report(at, {
        path: pathOf('spec', 'tls', ti, 'secretName'),
        value: secretName,
        problem: `is neither a Secret nor the secretName of a Certificate in namespace '${ns ?? ''}'`,
        expected: 'the secretName of a Certificate in the same namespace (e.g. the wildcard certificate)',
        fix: 'reference the Certificate\'s secretName, add a Certificate for it, or declare the Secret external',
      });
    });
  }
}
