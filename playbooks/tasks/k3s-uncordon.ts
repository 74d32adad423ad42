/**
 * `k3s.uncordon`: after their upgrade, nodes that the upgrade drained (annotation `platform.upgrade/drained`) and
 * that now run the target version are uncordoned and unmarked. Nodes cordoned by someone else stay cordoned.
 */
import { change, ok, sh, unpredictable, ValidationError, type Command, type Task } from '../core';
import { DRAINED_ANNOTATION } from './k3s-drain';
import { K3S_KUBECTL, liveNodes } from './k3s-node-metadata';

export interface UncordonArgs {
  readonly nodes: readonly string[];
  readonly version: string;
}

const kubectl = K3S_KUBECTL.split(' ');

export const uncordonNodes: Task<UncordonArgs> = {
  id: 'k3s.uncordon',
  probes: () => [liveNodes()],
  async plan(host, a) {
    const live = await host.fact(liveNodes());
    if (!live) throw new ValidationError(`k3s.uncordon on '${host.name}': 'k3s kubectl get nodes' failed (expected a running k3s server)`);
    const behind = a.nodes.filter((n) => live.get(n)?.version !== a.version);
    if (behind.length && host.check) {
      // A check run: the upgrade of these nodes (and their drain mark) happens earlier in the run, which check mode
      // does not do; what the run then uncordons depends on it.
      const commands: Command[] = behind.flatMap((n) => [sh`${kubectl} uncordon ${n}`, sh`${kubectl} annotate node ${n} ${`${DRAINED_ANNOTATION}-`}`]);
      return unpredictable(
        change(`uncordon ${behind.join(', ')} once they run ${a.version}`, commands, { predicts: [] }),
        `${behind.join(', ')} ${behind.length === 1 ? 'is' : 'are'} upgraded and drained earlier in the run; their version and drain mark are known only then`,
      );
    }
    if (behind.length) throw new ValidationError(`k3s.uncordon on '${host.name}': ${behind.join(', ')} do not run ${a.version} (expected the upgraded version before uncordoning; see k3s-agent on them)`);
    const todo = a.nodes.filter((n) => live.get(n)?.annotations?.[DRAINED_ANNOTATION] !== undefined);
    if (todo.length === 0) return ok(`${a.nodes.join(', ')} schedulable`);
    const commands: Command[] = todo.flatMap((n) => [sh`${kubectl} uncordon ${n}`, sh`${kubectl} annotate node ${n} ${`${DRAINED_ANNOTATION}-`}`]);
    // through the API: nothing on the host changes
    return change(`uncordon ${todo.join(', ')}`, commands, { predicts: [] });
  },
};
