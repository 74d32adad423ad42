/**
 * reset: uninstall k3s (and gVisor) from the targeted hosts, then verify each host is clean (no process, unit,
 * file, mount, link or iptables rule of k3s left). The platform firewall table, the private network, the deploy
 * user and SSH hardening stay: reset never removes the way in. Every step is guarded, so a second run on a clean
 * host changes nothing. gVisor sandboxes (runsc, its shim) are stopped with the containers. A server removes its
 * own node object (and so, in k3s, its etcd member) through its admin kubeconfig before k3s stops; an agent cannot
 * (the Node authorizer gives kubelets no delete on nodes), so after a `--limit` reset of agents run
 * `kubectl delete node <name>` (the run's summary says so).
 *
 * Guard: without --limit, reset refuses unless the run names the region (`--confirm <region>`), so a forgotten
 * --limit never wipes a whole region.
 *
 * Needs from the region: the hosts only.
 */
import type { Region } from '../regions/types';
import { definePlaybook, sh, step, ValidationError } from './core';
import type { PlayRequest } from './region-playbook';
import { K3S_BIN, K3S_CONFIG_DIR, K3S_DATA_DIR, UNIT_DIR } from './k3s-layout';
import { defineRegionPlaybook } from './region-playbook';
import { command, fileAbsent } from './tasks';
import { verifyClean } from './tasks/k3s-clean-check';

const UNITS = ['k3s.service', 'k3s-agent.service'];
/** The server's admin kubeconfig (servers only; k3s writes it at start). */
const KUBECTL_ADMIN = `${K3S_BIN} kubectl --kubeconfig /etc/rancher/k3s/k3s.yaml`;
const LINKS = ['cni0', 'flannel.1', 'flannel-v6.1', 'flannel-wg', 'flannel-wg-v6', 'kube-ipvs0'];
/** gVisor processes by name (comm): the sandbox, its gofer, runsc itself; the shim by its path. */
const RUNSC_COMMS = 'runsc|runsc-sandbox|runsc-gofer';
const RUNSC_PATHS = '^/usr/local/bin/(runsc|containerd-shim-runsc-v1)( |$)';
const FILES = [K3S_BIN, '/usr/local/bin/kubectl', '/usr/local/bin/crictl', '/usr/local/bin/ctr', '/usr/local/bin/runsc', '/usr/local/bin/containerd-shim-runsc-v1', `${UNIT_DIR}/k3s.service`, `${UNIT_DIR}/k3s-agent.service`, '/var/lib/region-bootstrapper/k3s.inputs-sha256', '/var/lib/region-bootstrapper/k3s-agent.inputs-sha256'];
// /usr/local/.rb-incoming: the staging folder of files pushed from an air-gap bundle (tasks/bundle-file.ts).
const DIRS = [K3S_CONFIG_DIR, K3S_DATA_DIR, '/var/lib/kubelet', '/run/k3s', '/run/flannel', '/var/lib/cni', '/etc/cni/net.d/10-flannel.conflist', '/run/containerd/runsc', '/usr/local/.rb-incoming'];

/** Refuses a reset of the whole region unless the run names it (`--confirm <region>`). */
export function resetPreflight(region: Region, request: PlayRequest): void {
  if (request.limit.length > 0) return;
  if (request.confirm === region.name) return;
  const got = request.confirm === undefined ? 'no --confirm' : `--confirm '${request.confirm}'`;
  throw new ValidationError(
    `reset of region '${region.name}' without --limit would uninstall k3s from all ${region.hosts.length} hosts (${got}; expected --confirm ${region.name} to reset the whole region, or --limit <hosts> for some of them)`,
  );
}

export default defineRegionPlaybook({
  name: 'reset',
  description: 'Uninstall k3s and gVisor, then verify the host is clean (firewall, network, users stay)',
  preflight: resetPreflight,
  build: () =>
    definePlaybook({
      name: 'reset',
      description: 'Uninstall k3s and gVisor, then verify the host is clean',
      plays: [
        {
          name: 'Reset k3s',
          hosts: 'all',
          steps: [
            step('Remove this server from the cluster (node object and, in k3s, its etcd member)', command, (h) => ({
              command: sh`${KUBECTL_ADMIN.split(' ')} delete node ${h.name} --wait=true --timeout=60s`,
              onlyIf: sh`systemctl is-active --quiet k3s && ${KUBECTL_ADMIN.split(' ')} get node ${h.name} >/dev/null 2>&1`,
              summary: `k3s kubectl delete node ${h.name}`,
            }), { tags: ['reset'] }),
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
            step('Stop the gVisor sandboxes (runsc, its gofer and sandbox, the runsc shim)', command, {
              command: `pkill -9 -x '${RUNSC_COMMS}'; pkill -9 -f '${RUNSC_PATHS}'; for i in $(seq 50); do pgrep -x '${RUNSC_COMMS}' >/dev/null || pgrep -f '${RUNSC_PATHS}' >/dev/null || exit 0; sleep 0.1; done; echo 'gVisor processes survived SIGKILL' >&2; exit 1`,
              onlyIf: `pgrep -x '${RUNSC_COMMS}' >/dev/null || pgrep -f '${RUNSC_PATHS}' >/dev/null`,
              summary: 'kill runsc sandboxes and shims',
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
