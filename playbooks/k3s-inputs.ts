/**
 * The files a running k3s/k3s-agent depends on: when one changes, the service restarts (tasks/k3s-service.ts).
 * Shared by the k3s, gvisor and upgrade playbooks so they agree on one stamp per unit.
 */
import type { ResolvedHost, Region } from '../regions/types';
import { ETCD_S3_ENV, k3sRole } from './k3s-config';
import { containerdTemplatePath, K3S_AGENT_TOKEN, K3S_BIN, K3S_CONFIG, K3S_REGISTRIES, K3S_SERVER_TOKEN, UNIT_DIR, unitOf } from './k3s-layout';
import { pinnedK3sRelease } from './k3s-release';

export function k3sInputs(region: Region, host: ResolvedHost): string[] {
  const role = k3sRole(host);
  return [
    K3S_BIN,
    K3S_CONFIG,
    K3S_REGISTRIES,
    ...(role === 'server' ? [K3S_SERVER_TOKEN, K3S_AGENT_TOKEN] : [K3S_AGENT_TOKEN]),
    ...(role === 'server' && region.k3s.etcdSnapshots.s3 ? [ETCD_S3_ENV] : []),
    `${UNIT_DIR}/${unitOf(role)}.service`,
    ...(host.pool === 'run' ? [containerdTemplatePath(pinnedK3sRelease(region).containerdMajor)] : []),
  ];
}
