/**
 * restore: bring the region's cluster back from an etcd snapshot (k3s docs "Restoring a snapshot to existing
 * nodes"; flags from k3s pkg/cli/cmds/server.go: cluster-reset, cluster-reset-restore-path):
 *
 *   1. preflight (before anything stops): `--confirm <region>` names the region, the var `snapshot` names a snapshot
 *      file that exists on the restoring server (`k3s etcd-snapshot ls`; the first server of pools.ctrl, or the var
 *      `restoreOn`), and the token is known;
 *   2. k3s stops on every server;
 *   3. the restoring server: when the run has `backupPassphrase` and the encrypted token backup exists (see the k3s
 *      playbook), its server-token is put back from it first (new machines: the token is the datastore
 *      passphrase), then `k3s server --cluster-reset --cluster-reset-restore-path=<snapshot>` (bounded) makes it the
 *      only member with the snapshot's data; k3s starts again and must answer ready;
 *   4. every other server, one at a time: its old datastore (server/db) is removed, its config points at the
 *      restoring server, k3s starts and rejoins; each gated on API ready, registered and a voting etcd member;
 *   5. on the restoring server: every server is a voting member, every host of the region is a node.
 *
 * Agents keep running; they reconnect by themselves. Not idempotent by nature: a restore runs every time it is
 * asked for, which is why it needs --confirm.
 *
 * Needs from the region: the servers; vars `snapshot` (file name in /var/lib/rancher/k3s/server/db/snapshots or an
 * absolute path), optional `restoreOn`, optional secret `backupPassphrase`.
 */
import { existsSync } from 'node:fs';
import type { Region } from '../regions/types';
import { definePlaybook, ok, Secret, sh, step, ValidationError, type HostView, type Play, type Task } from './core';
import { etcdVoterCheck, nodeSteps, serverHealthSteps, tokenBackupPathOf } from './k3s';
import { K3S_BIN, K3S_CONFIG_DIR, K3S_DATA_DIR, K3S_SERVER_TOKEN } from './k3s-layout';
import { ETCD_S3_ENV } from './k3s-config';
import { firstServer, poolHosts, regionHost } from './region-hosts';
import { defineRegionPlaybook, type PlayRequest } from './region-playbook';
import { command, file, waitFor } from './tasks';
import { K3sCluster } from './tasks/k3s-cluster-state';
import { K3S_KUBECTL } from './tasks/k3s-node-metadata';
import { decryptToken, passphraseOf, readBackup } from './tasks/k3s-token-backup';

export const SNAPSHOT_DIR = `${K3S_DATA_DIR}/server/db/snapshots`;

export function restorePreflight(region: Region, request: PlayRequest): void {
  if (request.confirm !== region.name) {
    throw new ValidationError(
      `restore of region '${region.name}' stops k3s on every server and replaces the cluster's data with a snapshot (${request.confirm === undefined ? 'no --confirm' : `--confirm '${request.confirm}'`}; expected --confirm ${region.name})`,
    );
  }
  if (request.limit.length > 0) {
    throw new ValidationError(`restore of region '${region.name}' with --limit: a restore needs every server in the run (expected no --limit)`);
  }
}

function restoreHostOf(region: Region, h: HostView): string {
  const v = h.vars.restoreOn;
  return typeof v === 'string' && v ? regionHost(region, v).name : firstServer(region).name;
}

export function snapshotPathOf(h: HostView): string {
  const v = h.vars.snapshot;
  if (typeof v !== 'string' || !v) {
    throw new ValidationError(`restore on '${h.name}': no snapshot given (expected --var snapshot=<name from 'k3s etcd-snapshot ls' on the restoring server, or an absolute path>)`);
  }
  if (v.startsWith('/')) return v;
  if (!/^[A-Za-z0-9._-]+$/.test(v)) throw new ValidationError(`restore: snapshot '${v}' is not a snapshot file name (expected e.g. etcd-snapshot-ctrl-1-1733000000)`);
  return `${SNAPSHOT_DIR}/${v}`;
}

/** The token from the encrypted backup, when the run has the passphrase and the backup exists (else undefined). */
function backedUpToken(region: Region, h: HostView): Secret | undefined {
  if (h.vars.backupPassphrase === undefined) return undefined;
  const path = tokenBackupPathOf(region, h);
  if (!existsSync(path)) return undefined;
  return new Secret(`${decryptToken(readBackup(path), passphraseOf(h.vars, region.name), `token backup ${path}`)}\n`);
}

const tokenKnown: Task<{ readonly region: Region }> = {
  id: 'restore.token-known',
  async plan(host, a) {
    if (backedUpToken(a.region, host)) return ok('server token from the encrypted backup');
    return ok('server token from the existing token file (no backup used)');
  },
};

