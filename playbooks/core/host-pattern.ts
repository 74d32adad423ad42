/**
 * Host patterns, as used by `Play.hosts` and `--limit`: `all`, a group (pool) name, a host name, a glob
 * (`run-*`, `ctrl-[12]`), or `!pattern` to exclude. Several patterns are a union minus the exclusions.
 */
import { ValidationError } from './errors';
import type { InventoryHost } from './inventory';

export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else if (ch === '[' || ch === ']') re += ch;
    else re += ch.replace(/[.*+?^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function matchesOne(host: InventoryHost, pattern: string): boolean {
  if (pattern === 'all' || pattern === '*') return true;
  const re = globToRegExp(pattern);
  return re.test(host.name) || host.groups.some((g) => re.test(g));
}

/**
 * The hosts (in inventory order) that the patterns select. `where` names the source in errors.
 * Throws when a pattern without wildcards matches nothing (a typo should not silently select no host).
 */
export function selectHosts(hosts: readonly InventoryHost[], patterns: readonly string[], where: string): InventoryHost[] {
  const flat = patterns.flatMap((p) => p.split(',')).map((p) => p.trim()).filter(Boolean);
  const include = flat.filter((p) => !p.startsWith('!'));
  const exclude = flat.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  for (const p of [...include, ...exclude]) {
    if (!/[*?[]/.test(p) && p !== 'all' && !hosts.some((h) => matchesOne(h, p))) {
      const known = [...new Set(hosts.flatMap((h) => [h.name, ...h.groups]))].join(', ');
      throw new ValidationError(`${where}: pattern '${p}' matches no host or group (expected one of: all, ${known}; or a glob like 'run-*')`);
    }
  }
  return hosts.filter((h) => (include.length === 0 || include.some((p) => matchesOne(h, p))) && !exclude.some((p) => matchesOne(h, p)));
}
