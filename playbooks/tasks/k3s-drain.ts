/**
 * `k3s.drain`: before their upgrade, the nodes of a batch that do not run the target version yet are cordoned,
 * marked (annotation `platform.upgrade/drained=<version>`, so only nodes drained by the upgrade are uncordoned
 * later) and drained, from a server through the API. Nodes already at the version: no change.
 */
import { change, ok, sh, ValidationError, type Command, type Task } from '../core';
import { K3S_KUBECTL, liveNodes } from './k3s-node-metadata';

export const DRAINED_ANNOTATION = 'platform.upgrade/drained';

export interface DrainArgs {
  readonly nodes: readonly string[];
  readonly version: string;
  /** @default 300 */
  readonly timeoutSeconds?: number;
}

const kubectl = K3S_KUBECTL.split(' ');

export const drainNodes: Task<DrainArgs> = {
  id: 'k3s.drain',
  probes: () => [liveNodes()],
  async plan(host, a) {
    const live = await host.fact(liveNodes());
    if (!live) throw new ValidationError(`k3s.drain on '${host.name}': 'k3s kubectl get nodes' failed (expected a running k3s server)`);
    const todo = a.nodes.filter((n) => live.has(n) && live.get(n)!.version !== a.version);
    if (todo.length === 0) return ok(`${a.nodes.join(', ')} already at ${a.version}`);
    const t = a.timeoutSeconds ?? 300;
    const commands: Command[] = todo.flatMap((n) => [
      sh`${kubectl} cordon ${n}`,
      sh`${kubectl} annotate node ${n} ${`${DRAINED_ANNOTATION}=${a.version}`} --overwrite`,
      sh`${kubectl} drain ${n} --ignore-daemonsets --delete-emptydir-data ${`--timeout=${t}s`}`,
    ]);
    return change(`drain ${todo.join(', ')} for ${a.version}`, commands);
  },
};