export function buildRestore(region: Region) {
  const servers = poolHosts(region, 'ctrl').map((h) => h.name);
  const isRestoreHost = (h: HostView) => restoreHostOf(region, h) === h.name;
  // the other servers join the restoring one: the same config rendering as the k3s playbook, with the seed fixed
  const cluster = new K3sCluster();
  const joinPlan: Task<Record<string, never>> = {
    id: 'restore.join-plan',
    async plan(h) {
      const seed = regionHost(region, restoreHostOf(region, h));
      const url = `https://${seed.privateIp}:6443`;
      cluster.plan = { seed: seed.name, seedUrl: url, init: false, joins: new Map(servers.map((n) => [n, n === seed.name ? { init: true as const } : { init: false as const, serverUrl: url }])), summary: `restore on ${seed.name}` };
      return ok(`the other servers rejoin ${seed.name} (${url})`);
    },
  };
  const plays: Play[] = [
    {
      name: 'Restore preflight (nothing stops before the snapshot and the token are known)',
      hosts: servers,
      maxFailPercent: 0,
      steps: [
        step('Check that the snapshot exists on the restoring server', waitFor, (h) => ({ file: snapshotPathOf(h), timeoutSeconds: 1 }), { when: isRestoreHost, tags: ['restore'] }),
        step('Check where the server token comes from', tokenKnown, { region }, { when: isRestoreHost, tags: ['restore'] }),
        step('Decide which server the others rejoin', joinPlan, {}, { tags: ['restore', 'always'] }),
      ],
    },
    {
      name: 'Stop k3s on every server',
      hosts: servers,
      maxFailPercent: 0,
      steps: [step('Stop k3s', command, { command: 'systemctl stop k3s', onlyIf: 'systemctl is-active --quiet k3s', summary: 'systemctl stop k3s' }, { tags: ['restore'] })],
    },
    {
      name: 'Restore the snapshot on the restoring server',
      hosts: servers,
      maxFailPercent: 0,
      steps: [
        step('Ensure the server token is the one the snapshot was taken with (from the encrypted backup, 0600)', file, (h) => ({ path: K3S_SERVER_TOKEN, content: backedUpToken(region, h)!, mode: '0600' }), {
          when: (h) => isRestoreHost(h) && backedUpToken(region, h) !== undefined,
          tags: ['restore'],
        }),
        step('Reset the cluster to the snapshot (k3s server --cluster-reset --cluster-reset-restore-path)', command, (h) => ({
          command: sh`mkdir -p ${K3S_CONFIG_DIR} && if [ -f ${ETCD_S3_ENV} ]; then set -a; . ${ETCD_S3_ENV}; set +a; fi; timeout 600 ${K3S_BIN} server --cluster-reset ${`--cluster-reset-restore-path=${snapshotPathOf(h)}`}`,
          summary: `k3s server --cluster-reset --cluster-reset-restore-path=${snapshotPathOf(h)} (runs every time it is asked for)`,
        }), { when: isRestoreHost, tags: ['restore'] }),
        step('Start k3s from the restored data', command, { command: 'systemctl start --no-block k3s', onlyIf: '! systemctl is-active --quiet k3s', summary: 'systemctl start k3s' }, { when: isRestoreHost, tags: ['restore'] }),
        ...serverHealthSteps().map((s) => ({ ...s, when: isRestoreHost })),
      ],
    },
    {
      name: 'Other servers: drop their old datastore and rejoin the restored one (one at a time)',
      hosts: servers,
      serial: 1,
      maxFailPercent: 0,
      steps: [
        step('Remove the old datastore of this server (it rejoins the restored cluster)', command, { command: sh`rm -rf ${`${K3S_DATA_DIR}/server/db`}`, onlyIf: '! systemctl is-active --quiet k3s', summary: `rm -rf ${K3S_DATA_DIR}/server/db` }, {
          when: (h) => !isRestoreHost(h),
          tags: ['restore'],
        }),
        ...nodeSteps(region, 'server', cluster).map((s) => ({ ...s, when: (h: HostView) => !isRestoreHost(h) })),
        ...serverHealthSteps().map((s) => ({ ...s, when: (h: HostView) => !isRestoreHost(h) })),
      ],
    },
    {
      name: 'Restored cluster: every server a voting member, every host a node',
      hosts: servers,
      steps: [
        step('Wait until every server is a voting etcd member', waitFor, { command: servers.map(etcdVoterCheck).join(' && '), timeoutSeconds: 300, intervalSeconds: 3 }, { when: isRestoreHost, tags: ['restore'] }),
        step('Wait until every host of the region is a node', waitFor, {
          command: `for n in ${region.hosts.map((h) => sh`${h.name}`).join(' ')}; do ${K3S_KUBECTL} get node "$n" >/dev/null 2>&1 || exit 1; done`,
          timeoutSeconds: 300,
          intervalSeconds: 3,
        }, { when: isRestoreHost, tags: ['restore'] }),
      ],
    },
  ];
  return definePlaybook({ name: 'restore', description: 'Bring the cluster back from an etcd snapshot', plays });
}

export default defineRegionPlaybook({
  name: 'restore',
  description: 'Restore the cluster from an etcd snapshot: stop servers, cluster-reset on one, the others rejoin (needs --confirm <region>)',
  preflight: restorePreflight,
  build: buildRestore,
});
