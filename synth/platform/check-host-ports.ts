/**
 * No hostPort (a workload's, Traefik's, or one ServiceLB publishes for a LoadBalancer Service) shadows a service
 * of the host on a node the pod can land on: the CNI's DNAT runs before the host's input path, so the pod would
 * answer instead (sshd, the Kubernetes API and supervisor, the kubelet, etcd, the flannel port). Two pods holding
 * the same hostPort on one node cannot both run there either.
 */
import type { ManifestIssue } from '../synth-error';
import { issue } from './issues';
import type { ModelWorkload, PlatformModel } from './model';
import { placement } from './schedule';

export function checkHostPorts(model: PlatformModel): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const taken = new Map<string, ModelWorkload>();
  for (const w of model.workloads) {
    const hostPorts = w.ports.filter((p) => p.hostPort !== undefined);
    if (hostPorts.length === 0) continue;
    const nodes = placement(model, w).nodes;
    for (const port of hostPorts) {
      const hp = port.hostPort ?? 0;
      for (const node of nodes) {
        const service = node.hostServices.find((s) => s.protocol === port.protocol && hp >= s.port && hp <= (s.endPort ?? s.port));
        if (service) {
          issues.push(issue(model, {
            object: w.id,
            file: w.file,
            path: w.path,
            value: `${hp}/${port.protocol}`,
            problem: `holds hostPort ${hp}/${port.protocol} on ${node.name}, where the host's ${service.what} listens: connections to ${node.name}:${hp} reach the pod instead`,
            expected: `a port no host service uses (${node.name} uses ${node.hostServices.map((s) => `${s.port}${s.endPort ? `-${s.endPort}` : ''}/${s.protocol} ${s.what}`).join(', ')})`,
            fix: w.origin === 'k3s' && w.id.includes('ServiceLB')
              ? 'move the LoadBalancer Service to a port no host uses (e.g. Gitea SSH on 2222: platform.gitea.sshPort) or keep ServiceLB off these nodes (regions/k3s-cluster.ts serviceLbPools)'
              : 'use another hostPort, or keep the pod off these nodes',
          }));
        }
        const key = `${node.name}/${hp}/${port.protocol}`;
        const other = taken.get(key);
        if (other && other !== w) {
          issues.push(issue(model, {
            object: w.id,
            file: w.file,
            path: w.path,
            value: `${hp}/${port.protocol}`,
            problem: `holds hostPort ${hp}/${port.protocol} on ${node.name}, which ${other.id} holds as well: one of them stays Pending there`,
            expected: 'one pod per hostPort and node',
            fix: 'give one of them another port or other nodes',
          }));
        }
        taken.set(key, w);
      }
    }
  }
  return issues;
}
