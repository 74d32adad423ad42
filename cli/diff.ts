/**
 * npm run diff [-- --base <git-ref>] [--format terminal|markdown|json] [--region <name>]...
 *              [--base-dir <dir>] [--head-dir <dir>]
 * Resource-level diff of the synthesized manifests, for pull-request review. Exit status like diff(1):
 * 0 no differences, 1 differences, 2 trouble. See docs/review.md.
 */
import { diffCommand } from '../review/diff-command';

// Ctrl-C: the synth child gets the signal too and fails; the command's error path removes the temporary
// worktree and folders before the process exits.
process.on('SIGINT', () => process.stderr.write('diff: interrupted, cleaning up\n'));
process.on('SIGTERM', () => process.stderr.write('diff: terminated, cleaning up\n'));

process.exitCode = await diffCommand(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  color: process.stdout.isTTY === true && !process.env.NO_COLOR,
});
