/**
 * `npm run reachability`: reads a dist tree, computes each region's reachability report, prints it.
 * cli/reachability.ts runs it on the process; tests run it in-process.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CommandIo } from './command-io';
import { loadDistTree } from './dist-tree';
import { formatReachability } from './format/reachability-text';
import { POD_NETWORK } from './reachability/evaluate';
import { reachabilityReport } from './reachability/reachability';
import { ReviewError } from './review-error';

export const REACHABILITY_USAGE = `Usage: npm run reachability [-- <region>...] [options]

Computes, from the NetworkPolicies in the synthesized dist tree, which workloads may reach which
(tenant to tenant, tenant to platform, tenant to internet, tenant to private ranges and the metadata
address, the platform's internal flows) and on which ports, and runs the tenant-isolation checks.

Options:
  --dist <dir>          synthesized dist tree (default: dist)
  --format <f>          text (default) or json
  --pod-network <cidr>  the cluster's pod CIDR; ipBlock peers that overlap it apply to pods
                        (default: ${POD_NETWORK}, k3s' default)
  -h, --help            show this help

Exit status: 0 all isolation checks pass, 1 some check fails, 2 trouble.`;

/** `npm run reachability` without the process around it: returns the exit status. */
export function reachabilityCommand(argv: readonly string[], io: Pick<CommandIo, 'cwd' | 'stdout' | 'stderr'>): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        dist: { type: 'string', default: 'dist' },
        format: { type: 'string', default: 'text' },
        'pod-network': { type: 'string', default: POD_NETWORK },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    io.stderr(`reachability: ${(error as Error).message}\n\n${REACHABILITY_USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(`${REACHABILITY_USAGE}\n`);
    return 0;
  }
  try {
    if (values.format !== 'text' && values.format !== 'json') throw new ReviewError(`--format '${values.format}' is not supported (expected text or json)`);
    if (!/^[0-9a-fA-F.:]+\/\d+$/.test(values['pod-network'])) throw new ReviewError(`--pod-network '${values['pod-network']}' is not a CIDR (expected e.g. 10.42.0.0/16)`);
    const tree = loadDistTree(resolve(io.cwd, values.dist), { regions: positionals, requireRegions: true });
    if (tree.size === 0) throw new ReviewError(`no regions in '${values.dist}'; run \`npm run synth\` first`);
    const reports = [...tree.values()].map((region) => reachabilityReport(region.region, region.objects, { podNetwork: values['pod-network'] }));
    const text =
      values.format === 'json'
        ? `${JSON.stringify({ podNetwork: values['pod-network'], regions: reports }, null, 2)}\n`
        : reports.map((report) => formatReachability(report, values['pod-network'])).join('\n');
    io.stdout(text);
    return reports.some((report) => report.checks.some((check) => !check.ok)) ? 1 : 0;
  } catch (error) {
    if (error instanceof ReviewError) io.stderr(`reachability: ${error.message}\n`);
    else io.stderr(`reachability: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return 2;
  }
}

