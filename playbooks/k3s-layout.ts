/** Where k3s lives on a host, shared by the k3s, gvisor, upgrade and reset playbooks. */
export const K3S_BIN = '/usr/local/bin/k3s';
export const K3S_CONFIG_DIR = '/etc/rancher/k3s';
export const K3S_CONFIG = `${K3S_CONFIG_DIR}/config.yaml`;
/** Registry mirrors containerd uses (playbooks/registries.ts). */
export const K3S_REGISTRIES = `${K3S_CONFIG_DIR}/registries.yaml`;
/** Server join token (generated on the first server, copied to the other servers). 0600. */
export const K3S_SERVER_TOKEN = `${K3S_CONFIG_DIR}/server-token`;
/** Agent join token (generated on the first server, copied to every node). 0600. */
export const K3S_AGENT_TOKEN = `${K3S_CONFIG_DIR}/agent-token`;
export const K3S_DATA_DIR = '/var/lib/rancher/k3s';
export const K3S_MANIFESTS = `${K3S_DATA_DIR}/server/manifests`;
export const K3S_CONTAINERD_DIR = `${K3S_DATA_DIR}/agent/etc/containerd`;
export const UNIT_DIR = '/etc/systemd/system';

export type K3sRole = 'server' | 'agent';

export function unitOf(role: K3sRole): 'k3s' | 'k3s-agent' {
  return role === 'server' ? 'k3s' : 'k3s-agent';
}

/**
 * The containerd config template k3s reads, by the major version of the containerd the k3s release embeds:
 * config-v3.toml.tmpl for containerd 2 (config schema version 3), config.toml.tmpl for containerd 1.x.
 * k3s pkg/agent/containerd/config_linux.go picks the file the same way (see docs/constructs.md, gVisor).
 */
export function containerdTemplatePath(containerdMajor: number): string {
  return `${K3S_CONTAINERD_DIR}/${containerdMajor >= 2 ? 'config-v3.toml.tmpl' : 'config.toml.tmpl'}`;
}
