/**
 * Where a pod of the model can be scheduled, as the API server and scheduler decide it: the namespace's
 * PodNodeSelector annotation (when that admission plugin runs) and the RuntimeClass's scheduling section merged
 * into the pod's nodeSelector (a conflict rejects the pod), nodeSelector and required node affinity against node
 * labels, NoSchedule/NoExecute taints against tolerations, and the RuntimeClass handler installed on the node.
 */
import { asArray, asObject, asString } from '../manifest';
import { toleration, type ModelNode, type ModelWorkload, type NodeTaint, type PlatformModel, type Toleration } from './model';

export const NODE_SELECTOR_ANNOTATION = 'scheduler.alpha.kubernetes.io/node-selector';
const DEFAULT_TOLERATIONS_ANNOTATION = 'scheduler.alpha.kubernetes.io/defaultTolerations';
const WHITELIST_ANNOTATION = 'scheduler.alpha.kubernetes.io/tolerationsWhitelist';

function parseTolerations(text: string | undefined): Toleration[] {
  if (text === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.map(toleration) : [];
  } catch {
    return [];
  }
}

/**
 * Tolerations the API server adds to a pod before PodTolerationRestriction validates it against the namespace's
 * whitelist (kubernetes plugin/pkg/admission): DefaultTolerationSeconds (enabled by default, k3s keeps it) adds
 * not-ready and unreachable (Exists, NoExecute, 300 s) to every pod that does not tolerate them already, and
 * podtolerationrestriction's Admit adds memory-pressure (Exists, NoSchedule) to every pod that is not BestEffort
 * (modelled for every pod: a pipeline pod with any request or limit gets it). A whitelist without them refuses
 * every pod of the namespace.
 */
export const ADMISSION_ADDED_TOLERATIONS: readonly Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
];

/** Whether `ss` tolerates everything `t` does (kubernetes pkg/util/tolerations isSuperset, used by VerifyAgainstWhitelist). */
function isSuperset(ss: Toleration, t: Toleration): boolean {
  const key = ss.key ?? '';
  const op = ss.operator || 'Equal';
  if ((t.key ?? '') !== key && (key !== '' || op !== 'Exists')) return false;
  if ((t.effect ?? '') !== (ss.effect ?? '') && (ss.effect ?? '') !== '') return false;
  if (ss.effect === 'NoExecute' && ss.tolerationSeconds !== undefined && (t.tolerationSeconds === undefined || t.tolerationSeconds > ss.tolerationSeconds)) return false;
  if (op === 'Exists') return true;
  return op === 'Equal' && (t.operator || 'Equal') === 'Equal' && (t.value ?? '') === (ss.value ?? '');
}

function sameToleration(a: Toleration, b: Toleration): boolean {
  return (a.key ?? '') === (b.key ?? '') && (a.operator ?? 'Equal') === (b.operator ?? 'Equal') && (a.value ?? '') === (b.value ?? '') && (a.effect ?? '') === (b.effect ?? '');
}

export interface Placement {
  /** Nodes the pod fits on. */
  readonly nodes: readonly ModelNode[];
  /** Why each other node is refused, or why the pod is refused everywhere (admission). */
  readonly refused: ReadonlyMap<string, string>;
  /** Set when admission rejects the pod before scheduling. */
  readonly rejected?: string;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Toleration[];
}

export function tolerates(tolerations: readonly Toleration[], taint: NodeTaint): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

