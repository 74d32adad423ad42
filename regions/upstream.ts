/**
 * What k3s, Kubernetes and the host software do with a region's values: the numbers the region rules
 * (regions/rules-network.ts, regions/rules-platform.ts) refuse against. Each one is checked in the upstream
 * source or the upstream docs; the comment names the file (and line) it was read from.
 *
 * Pure data, no I/O. When a k3s bump changes one of these, the rule tests in test/regions/ say which.
 */

/**
 * Size of the pod CIDR kube-controller-manager hands to every node: `--node-cidr-mask-size` defaults to /24
 * for IPv4 (kubernetes cmd/kube-controller-manager/app/core.go, `defaultNodeMaskCIDRIPv4 = 24`, used by
 * `setNodeCIDRMaskSizes`). k3s runs the controller manager with `allocate-node-cidrs: true` and the region's
 * cluster-cidr but never sets the mask (k3s pkg/daemons/control/server.go, `controllerManager()` argsMap),
 * and templates/k3s-config.yaml.hbs passes no kube-controller-manager-arg. A node that gets no /24 stays
 * without a podCIDR: flannel never starts on it and its pods never get an address.
 */
export const NODE_CIDR_MASK_IPV4 = 24;

/**
 * k3s derives the cluster DNS (CoreDNS Service) address as the 10th address of the service CIDR when
 * cluster-dns is not set (k3s pkg/cli/server/server.go, `utilsnet.GetIndexedIP(serverConfig.ControlConfig.ServiceIPRange, 10)`,
 * "cannot configure default cluster-dns address" when the range is too small), and the `kubernetes`
 * Service takes the first address. A service CIDR needs at least 11 addresses (a /28 at most).
 */
export const CLUSTER_DNS_INDEX = 10;
export const KUBERNETES_SERVICE_INDEX = 1;

/**
 * kube-apiserver refuses a service CIDR with more than 20 host bits: `const maxCIDRBits = 20` in
 * kubernetes cmd/kube-apiserver/app/options/validation.go:39 (v1.28: "specified --service-cluster-ip-range
 * is too large; for 32-bit addresses, the mask must be >= 12"). From 1.34 the check only runs while
 * MultiCIDRServiceAllocator or DisableAllocatorDualWrite is off, and both default to on from 1.34
 * (pkg/features/kube_features.go: DisableAllocatorDualWrite GA, Default: true at 1.34), so the cap applies
 * to Kubernetes minors up to 1.33.
 */
export const SERVICE_CIDR_MIN_PREFIX_IPV4 = 12;
export const SERVICE_CIDR_CAP_LAST_MINOR = 33;

/**
 * kube-apiserver's default `--service-node-port-range` (k3s passes it through unchanged:
 * pkg/daemons/control/server.go `argsMap["service-node-port-range"] = cfg.ServiceNodePortRange.String()`,
 * default "30000-32767" in pkg/cli/cmds/server.go). kube-proxy DNATs these ports on the node addresses it
 * serves NodePorts on (the k3s playbook limits them to the private network: playbooks/k3s-config.ts,
 * nodeport-addresses) before the host's own sockets see the packet, so a host service on one of them can
 * be shadowed by any NodePort Service.
 */
export const NODE_PORT_RANGE = { from: 30000, to: 32767 } as const;

export interface ReservedPort {
  readonly port: number;
  readonly protocol: 'tcp' | 'udp';
  /** Who listens there. */
  readonly owner: string;
  /** Pools whose nodes listen there; undefined = every node. */
  readonly pools?: readonly string[];
}

/**
 * Ports k3s and its embedded components listen on, on the nodes. Sources:
 *   - k3s docs, installation/requirements.md "Inbound Rules for K3s Nodes": TCP 2379-2380 (embedded etcd),
 *     TCP 6443 (supervisor + API server), UDP 8472 (flannel VXLAN), TCP 10250 (kubelet), UDP 51820/51821
 *     (flannel wireguard-native IPv4/IPv6), TCP 5001 (embedded registry, Spegel);
 *   - k3s pkg/daemons/control/server.go `defaults()`: the API server itself listens on HTTPSPort+1 = 6444
 *     behind the supervisor; agents run their client load balancer on 6444 as well (pkg/agent/loadbalancer);
 *   - etcd's metrics listener on 127.0.0.1:2381 (the kubeadm and k3s convention; not re-read at the k3s tag,
 *     kept because refusing it costs nothing);
 *   - kubernetes pkg/cluster/ports/ports.go: ProxyStatusPort 10249, KubeletPort 10250, KubeletHealthzPort
 *     10248, ProxyHealthzPort 10256 (line 39), KubeControllerManagerPort 10257, CloudControllerManagerPort
 *     10258; kube-scheduler secure port 10259;
 *   - containerd's CRI stream server, which k3s binds to 127.0.0.1:10010 (k3s pkg/agent/templates, the
 *     `stream_server_port = "10010"` of its config.toml template).
 * A loopback listener counts: sshd binding 0.0.0.0:<port> fails with EADDRINUSE when 127.0.0.1:<port> is
 * taken (or takes it first and k3s fails to start).
 */
