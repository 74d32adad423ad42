/**
 * The sha256 of one asset, read from a release's checksum file (`<sha256>  <name>` lines) fetched BY THE HOST over
 * HTTPS (or from the mirror). Read-only for the host. null when the file cannot be fetched or does not list the
 * asset; the parse keeps the fetch error so the task can say why.
 */
import { defineFact, sh, type Fact } from '../../core';

export interface ReleaseChecksum {
  readonly sha256: string | null;
  /** Why there is no checksum (fetch failure or asset not listed). */
  readonly problem?: string;
}

export function releaseChecksum(checksumsUrl: string, asset: string, timeoutSeconds = 30): Fact<ReleaseChecksum> {
  const fetch = [
    sh`if command -v curl >/dev/null 2>&1; then curl -fsSL --max-time ${timeoutSeconds} ${checksumsUrl};`,
    sh`else python3 -c ${'import sys,urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=int(sys.argv[2])).read().decode())'} ${checksumsUrl} ${timeoutSeconds}; fi`,
  ].join(' ');
  return defineFact(`release.checksum:${checksumsUrl}:${asset}`, `${fetch}\n`, ({ stdout, exitCode }) => {
    if (exitCode !== 0) return { sha256: null, problem: `could not fetch ${checksumsUrl} (exit ${exitCode})` };
    for (const line of stdout.split('\n')) {
      const m = /^([0-9a-f]{64})\s+\*?(\S+)\s*$/.exec(line.trim());
      if (m && m[2] === asset) return { sha256: m[1]! };
    }
    return { sha256: null, problem: `${checksumsUrl} does not list '${asset}'` };
  }, { subjects: [] }); // reads a remote file, nothing on the host
}
