/** `apt.packages`: these Debian packages are installed (dpkg-query check; apt-get install only the missing ones). */
import { change, ok, sh, ValidationError, type Task } from '../core';
import { installedPackages } from './facts/installed-packages';

export interface AptPackagesArgs {
  readonly names: readonly string[];
  /** Run `apt-get update` before installing (only when something is missing). @default false */
  readonly updateCache?: boolean;
}

export const aptPackages: Task<AptPackagesArgs> = {
  id: 'apt.packages',
  probes: (_h, a) => [installedPackages(a.names)],
  async plan(host, a) {
    if (a.names.length === 0) throw new ValidationError(`apt.packages: no package names (expected e.g. names: ['curl'])`);
    for (const n of a.names) {
      if (!/^[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+~:-]+)?$/.test(n)) throw new ValidationError(`apt.packages: '${n}' is not a Debian package name (expected e.g. 'nftables' or 'curl=7.88.1-10')`);
    }
    const installed = await host.fact(installedPackages(a.names.map((n) => n.split('=')[0]!)));
    const missing = a.names.filter((n) => !installed.has(n.split('=')[0]!));
    if (missing.length === 0) return ok(`installed: ${a.names.join(', ')}`);
    const env = 'DEBIAN_FRONTEND=noninteractive';
    return change(`install ${missing.join(', ')}`, [
      ...(a.updateCache ? [`${env} apt-get update -q`] : []),
      `${env} ${sh`apt-get install -y -q --no-install-recommends ${missing}`}`,
    ]);
  },
};