export const K3S_PORTS: readonly ReservedPort[] = [
  { port: 2379, protocol: 'tcp', owner: 'etcd (client)', pools: ['ctrl'] },
  { port: 2380, protocol: 'tcp', owner: 'etcd (peer)', pools: ['ctrl'] },
  { port: 2381, protocol: 'tcp', owner: 'etcd (metrics, loopback)', pools: ['ctrl'] },
  { port: 5001, protocol: 'tcp', owner: 'the k3s embedded registry (Spegel)' },
  { port: 6443, protocol: 'tcp', owner: 'the k3s supervisor and Kubernetes API server' },
  { port: 6444, protocol: 'tcp', owner: 'the k3s API server behind the supervisor (servers) and the agent load balancer (agents)' },
  { port: 8472, protocol: 'udp', owner: 'flannel VXLAN' },
  { port: 10010, protocol: 'tcp', owner: 'the containerd CRI stream server (loopback)' },
  { port: 10248, protocol: 'tcp', owner: 'the kubelet health endpoint (loopback)' },
  { port: 10249, protocol: 'tcp', owner: 'kube-proxy metrics (loopback)' },
  { port: 10250, protocol: 'tcp', owner: 'the kubelet API' },
  { port: 10256, protocol: 'tcp', owner: 'the kube-proxy health endpoint' },
  { port: 10257, protocol: 'tcp', owner: 'kube-controller-manager', pools: ['ctrl'] },
  { port: 10258, protocol: 'tcp', owner: 'the k3s cloud controller manager', pools: ['ctrl'] },
  { port: 10259, protocol: 'tcp', owner: 'kube-scheduler', pools: ['ctrl'] },
  { port: 51820, protocol: 'udp', owner: 'flannel wireguard-native (IPv4)' },
  { port: 51821, protocol: 'udp', owner: 'flannel wireguard-native (IPv6)' },
];

/**
 * The web entrypoints: Traefik runs on the run pool with hostPorts 80 and 443 (regions/k3s-cluster.ts, the
 * HelmChartConfig the k3s playbook ships). A hostPort is DNATed before the host's input path, so a host
 * service on that port of a run node is shadowed.
 */
export const WEB_PORTS: readonly ReservedPort[] = [
  { port: 80, protocol: 'tcp', owner: 'the web entrypoint (Traefik hostPort, HTTP)', pools: ['run'] },
  { port: 443, protocol: 'tcp', owner: 'the web entrypoint (Traefik hostPort, HTTPS)', pools: ['run'] },
];

/**
 * Docker's default bridge network: dockerd gives docker0 172.17.0.0/16 unless `bip` is set (moby
 * daemon/config defaults, `DefaultNetworkBridge` / 172.17.0.1/16). Any host that ever runs Docker (a
 * build tool, an operator's debugging session) gets a route for it that shadows a region network inside it.
 */
export const DOCKER_DEFAULT_BRIDGE = '172.17.0.0/16';

/**
 * Kubernetes minors the manifests and templates are made for: synth validates against the vendored
 * schemas/kubernetes-v1.<minor>.0-definitions.json, and templates/k3s-config.yaml.hbs uses keys of these
 * k3s releases. A k3s version outside this range is refused until its schemas are vendored and its
 * config keys checked.
 */
export const SUPPORTED_KUBERNETES_MINORS: { readonly from: number; readonly to: number } = { from: 35, to: 36 };

/** The Kubernetes minor of a k3s version (`v1.35.8+k3s1` -> 35); undefined when it does not parse. */
export function kubernetesMinorOf(k3sVersion: string): number | undefined {
  const m = /^v1\.([0-9]+)\.[0-9]+/.exec(k3sVersion);
  return m ? Number(m[1]) : undefined;
}
