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
  /**
   * The sha256 the repository pins for this asset (regions/artifact-checksums.json). When set, the release checksum
   * file must agree with it (else the step fails: a compromised mirror or release asset), and the download is
   * verified against it, even when the checksum file cannot be fetched.
   */
  readonly pinnedSha256?: string;
}

export const verifiedDownload: Task<VerifiedDownloadArgs> = {
  id: 'download.verified',
  probes: (host, a) => [releaseChecksum(a.checksumsUrl, a.asset), ...(download.probes?.(host, { url: a.url, path: a.path, sha256: '0'.repeat(64) }) ?? [])],
  async plan(host, a) {
    const sum = await host.fact(releaseChecksum(a.checksumsUrl, a.asset));
    if (a.pinnedSha256) {
      if (sum.sha256 && sum.sha256 !== a.pinnedSha256) {
        throw new ValidationError(`download.verified ${a.path} on '${host.name}': ${a.checksumsUrl} says ${sum.sha256} for '${a.asset}', the repository pins ${a.pinnedSha256} (regions/artifact-checksums.json): refused, not the artifact this repository verified (a compromised mirror or release asset; fix: check the source, change the pin only after verifying the new sum upstream)`);
      }
      return download.plan(host, { url: a.url, path: a.path, sha256: a.pinnedSha256, mode: a.mode ?? '0755' });
    }
    if (!sum.sha256) {
      throw new ValidationError(`download.verified ${a.path} on '${host.name}': no sha256 for '${a.asset}': ${sum.problem ?? 'unknown'} (expected a release checksum file; fix: check the version, or the mirror's <version>/ layout)`);
    }
    return download.plan(host, { url: a.url, path: a.path, sha256: sum.sha256, mode: a.mode ?? '0755' });
  },
};
