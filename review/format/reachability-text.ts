/** Text rendering of a region's reachability report (`npm run reachability`). */
import { formatPortSet } from '../reachability/port-set';
import { CATEGORY_ORDER, type ReachabilityReport } from '../reachability/reachability';

export function formatReachability(report: ReachabilityReport, podNetwork: string): string {
  const roles = new Set(report.endpoints.map((e) => e.role));
  const lines = [
    `Reachability in ${report.region}: ${report.policies.length} NetworkPolicies; pods may use any address in ${podNetwork}; ` +
      `'*' is any pod of a tenant namespace, '${'other-tenant'}' a simulated second tenant.`,
  ];
  for (const category of CATEGORY_ORDER) {
    const from = category.split(' ')[0];
    if (from === 'tenant' && !roles.has('tenant')) continue;
    if (from === 'builds' && !roles.has('builds')) continue;
    const flows = report.flows.filter((f) => f.category === category);
    lines.push('', `${category}:`);
    if (flows.length === 0) lines.push('  (nothing reachable)');
    // Flows of one source with the same ports are one line: `platform/gitea -> a, b, c: all ports`.
    const grouped = new Map<string, string[]>();
    for (const flow of flows) {
      const key = `${flow.from}\u0000${formatPortSet(flow.ports)}`;
      grouped.set(key, [...(grouped.get(key) ?? []), flow.to]);
    }
    for (const [key, targets] of grouped) {
      const [from, ports] = key.split('\u0000');
      lines.push(`  ${from} -> ${targets.join(', ')}: ${ports}`);
    }
  }
  if (report.checks.length > 0) {
    const failed = report.checks.filter((c) => !c.ok);
    lines.push('', `Tenant isolation checks: ${report.checks.length - failed.length} passed, ${failed.length} failed`);
    for (const check of failed) {
      const want = check.expected === 'denied' ? 'expected no open port' : `expected ${check.port ? `${check.port.protocol.toLowerCase()}/${check.port.port}` : 'some port'} open`;
      lines.push(`  FAIL ${check.description}: ${check.from} -> ${check.to} (open: ${formatPortSet(check.actual)}; ${want})`);
    }
  }
  return `${lines.join('\n')}\n`;
}
