/**
 * npm run reachability [-- <region>...] [--dist <dir>] [--format text|json] [--pod-network <cidr>]
 * Who may reach whom, on which ports, from the synthesized NetworkPolicies in dist/. Exit status:
 * 0 every tenant-isolation check passes, 1 some check fails, 2 trouble. See docs/review.md.
 */
import { reachabilityCommand } from '../review/reachability-command';

process.exitCode = reachabilityCommand(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
