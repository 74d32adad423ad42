/**
 * Every public endpoint has a complete path, and the path is printed: load balancer port -> the pool it targets
 * -> the firewall of those nodes admits the port -> something listens there (Traefik's hostPort, or the hostPort
 * ServiceLB publishes for a LoadBalancer Service) on nodes it can be scheduled on -> Ingress -> Service port ->
 * pods that can be scheduled. Endpoints: each Ingress host (HTTPS, HTTP redirected), git SSH (with Gitea's clone
 * URL port), and ACME HTTP-01 on port 80 (solver routes above the redirect).
 */
import { asArray, asObject, asString, asStringMap, type KubeObject } from '../manifest';
import type { ManifestIssue } from '../synth-error';
import { issue } from './issues';
import type { ModelNode, ModelWorkload, PlatformModel } from './model';
import { placement } from './schedule';
import type { PublicEntrypoint } from '../../regions/k3s-cluster';

/** Traefik's Ingress annotation binding a router to entrypoints (traefik docs, kubernetes-ingress provider). */
export const ENTRYPOINTS_ANNOTATION = 'traefik.ingress.kubernetes.io/router.entrypoints';

export interface PublicPathsResult {
  readonly issues: ManifestIssue[];
  /** One line per endpoint, from the load balancer to the pods. */
  readonly paths: string[];
}

interface Located {
  readonly object: KubeObject;
  readonly file: string;
}

function workloadsBehind(model: PlatformModel, service: KubeObject): ModelWorkload[] {
  const selector = asStringMap(asObject(service.spec)?.selector);
  if (Object.keys(selector).length === 0) return [];
  return model.workloads.filter((w) => w.namespace === (service.metadata.namespace ?? 'default') && w.mustNotSchedule === undefined && Object.entries(selector).every(([k, v]) => w.podLabels[k] === v));
}

function nodeList(nodes: readonly ModelNode[]): string {
  return nodes.map((n) => n.name).join(', ');
}