function parseSelectorText(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

function merge(into: Record<string, string>, from: Readonly<Record<string, string>>, source: string): string | undefined {
  for (const [k, v] of Object.entries(from)) {
    if (into[k] !== undefined && into[k] !== v) return `${source} sets ${k}=${v} but the pod already selects ${k}=${into[k]}`;
    into[k] = v;
  }
  return undefined;
}

function termMatches(term: Record<string, unknown>, labels: Readonly<Record<string, string>>): boolean {
  return asArray(term.matchExpressions).every((e) => {
    const o = asObject(e) ?? {};
    const key = asString(o.key) ?? '';
    const values = asArray(o.values).map(String);
    const has = labels[key] !== undefined;
    switch (o.operator) {
      case 'In': return has && values.includes(labels[key] ?? '');
      case 'NotIn': return !has || !values.includes(labels[key] ?? '');
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      default: return false;
    }
  });
}

export function placement(model: Pick<PlatformModel, 'nodes' | 'namespaces' | 'runtimeClasses' | 'settings'>, w: ModelWorkload): Placement {
  const nodeSelector: Record<string, string> = { ...w.nodeSelector };
  const tolerations: Toleration[] = [...w.tolerations];
  const refused = new Map<string, string>();
  const reject = (reason: string): Placement => ({ nodes: [], refused, rejected: reason, nodeSelector, tolerations });
  const ns = model.namespaces.get(w.namespace);
  const pinned = ns?.annotations[NODE_SELECTOR_ANNOTATION];
  if (pinned !== undefined && model.settings.admissionPlugins.includes('PodNodeSelector')) {
    const conflict = merge(nodeSelector, parseSelectorText(pinned), `namespace ${w.namespace}'s PodNodeSelector annotation`);
    if (conflict) return reject(`admission rejects it: ${conflict}`);
  }
  if (model.settings.admissionPlugins.includes('PodTolerationRestriction')) {
    const defaults = parseTolerations(ns?.annotations[DEFAULT_TOLERATIONS_ANNOTATION]);
    const whitelist = ns?.annotations[WHITELIST_ANNOTATION] !== undefined ? parseTolerations(ns.annotations[WHITELIST_ANNOTATION]) : undefined;
    for (const t of defaults) if (!tolerations.some((x) => sameToleration(x, t))) tolerations.push(t);
    for (const t of ADMISSION_ADDED_TOLERATIONS) if (!tolerations.some((x) => isSuperset(x, t))) tolerations.push(t);
    const outside = whitelist ? tolerations.filter((t) => !whitelist.some((x) => isSuperset(x, t))) : [];
    if (outside.length > 0) return reject(`admission rejects it: toleration ${JSON.stringify(outside[0])} is outside namespace ${w.namespace}'s tolerationsWhitelist`);
  }
  let handler: string | undefined;
  if (w.runtimeClassName !== undefined) {
    const rc = model.runtimeClasses.get(w.runtimeClassName);
    if (!rc) return reject(`admission rejects it: RuntimeClass '${w.runtimeClassName}' does not exist`);
    handler = rc.handler;
    const conflict = merge(nodeSelector, rc.nodeSelector, `RuntimeClass ${w.runtimeClassName}`);
    if (conflict) return reject(`admission rejects it: ${conflict}`);
    tolerations.push(...rc.tolerations);
  }
  const nodes: ModelNode[] = [];
  for (const node of model.nodes) {
    const mismatch = Object.entries(nodeSelector).find(([k, v]) => node.labels[k] !== v);
    if (mismatch) {
      refused.set(node.name, `nodeSelector ${mismatch[0]}=${mismatch[1]} (node has ${node.labels[mismatch[0]] === undefined ? 'no such label' : `${mismatch[0]}=${node.labels[mismatch[0]]}`})`);
      continue;
    }
    if (w.requiredAffinity.length > 0 && !w.requiredAffinity.some((t) => termMatches(t, node.labels))) {
      refused.set(node.name, 'required node affinity');
      continue;
    }
    const taint = node.taints.find((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(tolerations, t));
    if (taint) {
      refused.set(node.name, `untolerated taint ${taint.key}${taint.value !== undefined ? `=${taint.value}` : ''}:${taint.effect}`);
      continue;
    }
    if (handler !== undefined && !node.runtimeHandlers.includes(handler)) {
      refused.set(node.name, `no runtime handler '${handler}' installed`);
      continue;
    }
    nodes.push(node);
  }
  return { nodes, refused, nodeSelector, tolerations };
}

/** `ctrl-1 (untolerated taint ...), run-1 (...)`, the refusals grouped by reason. */
export function describeRefusals(p: Placement): string {
  if (p.rejected) return p.rejected;
  const byReason = new Map<string, string[]>();
  for (const [node, reason] of p.refused) byReason.set(reason, [...(byReason.get(reason) ?? []), node]);
  return [...byReason].map(([reason, nodes]) => `${nodes.join(', ')}: ${reason}`).join('; ');
}
