/**
 * reset: uninstall k3s (and gVisor) from the targeted hosts, then verify each host is clean (no process, unit,
 * file, mount, link or iptables rule of k3s left). The platform firewall table, the private network, the deploy
 * user and SSH hardening stay: reset never removes the way in. Every step is guarded, so a second run on a clean
 * host changes nothing. Resetting part of a cluster (--limit) does not remove the nodes from it: run
 * `kubectl delete node <name>` first.
 *
 * Needs from the region: the hosts only.
 */
import { definePlaybook, sh, step } from './core';
import { K3S_BIN, K3S_CONFIG_DIR, K3S_DATA_DIR, UNIT_DIR } from './k3s-layout';
import { defineRegionPlaybook } from './region-playbook';
import { command, fileAbsent } from './tasks';
import { verifyClean } from './tasks/k3s-clean-check';

const UNITS = ['k3s.service', 'k3s-agent.service'];
const LINKS = ['cni0', 'flannel.1', 'flannel-v6.1', 'flannel-wg', 'flannel-wg-v6', 'kube-ipvs0'];
const FILES = [K3S_BIN, '/usr/local/bin/kubectl', '/usr/local/bin/crictl', '/usr/local/bin/ctr', '/usr/local/bin/runsc', '/usr/local/bin/containerd-shim-runsc-v1', `${UNIT_DIR}/k3s.service`, `${UNIT_DIR}/k3s-agent.service`, '/var/lib/region-bootstrapper/k3s.inputs-sha256', '/var/lib/region-bootstrapper/k3s-agent.inputs-sha256'];
// /usr/local/.rb-incoming: the staging folder of files pushed from an air-gap bundle (tasks/bundle-file.ts).
const DIRS = [K3S_CONFIG_DIR, K3S_DATA_DIR, '/var/lib/kubelet', '/run/k3s', '/run/flannel', '/var/lib/cni', '/etc/cni/net.d/10-flannel.conflist', '/usr/local/.rb-incoming'];

export default defineRegionPlaybook({
  name: 'reset',
  description: 'Uninstall k3s and gVisor, then verify the host is clean (firewall, network, users stay)',
  build: () =>
    definePlaybook({
      name: 'reset',
      description: 'Uninstall k3s and gVisor, then verify the host is clean',
      plays: [
        {
          name: 'Reset k3s',
          hosts: 'all',
          steps: [
            step('Stop and disable k3s', command, {
              command: 'systemctl disable --now k3s.service k3s-agent.service 2>/dev/null; systemctl reset-failed k3s.service k3s-agent.service 2>/dev/null; true',
              onlyIf: `{ systemctl is-active --quiet k3s || systemctl is-active --quiet k3s-agent || systemctl is-enabled --quiet k3s || systemctl is-enabled --quiet k3s-agent; } 2>/dev/null`,
              summary: 'systemctl disable --now k3s k3s-agent',
            }, { tags: ['reset'] }),
            step('Stop the containers k3s left running', command, {
              command: `for p in $(pgrep -f '/var/lib/rancher/k3s/'); do kill -9 "$p" 2>/dev/null || true; done; sleep 1; ! pgrep -f '/var/lib/rancher/k3s/' >/dev/null`,
              onlyIf: `pgrep -f '/var/lib/rancher/k3s/' >/dev/null`,
              summary: 'kill containerd shims and k3s children',
            }, { tags: ['reset'] }),
            step('Unmount what k3s mounted', command, {
              command: `awk '$2 ~ "^(/run/k3s|/var/lib/kubelet|/var/lib/rancher/k3s)" {print $2}' /proc/self/mounts | sort -r | while read -r m; do umount -l "$m"; done`,
              onlyIf: `awk '$2 ~ "^(/run/k3s|/var/lib/kubelet|/var/lib/rancher/k3s)" {f=1} END {exit !f}' /proc/self/mounts`,
              summary: 'umount k3s mounts',
            }, { tags: ['reset'] }),
            step('Delete the CNI and flannel links', command, {
              command: sh`for l in ${LINKS}; do ip link delete "$l" 2>/dev/null || true; done`,
              onlyIf: sh`for l in ${LINKS}; do ip link show "$l" >/dev/null 2>&1 && exit 0; done; exit 1`,
              summary: `ip link delete ${LINKS.join(' ')}`,
            }, { tags: ['reset'] }),
            step("Remove k3s's iptables rules (other tables and the platform nftables table stay)", command, {
              command: `for t in iptables ip6tables; do if command -v "$t-save" >/dev/null 2>&1; then "$t-save" | grep -v -E -- 'KUBE-|CNI-|FLANNEL|flannel|cali-' | "$t-restore"; fi; done`,
              onlyIf: `{ iptables-save 2>/dev/null; ip6tables-save 2>/dev/null; } | grep -q -E -- 'KUBE-|CNI-|FLANNEL'`,
              summary: 'drop KUBE-/CNI-/FLANNEL iptables rules',
            }, { tags: ['reset'] }),
            ...FILES.map((path) => step(`Ensure ${path} is absent`, fileAbsent, { path }, { tags: ['reset'] })),
            ...DIRS.map((path) => step(`Ensure ${path} is absent`, fileAbsent, { path, recursive: true }, { tags: ['reset'] })),
            step('Reload systemd after removing the units', command, {
              command: 'systemctl daemon-reload',
              onlyIf: `systemctl show -p NeedDaemonReload --value k3s.service k3s-agent.service 2>/dev/null | grep -q yes`,
            }, { tags: ['reset'] }),
            step('Verify nothing of k3s is left', verifyClean, { paths: [...FILES, ...DIRS], units: UNITS, links: LINKS }, { tags: ['reset', 'always'] }),
          ],
        },
      ],
    }),
});