export function checkPublicPaths(model: PlatformModel): PublicPathsResult {
  const issues: ManifestIssue[] = [];
  const paths: string[] = [];
  const lb = model.region.network.loadBalancerIps[0] ?? '(no load balancer)';
  const regionWide = (problem: string, value: unknown, expected: string, fix: string): void => {
    issues.push(issue(model, { object: '', file: '', path: 'network.loadBalancerIps', value, problem, expected, fix }));
  };

  /** The first links, shared by every endpoint of an entrypoint; undefined when broken (issues recorded). */
  const front = (e: PublicEntrypoint, listenerFilter: (w: ModelWorkload) => boolean): { text: string; listeners: ModelWorkload[] } | undefined => {
    const targets = model.nodes.filter((n) => n.pool === e.pool);
    if (targets.length === 0) {
      regionWide(`the load balancer forwards ${e.port}/${e.protocol} (${e.name}) to the ${e.pool} pool, which has no hosts`, e.port, `hosts in pools.${e.pool}`, `add ${e.pool} hosts or move the ${e.name} entrypoint (regions/k3s-cluster.ts)`);
      return undefined;
    }
    const closed = targets.filter((n) => !n.firewallPublicPorts.includes(e.port));
    if (closed.length > 0) {
      regionWide(`the firewall of ${nodeList(closed)} does not admit ${e.port}/${e.protocol} (${e.name}) from the load balancer`, e.port, `the port open on every ${e.pool} node`, 'let the firewall playbook open the entrypoints of the pool (regions/k3s-cluster.ts entrypointsOf)');
      return undefined;
    }
    const holders = model.workloads.filter((w) => w.ports.some((p) => p.hostPort === e.port && p.protocol === e.protocol));
    const listeners = holders.filter(listenerFilter);
    const covered = new Set<string>();
    for (const w of listeners) for (const n of placement(model, w).nodes) if (n.pool === e.pool) covered.add(n.name);
    const uncovered = targets.filter((n) => !covered.has(n.name));
    if (uncovered.length > 0) {
      const where = holders.map((w) => `${w.id} can run on ${nodeList(placement(model, w).nodes) || 'no node'}`).join('; ');
      issues.push(issue(model, {
        object: listeners[0]?.id ?? '',
        file: listeners[0]?.file ?? '',
        path: listeners[0]?.path ?? '',
        value: e.port,
        problem: `nothing listens on ${e.port}/${e.protocol} (${e.name}) on ${nodeList(uncovered)}, where the load balancer sends it${where ? ` (${where})` : ''}`,
        expected: `a ${e.listener === 'traefik' ? 'Traefik' : 'ServiceLB'} hostPort ${e.port} on every ${e.pool} node`,
        fix: e.listener === 'traefik'
          ? `run Traefik on the ${e.pool} pool with hostPort ${e.port} (HelmChartConfig from regions/k3s-cluster.ts traefikValues, shipped by the k3s playbook)`
          : `let ServiceLB run on the ${e.pool} pool (label svccontroller.k3s.cattle.io/enablelb=true, regions/k3s-cluster.ts serviceLbPools) and publish the port from a LoadBalancer Service`,
      }));
      return undefined;
    }
    const targetsText = targets.map((n) => n.name).join(', ');
    const listenerText = listeners.map((w) => `${w.id.replace(/ \(for Service.*\)$/, '')} hostPort ${e.port}`).join(' + ');
    return { text: `LB ${lb}:${e.port} -> ${e.pool} pool (${targetsText}) -> firewall ${e.port}/${e.protocol} open -> ${listenerText}`, listeners };
  };

  const byEntrypoint = new Map(model.settings.entrypoints.map((e) => [e.name, e]));
  const services = new Map<string, Located>();
  for (const at of model.objects) if (at.object.kind === 'Service') services.set(`${at.object.metadata.namespace ?? 'default'}/${at.object.metadata.name}`, at);

  // HTTPS: every Ingress host.
  const websecure = byEntrypoint.get('websecure');
  const web = byEntrypoint.get('web');
  const isTraefik = (w: ModelWorkload): boolean => w.namespace === 'kube-system' && w.id.includes('/traefik') && !w.id.includes('ServiceLB');
  const secureFront = websecure ? front(websecure, isTraefik) : undefined;
  const webFront = web ? front(web, isTraefik) : undefined;
  for (const at of model.objects) {
    if (at.object.kind !== 'Ingress') continue;
    const ing = at.object;
    const id = `Ingress ${ing.metadata.namespace ?? ''}/${ing.metadata.name}`;
    const spec = asObject(ing.spec) ?? {};
    const className = asString(spec.ingressClassName);
    if (className !== 'traefik') {
      issues.push(issue(model, { object: id, file: at.file, path: 'spec.ingressClassName', value: className, problem: 'is not served by the bundled Traefik', expected: "'traefik'", fix: "set ingressClassName: traefik" }));
      continue;
    }
    const entrypoints = asStringMap(ing.metadata.annotations)[ENTRYPOINTS_ANNOTATION];
    const tls = asArray(spec.tls).length > 0;
    if (tls && entrypoints !== 'websecure') {
      issues.push(issue(model, {
        object: id,
        file: at.file,
        path: `metadata.annotations.${ENTRYPOINTS_ANNOTATION}`,
        value: entrypoints,
        problem: `binds the TLS host to every entrypoint, so its router on 'web' outranks the HTTP->HTTPS redirect (priority ${model.settings.traefik.redirectPriority}) and serves it over plain HTTP`,
        expected: "'websecure'",
        fix: `annotate the Ingress ${ENTRYPOINTS_ANNOTATION}: websecure (constructs/tls-ingress.ts)`,
      }));
    }
    asArray(spec.rules).forEach((rule, r) => {
      const host = asString(asObject(rule)?.host) ?? '*';
      asArray(asObject(asObject(rule)?.http)?.paths).forEach((p, i) => {
        const backend = asObject(asObject(asObject(p)?.backend)?.service);
        const name = asString(backend?.name) ?? '';
        const port = asObject(backend?.port);
        const path = asString(asObject(p)?.path) ?? '/';
        const svc = services.get(`${ing.metadata.namespace ?? 'default'}/${name}`);
        const where = `spec.rules[${r}].http.paths[${i}].backend.service`;
        if (!svc) {
          issues.push(issue(model, { object: id, file: at.file, path: where, value: name, problem: 'names no Service of the manifests', expected: 'a Service in the same namespace', fix: 'point the backend at an existing Service' }));
          return;
        }
        const servicePort = asArray(asObject(svc.object.spec)?.ports).map((x) => asObject(x) ?? {}).find((x) => x.port === port?.number || (asString(port?.name) !== undefined && x.name === port?.name));
        const pods = workloadsBehind(model, svc.object);
        const running = pods.map((w) => ({ w, nodes: placement(model, w).nodes })).filter((x) => x.nodes.length > 0);
        if (!servicePort || running.length === 0) {
          issues.push(issue(model, {
            object: id,
            file: at.file,
            path: where,
            value: { service: name, port: port?.number ?? port?.name },
            problem: !servicePort ? 'names a port the Service does not expose' : `reaches Service ${name}, whose pods cannot be scheduled anywhere${pods.length === 0 ? ' (its selector matches no pod template)' : ''}`,
            expected: 'a Service port with schedulable pods behind it',
            fix: 'fix the Service selector or the workload placement (see the scheduling issues)',
          }));
          return;
        }
        if (!secureFront) return;
        const backendText = running.map((x) => `${x.w.id} (${nodeList(x.nodes)})`).join(', ');
        paths.push(`https://${host}${path} : ${secureFront.text} -> ${id} -> Service ${svc.object.metadata.namespace}/${name}:${String(servicePort.port)} -> ${backendText}`);
      });
    });
  }
  if (webFront) {
    const solvers = model.workloads.filter((w) => w.podLabels['acme.cert-manager.io/http01-solver'] === 'true');
    for (const s of solvers) {
      const nodes = placement(model, s).nodes;
      if (nodes.length === 0) continue; // reported by the scheduling check
      paths.push(`http://<custom domain>/.well-known/acme-challenge/<token> : ${webFront.text} (redirect to https at priority ${model.settings.traefik.redirectPriority}, below the solver's Ingress router) -> solver Ingress and Service (cert-manager) -> ${s.id} (${nodeList(nodes)})`);
    }
    if (model.settings.traefik.redirectPriority >= 10) {
      regionWide(`the HTTP->HTTPS redirect has priority ${model.settings.traefik.redirectPriority}, above HTTP-01 solver routers`, model.settings.traefik.redirectPriority, 'a priority below every Ingress router (1)', 'lower redirectPriority in regions/k3s-cluster.ts');
    }
  }

  // git SSH: a LoadBalancer Service on the entrypoint's port, published by ServiceLB on the git pool.
  const git = byEntrypoint.get('git-ssh');
  const lbServices = model.objects.filter((at) => at.object.kind === 'Service' && asString(asObject(at.object.spec)?.type) === 'LoadBalancer');
  for (const at of lbServices) {
    const ports = asArray(asObject(at.object.spec)?.ports).map((x) => Number(asObject(x)?.port));
    const unrouted = ports.filter((p) => !model.settings.entrypoints.some((e) => e.port === p && e.listener === 'servicelb'));
    if (unrouted.length > 0) {
      issues.push(issue(model, {
        object: `Service ${at.object.metadata.namespace ?? ''}/${at.object.metadata.name}`,
        file: at.file,
        path: 'spec.ports',
        value: unrouted,
        problem: 'is published by ServiceLB on ports the load balancer does not forward (regions/k3s-cluster.ts entrypoints)',
        expected: model.settings.entrypoints.filter((e) => e.listener === 'servicelb').map((e) => `${e.port} (${e.name})`).join(', ') || 'no LoadBalancer Service',
        fix: 'use the entrypoint port (platform.gitea.sshPort for git SSH) or a ClusterIP Service',
      }));
    }
  }
  if (git) {
    const svc = lbServices.find((at) => asArray(asObject(at.object.spec)?.ports).some((x) => asObject(x)?.port === git.port));
    const f = front(git, (w) => w.id.includes('ServiceLB') && (!svc || w.id.includes(`Service ${svc.object.metadata.namespace}/${svc.object.metadata.name}`)));
    if (!svc) {
      regionWide(`the load balancer forwards git SSH ${git.port}/TCP but no LoadBalancer Service publishes it`, git.port, 'Gitea\'s SSH Service on that port', 'set platform.gitea.sshPort and let the Gitea construct publish it');
    } else if (f) {
      const pods = workloadsBehind(model, svc.object).map((w) => ({ w, nodes: placement(model, w).nodes })).filter((x) => x.nodes.length > 0);
      const appIni = model.objects.map((o) => asString(asObject(o.object.data)?.['app.ini'])).find((t) => t !== undefined);
      const sshPort = appIni ? /^SSH_PORT = (\d+)$/m.exec(appIni)?.[1] : undefined;
      const sshDomain = appIni ? /^SSH_DOMAIN = (.+)$/m.exec(appIni)?.[1] : undefined;
      if (appIni && sshPort !== String(git.port)) {
        issues.push(issue(model, { object: 'ConfigMap gitea-config', file: '', path: 'data["app.ini"] [server] SSH_PORT', value: sshPort, problem: 'differs from the port the load balancer forwards for git SSH, so clone URLs point nowhere', expected: String(git.port), fix: 'derive SSH_PORT from platform.gitea.sshPort' }));
      }
      if (pods.length === 0) {
        issues.push(issue(model, { object: `Service ${svc.object.metadata.namespace}/${svc.object.metadata.name}`, file: svc.file, path: 'spec.selector', value: asObject(svc.object.spec)?.selector, problem: 'has no schedulable pods behind it', expected: "Gitea's pods", fix: 'fix the selector or Gitea\'s placement' }));
      } else {
        paths.push(`ssh://git@${sshDomain ?? model.region.platform.gitea.sshHost}:${git.port} : ${f.text} -> Service ${svc.object.metadata.namespace}/${svc.object.metadata.name}:${git.port} -> ${pods.map((x) => `${x.w.id} (${nodeList(x.nodes)})`).join(', ')}`);
      }
    }
  }
  return { issues, paths };
}
