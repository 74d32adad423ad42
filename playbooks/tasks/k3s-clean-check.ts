/**
 * `k3s.verify-clean`: after an uninstall, nothing of k3s is left on the host: no process, unit, file, mount,
 * network link or iptables rule. Clean: ok. Otherwise the plan re-checks on the host and fails with the list of
 * leftovers, so a reset that did not finish is reported, not assumed.
 */
import { change, defineFact, ok, predict, sh, type Fact, type Task } from '../core';

export interface VerifyCleanArgs {
  readonly paths: readonly string[];
  readonly units: readonly string[];
  readonly links: readonly string[];
}

/** POSIX sh printing one line per leftover (nothing when clean). Read-only. */
export function leftoversScript(a: VerifyCleanArgs): string {
  return [
    sh`for p in ${[...a.paths]}; do if [ -e "$p" ] || [ -L "$p" ]; then echo "path $p"; fi; done`,
    sh`for u in ${[...a.units]}; do s=$(systemctl show -p LoadState --value "$u" 2>/dev/null); if [ -n "$s" ] && [ "$s" != not-found ]; then echo "unit $u ($s)"; fi; done`,
    sh`for l in ${[...a.links]}; do if ip link show "$l" >/dev/null 2>&1; then echo "link $l"; fi; done`,
    `pgrep -a -f '/var/lib/rancher/k3s/|/usr/local/bin/k3s ' 2>/dev/null | sed 's/^/process /' || true`,
    `{ pgrep -a -x 'runsc|runsc-sandbox|runsc-gofer'; pgrep -a -f '^/usr/local/bin/(runsc|containerd-shim-runsc-v1)( |$)'; } 2>/dev/null | sed 's/^/gvisor process /' || true`,
    `awk '$2 ~ "^(/run/k3s|/var/lib/kubelet|/var/lib/rancher/k3s)" {print "mount " $2}' /proc/self/mounts`,
    `{ iptables-save 2>/dev/null; ip6tables-save 2>/dev/null; } | grep -E -- '-[AN] (KUBE-|CNI-|FLANNEL)' | head -n 3 | sed 's/^/iptables /' || true`,
  ].join('\n');
}

function leftovers(a: VerifyCleanArgs): Fact<string[]> {
  return defineFact(`k3s.leftovers:${a.paths.join(',')}`, leftoversScript(a), ({ stdout }) => stdout.split('\n').map((l) => l.trim()).filter(Boolean));
}

export const verifyClean: Task<VerifyCleanArgs> = {
  id: 'k3s.verify-clean',
  probes: (_h, a) => [leftovers(a)],
  async plan(host, a) {
    const left = await host.fact(leftovers(a));
    if (left.length === 0) return ok('no k3s process, unit, file, mount, link or rule left');
    const script = `left=$( ${leftoversScript(a)}\n); if [ -n "$left" ]; then printf 'reset left behind:\\n%s\\n' "$left" >&2; exit 1; fi`;
    return change(`verify nothing is left (now: ${left.slice(0, 5).join('; ')}${left.length > 5 ? '; …' : ''})`, [{ run: `(\n${script}\n)`, display: 'verify no k3s leftovers' }], {
      // Only a check: it changes nothing, and when it passes nothing is left.
      predicts: [predict(leftovers(a), [])],
    });
  },
};
