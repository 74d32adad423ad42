/**
 * The cluster's join tokens. The raw ones are generated ON the seed server of a new cluster (never by the runner,
 * never in argv); k3s then writes CA-pinned forms of them (see k3s-cluster-state.ts, readSecureTokens), which are
 * read once per run into memory as `Secret`s (redacted from every output from then on) and written to the other
 * nodes as 0600 files that config.yaml points at with `token-file:`.
 *
 *   step('Write the agent token', tokenFile, { path, token: () => cluster.secureAgent, from: 'the seed server' }), // on agents
 */
import { change, ok, pathSubject, Secret, sh, touches, unpredictable, type Task } from '../core';
import { fileProbes, planFile } from './file-spec';
import { fileState } from './facts/file-state';

/** A 0600 token file generated on the host from /dev/urandom, when it does not exist yet (never printed). */
export function generateTokenCommand(path: string): string {
  return sh`umask 077 && mkdir -p "$(dirname ${path})" && t=$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 48) && printf '%s\n' "$t" > ${`${path}.tmp`} && mv -f ${`${path}.tmp`} ${path}`;
}

export interface TokenFileArgs {
  readonly path: string;
  /** The token, read at plan time (after the first server's play ran). */
  readonly token: () => Secret | undefined;
  /** Host the token comes from (for the message when it is unknown). */
  readonly from: string;
}

export const tokenFile: Task<TokenFileArgs> = {
  id: 'k3s.token-file',
  probes: (_h, a) => fileProbes(a.path),
  async plan(host, a) {
    const token = a.token();
    if (!token) {
      // A run that --limits the first server out cannot read the token: a token file already in place (0600, not
      // empty) is kept as it is; only a missing one is an error.
      const s = await host.fact(fileState(a.path));
      if (s.kind === 'file' && (s.size ?? 0) > 0 && s.mode === '600') return ok(`${a.path} present (0600); not compared: the token of ${a.from} was not read in this run`);
      const why = `the join token of ${a.from} is unknown: the k3s playbook must include ${a.from} in the same run (do not --limit it out), and it must have run for real once`;
      // Check mode on a new cluster gets here (the first server has not generated the token): it says what the run
      // will do there, a create; a real run with no token fails with `why`.
      const summary = s.kind === 'absent' ? `${a.path}: create (0600, content hidden)` : `write ${a.path} (token not readable yet)`;
      return unpredictable(
        change(summary, [{ run: sh`printf '%s\n' ${why} >&2; exit 1`, display: `write ${a.path} (needs the token of ${a.from})` }], { predicts: [touches(pathSubject(a.path))] }),
        `the token comes from ${a.from}, which writes it when k3s first starts there (later in the run)`,
      );
    }
    const p = await planFile(host, { path: a.path, content: new Secret(`${token.reveal()}\n`), mode: '0600' });
    if (!p.changed) return ok(`${a.path} up to date (0600)`);
    return change(`${a.path}: ${p.reasons.join(', ')} (0600, content hidden)`, p.commands, { predicts: p.predicts });
  },
};
