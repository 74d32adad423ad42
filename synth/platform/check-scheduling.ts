/**
 * Every pod the platform runs can be scheduled on at least one host, on the pool it is meant for and only there;
 * a tenant pod without the gVisor RuntimeClass can be scheduled nowhere.
 */
import type { ManifestIssue } from '../synth-error';
import { issue } from './issues';
import type { PlatformModel } from './model';
import { describeRefusals, placement } from './schedule';

export function checkScheduling(model: PlatformModel): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  for (const w of model.workloads) {
    const p = placement(model, w);
    const names = p.nodes.map((n) => n.name);
    const at = { object: w.id, file: w.file, path: w.path };
    if (w.mustNotSchedule !== undefined) {
      if (names.length > 0) {
        issues.push(issue(model, {
          ...at,
          value: names,
          problem: `can be scheduled on ${names.join(', ')}: ${w.mustNotSchedule}`,
          expected: 'no node to admit it',
          fix: w.fix ?? 'taint the pool and pin the namespace to it',
        }));
      }
      continue;
    }
    if (names.length === 0) {
      issues.push(issue(model, {
        ...at,
        value: { nodeSelector: p.nodeSelector, tolerations: p.tolerations },
        problem: `cannot be scheduled on any host (${describeRefusals(p)}), so its pods stay Pending`,
        expected: w.pool ? `at least one node of the ${w.pool} pool (${w.poolReason ?? ''})` : 'at least one node',
        fix: w.fix ?? 'give the pod spec the nodeSelector and tolerations of the pool it is meant for',
      }));
      continue;
    }
    if (w.pool) {
      const outside = p.nodes.filter((n) => n.pool !== w.pool);
      if (outside.length > 0) {
        issues.push(issue(model, {
          ...at,
          value: outside.map((n) => `${n.name} (${n.pool})`),
          problem: `can also land outside the ${w.pool} pool`,
          expected: `only nodes of the ${w.pool} pool (${w.poolReason ?? ''})`,
          fix: `select the ${w.pool} pool (node.platform/pool=${w.pool}) in its nodeSelector, its namespace's PodNodeSelector or its RuntimeClass`,
        }));
      }
      const poolHosts = model.nodes.filter((n) => n.pool === w.pool);
      if (outside.length === p.nodes.length && poolHosts.length > 0) {
        issues.push(issue(model, {
          ...at,
          value: poolHosts.map((n) => n.name),
          problem: `cannot be scheduled on the ${w.pool} pool (${describeRefusals(p)})`,
          expected: `a node of the ${w.pool} pool (${w.poolReason ?? ''})`,
          fix: w.fix ?? `tolerate the ${w.pool} pool's taints`,
        }));
      }
    }
  }
  return issues;
}
