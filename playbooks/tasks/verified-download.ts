/**
 * `download.verified`: a release asset downloaded and checked against the sha256 the release publishes in its
 * checksum file (fetched from the same release, or from the region's mirror). The download itself is
 * `download.file`'s: verified BEFORE it is moved into place, so a mismatch fails and leaves the old file.
 */
import { ValidationError, type Task } from '../core';
import { download } from './download';
import { releaseChecksum } from './facts/release-checksum';

export interface VerifiedDownloadArgs {
  readonly url: string;
  readonly checksumsUrl: string;
  /** Name of the asset in the checksum file, e.g. `k3s` or `runsc`. */
  readonly asset: string;
  readonly path: string;
  /** @default '0755' */
  readonly mode?: string;
}

export const verifiedDownload: Task<VerifiedDownloadArgs> = {
  id: 'download.verified',
  probes: (host, a) => [releaseChecksum(a.checksumsUrl, a.asset), ...(download.probes?.(host, { url: a.url, path: a.path, sha256: '0'.repeat(64) }) ?? [])],
  async plan(host, a) {
    const sum = await host.fact(releaseChecksum(a.checksumsUrl, a.asset));
    if (!sum.sha256) {
      throw new ValidationError(`download.verified ${a.path} on '${host.name}': no sha256 for '${a.asset}': ${sum.problem ?? 'unknown'} (expected a release checksum file; fix: check the version, or the mirror's <version>/ layout)`);
    }
    return download.plan(host, { url: a.url, path: a.path, sha256: sum.sha256, mode: a.mode ?? '0755' });
  },
};
