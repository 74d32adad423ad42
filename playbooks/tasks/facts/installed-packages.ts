/** Which of these Debian packages are installed (dpkg-query status `ii`). */
import { defineFact, sh, type Fact } from '../../core';

export function installedPackages(names: readonly string[]): Fact<ReadonlySet<string>> {
  const sorted = [...names].sort();
  return defineFact(`dpkg.installed:${sorted.join(',')}`, sh`dpkg-query -W -f='\${Package}\t\${db:Status-Abbrev}\n' ${sorted}`, ({ stdout }) => {
    const installed = new Set<string>();
    for (const line of stdout.split('\n')) {
      const [pkg, status] = line.split('\t');
      if (pkg && status?.startsWith('ii')) installed.add(pkg.split(':')[0]!);
    }
    return installed;
  }, { subjects: sorted.map((n) => `dpkg:${n}`) });
}
