/**
 * `k3s.node-metadata`: node labels and taints as the region says, reconciled THROUGH THE API from a server
 * (`k3s kubectl label/taint --overwrite`): k3s applies node-label/node-taint flags only when a node registers,
 * so later changes of the region reach existing nodes only this way. Labels and taints not in the region are
 * left alone (other controllers own them).
 */
import { change, defineFact, ok, sh, unpredictable, ValidationError, type Command, type Fact, type Task } from '../core';

export interface NodeTaint {
  readonly key: string;
  readonly value?: string;
  readonly effect: string;
}

export interface WantedNode {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly NodeTaint[];
}

export interface LiveNode {
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly NodeTaint[];
  readonly annotations?: Readonly<Record<string, string>>;
  readonly unschedulable?: boolean;
  /** status.nodeInfo.kubeletVersion, e.g. v1.28.15+k3s1 */
  readonly version?: string;
}

export const K3S_KUBECTL = '/usr/local/bin/k3s kubectl';

export function liveNodes(): Fact<Map<string, LiveNode> | null> {
  return defineFact('k3s.nodes', `${K3S_KUBECTL} get nodes -o json`, ({ stdout, exitCode }) => {
    if (exitCode !== 0) return null;
    let doc: {
      items?: {
        metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
        spec?: { taints?: NodeTaint[]; unschedulable?: boolean };
        status?: { nodeInfo?: { kubeletVersion?: string } };
      }[];
    };
    try {
      doc = JSON.parse(stdout) as typeof doc;
    } catch {
      throw new ValidationError(`k3s.nodes: 'kubectl get nodes -o json' did not print JSON (got '${stdout.slice(0, 80)}')`);
    }
    const out = new Map<string, LiveNode>();
    for (const item of doc.items ?? []) {
      if (!item.metadata?.name) continue;
      out.set(item.metadata.name, {
        labels: item.metadata.labels ?? {},
        taints: item.spec?.taints ?? [],
        annotations: item.metadata.annotations ?? {},
        unschedulable: item.spec?.unschedulable === true,
        ...(item.status?.nodeInfo?.kubeletVersion ? { version: item.status.nodeInfo.kubeletVersion } : {}),
      });
    }
    return out;
  });
}

export function taintText(t: NodeTaint): string {
  return `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
}

/** Commands that bring one live node to the wanted labels and taints (empty when it matches). */
export function nodeMetadataCommands(want: WantedNode, live: LiveNode): Command[] {
  const labels = Object.entries(want.labels)
    .filter(([k, v]) => live.labels[k] !== v)
    .map(([k, v]) => `${k}=${v}`);
  const taints = want.taints.filter((t) => !live.taints.some((l) => l.key === t.key && (l.value ?? '') === (t.value ?? '') && l.effect === t.effect));
  const commands: Command[] = [];
  if (labels.length) commands.push(sh`${K3S_KUBECTL.split(' ')} label node ${want.name} ${labels} --overwrite`);
  // A taint with the same key and effect but another value is replaced by --overwrite.
  if (taints.length) commands.push(sh`${K3S_KUBECTL.split(' ')} taint node ${want.name} ${taints.map(taintText)} --overwrite`);
  return commands;
}

export interface NodeMetadataArgs {
  readonly nodes: readonly WantedNode[];
}

export const nodeMetadata: Task<NodeMetadataArgs> = {
  id: 'k3s.node-metadata',
  probes: () => [liveNodes()],
  async plan(host, a) {
    const live = await host.fact(liveNodes());
    const missing = live ? a.nodes.filter((n) => !live.has(n.name)).map((n) => n.name) : a.nodes.map((n) => n.name);
    if (host.check && missing.length) {
      // A check run before the cluster (or these nodes) exists: the nodes register when k3s starts on their hosts,
      // later in the run, with the labels and taints of their config.yaml; what is left to reconcile then is unknown.
      const commands = a.nodes.filter((n) => missing.includes(n.name)).flatMap((n) => nodeMetadataCommands(n, { labels: {}, taints: [] }));
      const plan = commands.length ? change(`labels/taints of ${missing.join(', ')} (once registered)`, commands, { predicts: [] }) : ok(`no labels or taints wanted on ${missing.join(', ')}`);
      return unpredictable(plan, `${live ? `nodes ${missing.join(', ')} are` : 'the Kubernetes API is'} not there yet: they register when k3s starts (later in the run), with the labels and taints of their config`);
    }
    if (!live) throw new ValidationError(`k3s.node-metadata on '${host.name}': 'k3s kubectl get nodes' failed (expected a running k3s server; is k3s up on ${host.name}?)`);
    if (missing.length) throw new ValidationError(`k3s.node-metadata on '${host.name}': nodes ${missing.join(', ')} are not registered (expected every host of the region as a node; check k3s/k3s-agent on them)`);
    const commands: Command[] = [];
    const touched: string[] = [];
    for (const n of a.nodes) {
      const c = nodeMetadataCommands(n, live.get(n.name)!);
      if (c.length) touched.push(n.name);
      commands.push(...c);
    }
    // through the API: no file, unit or setting of the host changes (facts that may read anything are probed again)
    return commands.length ? change(`labels/taints of ${touched.join(', ')}`, commands, { predicts: [] }) : ok(`labels and taints of ${a.nodes.length} nodes up to date`);
  },
};
