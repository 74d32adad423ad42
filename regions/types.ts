/**
 * The typed shape of a region: the single source of truth that both engines read.
 *   synth (constructs/ -> dist/<region>/) and play (playbooks/ -> SSH -> hosts).
 *
 * A region file (regions/<name>.ts) default-exports a `RegionDefinition` built with
 * `defineRegion()`. Nothing here performs I/O; validation lives in regions/load.ts.
 */
import type { VersionOverrides, Versions } from './versions';

/** Where a machine lives. One region may mix Hetzner Cloud and dedicated (Robot) machines. */
export type Provider = 'hetzner-cloud' | 'hetzner-robot' | 'contabo';

/** Node pools. ctrl = k3s servers; run = tenant workloads (gVisor, tainted); build = CI; ops = stateful apps. */
export type PoolName = 'ctrl' | 'run' | 'build' | 'ops';
export const POOL_NAMES: readonly PoolName[] = ['ctrl', 'run', 'build', 'ops'];

export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface HostDefinition {
  /** Short host name, DNS label (e.g. `ctrl-1`). Unique in the region. */
  readonly name: string;
  readonly provider: Provider;
  /** Address the runner connects to (unless `sshHost` is set). */
  readonly publicIp: string;
  /** Address on the region's private network (must lie inside `network.privateCidr`). */
  readonly privateIp: string;
  /** Overrides `ssh.port` for this host. */
  readonly sshPort?: number;
  /** Extra Kubernetes node labels for this host (added to its pool's labels). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Per-host playbook variables (override pool vars). */
  readonly vars?: Readonly<Record<string, string | number | boolean>>;
}

export interface PoolDefinition {
  /** Kubernetes node labels for every node of the pool (the pool label itself is added automatically). */
  readonly labels?: Readonly<Record<string, string>>;
  readonly taints?: readonly Taint[];
  /** Per-pool playbook variables. */
  readonly vars?: Readonly<Record<string, string | number | boolean>>;
  readonly hosts: readonly HostDefinition[];
}

export interface SshSettings {
  /** Remote user; when not root every command runs through `sudo -n`. @default 'root' */
  readonly user?: string;
  /**
   * The provider's initial login (Hetzner and Contabo: root with the key chosen when the machine was ordered). Only
   * the `first-contact` playbook connects as it: it creates `user` (the deploy user), authorizes the operator key,
   * allows it passwordless sudo and hardens sshd; every later run connects as `user`. @default 'root'
   */
  readonly initialUser?: string;
  /** @default 22 */
  readonly port?: number;
  /** Private key file on the operator's machine; when absent the ssh agent (SSH_AUTH_SOCK) is used. */
  readonly privateKeyPath?: string;
  /** Jump host (ProxyJump), `user@host:port`. */
  readonly bastion?: string;
  /** known_hosts file, relative to the repository root. @default `regions/<name>.known_hosts` */
  readonly knownHostsPath?: string;
}

export interface NetworkDefinition {
  /** The private network all hosts share (Hetzner Cloud network / vSwitch / Contabo private network). */
  readonly privateCidr: string;
  /** Hetzner dedicated vSwitch, when the region has robot machines. */
  readonly vswitch?: {
    readonly vlanId: number;
    /** Subnet of the vSwitch inside privateCidr. */
    readonly cidr: string;
    /** Gateway of the vSwitch subnet used for the route to the cloud network. */
    readonly gateway: string;
    /** @default 1400 */
    readonly mtu?: number;
  };
  /** k3s pod network. */
  readonly clusterCidr: string;
  /** k3s service network. */
  readonly serviceCidr: string;
  /** Sources allowed to SSH to the hosts. */
  readonly adminCidrs: readonly string[];
  /** Public addresses of the region's TCP passthrough load balancer (80/443 to run pool). */
  readonly loadBalancerIps: readonly string[];
  /** Cloudflare edge ranges allowed to reach 80/443 on the run pool. */
  readonly cloudflareCidrs: readonly string[];
}

export interface K3sSettings {
  /** @default 'wireguard-native' */
  readonly flannelBackend?: 'vxlan' | 'wireguard-native';
  /** Base URL to download k3s release assets from (air-gapped mirror). @default GitHub releases */
  readonly mirrorUrl?: string;
  /** Scheduled etcd snapshots on the servers, optionally copied to S3. @default every 6 h, 28 kept, local only */
  readonly etcdSnapshots?: EtcdSnapshotSettings;
}

export interface EtcdSnapshotSettings {
  /** k3s etcd-snapshot-schedule-cron. @default '0 *\/6 * * *' */
  readonly scheduleCron?: string;
  /** k3s etcd-snapshot-retention (per server). @default 28 */
  readonly retention?: number;
  /** S3-compatible target (Hetzner Object Storage). Keys come from --secret-var etcdS3AccessKey/etcdS3SecretKey. */
  readonly s3?: { readonly endpoint: string; readonly bucket: string; readonly region?: string; readonly folder?: string };
}

/** An air-gapped region: its hosts have no internet; every file comes from a bundle made by `npm run bundle`. */
export interface AirgapSettings {
  /**
   * The bundle folder on the operator's machine (relative to the repository root, or absolute). The playbooks push
   * each file over SSH, verified on the host, and the cluster's images (k3s system images, cert-manager) come from it.
   * `npm run play -- <region> <playbook> --bundle <dir>` overrides it for one run.
   */
  readonly bundleDir: string;
}

export type GiteaDatabase =
  | { readonly type: 'sqlite3' }
  | {
      readonly type: 'postgres';
      /**
       * `host:port`: an in-cluster Service `<service>.<namespace>.svc.cluster.local:<port>` (then `podLabels`), an IP
       * address (`[v6]:port` for IPv6), or a DNS name outside the cluster (then `addresses`), as for rdev-api's.
       */
      readonly host: string;
      readonly name: string;
      readonly user: string;
      /** @default 'disable' (refused towards a public address) */
      readonly sslMode?: 'disable' | 'require' | 'verify-full';
      /** In-cluster Service only: the labels of the PostgreSQL pods behind it (the Service's selector). */
      readonly podLabels?: Readonly<Record<string, string>>;
      /** In-cluster Service only: the port those pods listen on, when the Service maps its port to another. @default the Service port */
      readonly podPort?: number;
      /** DNS name outside the cluster only: the addresses it resolves to (the egress rule allows exactly these). */
      readonly addresses?: readonly string[];
    };

/**
 * rdev-api's PostgreSQL (its work queue, audit log, webhooks and encrypted credentials). rdev-api reads the whole
 * connection URL from the supplied Secret `rdev-api-database` (key `database-url`, env DATABASE_URL); these
 * settings say where that URL may point, so its NetworkPolicy allows exactly that database and `npm run secrets`
 * can check the URL against them.
 */
export interface RdevApiDatabase {
  /**
   * `host:port`: an in-cluster Service `<service>.<namespace>.svc.cluster.local:<port>` (then `podLabels`), an IP
   * address (`[v6]:port` for IPv6), or a DNS name outside the cluster (then `addresses`).
   */
  readonly host: string;
  /** Database name (DATABASE_URL's path). */
  readonly name: string;
  /** PostgreSQL role rdev-api logs in as (DATABASE_URL's user). */
  readonly user: string;
  /**
   * DATABASE_URL's `sslmode`. No default: `disable` is only accepted for an in-cluster Service or a private
   * address, and a public address needs `verify-ca` or `verify-full`.
   */
  readonly sslMode: 'disable' | 'require' | 'verify-ca' | 'verify-full';
  /** In-cluster Service only: the labels of the PostgreSQL pods behind it (the Service's selector). */
  readonly podLabels?: Readonly<Record<string, string>>;
  /** In-cluster Service only: the port those pods listen on, when the Service maps its port to another. @default the Service port */
  readonly podPort?: number;
  /** DNS name outside the cluster only: the addresses it resolves to (the egress rule allows exactly these). */
  readonly addresses?: readonly string[];
}

export interface PlatformSettings {
  /** Base domain for platform hosts and tenant subdomains, e.g. `threesix.example`. */
  readonly domain: string;
  /** Let's Encrypt account e-mail. */
  readonly acmeEmail: string;
  /** @default 'https://acme-v02.api.letsencrypt.org/directory' */
  readonly acmeServer?: string;
  /** Namespace of the platform services. @default 'platform' */
  readonly namespace?: string;
  /**
   * Prefix of the namespace rdev-api creates for each tenant project, `<prefix>-<user>-<project>` (one namespace per
   * project, stamped with components/tenant-isolation). @default 'projects'
   */
  readonly projectsNamespace?: string;
  /** Storage classes that exist on the cluster. The first one is the default for every claim. */
  readonly storageClasses: readonly string[];
  readonly gitea: {
    /** @default `git.<domain>` */
    readonly host?: string;
    /** SSH clone host. @default the HTTP host */
    readonly sshHost?: string;
    /**
     * Public git SSH port: the load balancer forwards it to the git-SSH pool, where ServiceLB publishes Gitea's
     * LoadBalancer Service on it. Must be a port no host uses (never the hosts' sshd port). @default 2222
     */
    readonly sshPort?: number;
    readonly database: GiteaDatabase;
    /** @default '20Gi' */
    readonly storageSize?: string;
    /** Gitea organisation rdev-api creates repositories in. */
    readonly defaultOrg: string;
  };
  /** @default {} */
  readonly zot?: {
    /** @default `registry.<domain>` */
    readonly host?: string;
    /** @default '50Gi' */
    readonly storageSize?: string;
    /** @default '1h' */
    readonly gcDelay?: string;
    /** @default true */
    readonly dedupe?: boolean;
  };
  readonly woodpecker: {
    /** @default `ci.<domain>` */
    readonly host?: string;
    /** Gitea user names that are Woodpecker admins. */
    readonly admins: readonly string[];
    /** @default 2 */
    readonly agentReplicas?: number;
    /** Volume size of each pipeline workspace. @default '10Gi' */
    readonly buildVolumeSize?: string;
    /** @default '5Gi' */
    readonly storageSize?: string;
  };
  readonly rdevApi: {
    /** @default `rdev.<domain>` */
    readonly host?: string;
    /** @default 2 */
    readonly replicas?: number;
    readonly database: RdevApiDatabase;
    /**
     * The rdev-api image (versions.rdevApi) is in a registry that needs credentials to pull (a ghcr.io package is
     * private until made public): the Deployment then references the supplied pull Secret `rdev-api-pull`
     * (kubernetes.io/dockerconfigjson). @default false
     */
    readonly privateImage?: boolean;
  };
}

export interface RegionDefinition {
  /** Region name, also the dist/ folder name, e.g. `eu-central-1`. */
  readonly name: string;
  /** Free text shown in summaries. */
  readonly description?: string;
  readonly ssh?: SshSettings;
  readonly network: NetworkDefinition;
  /**
   * Releases this region pins differently from the version table (regions/versions.ts DEFAULT_VERSIONS).
   * Leave it out to follow the table, which is what the dependency bot bumps. @default DEFAULT_VERSIONS
   */
  readonly versions?: VersionOverrides;
  /** @default {} */
  readonly k3s?: K3sSettings;
  /** Air-gapped: hosts get every file from a bundle (see docs/airgap.md). @default hosts download from the releases or k3s.mirrorUrl */
  readonly airgap?: AirgapSettings;
  /** ctrl is required; a pool that is listed must have hosts (an empty pool is an error, omit it instead). */
  readonly pools: { readonly ctrl: PoolDefinition } & { readonly [P in Exclude<PoolName, 'ctrl'>]?: PoolDefinition };
  readonly platform: PlatformSettings;
  /**
   * Legal but dangerous choices, refused by the region rules unless opted into here with the reason as
   * the value (regions/opt-ins.ts). Printed in the synth summary, recorded in dist/<region>/ (ConfigMap
   * `region-opt-ins`) and flagged by `npm run diff` as a security change. An opt-in nothing needs is an error.
   */
  readonly dangerousOptIns?: DangerousOptIns;
}

export interface DangerousOptIns {
  /** network.adminCidrs may contain 0.0.0.0/0, ::/0 or a range wider than /8 (IPv4) or /16 (IPv6). */
  readonly sshFromTheWholeInternet?: string;
  /** network.cloudflareCidrs may contain 0.0.0.0/0, ::/0 or a range that wide: 80/443 on the run pool open to the internet. */
  readonly webFromTheWholeInternet?: string;
  /** An allow-list (network.adminCidrs or cloudflareCidrs) may overlap network.clusterCidr or serviceCidr. */
  readonly allowListsCoverClusterNetworks?: string;
}

/** Identity helper so region files get completion and type errors. */
export function defineRegion(region: RegionDefinition): RegionDefinition {
  return region;
}

/* ------------------------------------------------------------------------------------------------
 * The resolved region: what regions/load.ts returns after validation, with every default applied.
 * Both engines consume only this shape.
 * ---------------------------------------------------------------------------------------------- */

export interface ResolvedHost {
  readonly name: string;
  readonly pool: PoolName;
  readonly provider: Provider;
  readonly publicIp: string;
  readonly privateIp: string;
  /** Address the runner dials (publicIp). */
  readonly sshHost: string;
  readonly sshPort: number;
  /** Pool labels + host labels + `node.platform/pool=<pool>`. */
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  /** Pool vars overridden by host vars. */
  readonly vars: Readonly<Record<string, string | number | boolean>>;
}

export interface ResolvedSsh {
  readonly user: string;
  /** The provider's initial login, for `first-contact` only. */
  readonly initialUser: string;
  readonly port: number;
  readonly privateKeyPath?: string;
  readonly bastion?: string;
  /** Absolute path of the region's known_hosts file. */
  readonly knownHostsPath: string;
}

export interface ResolvedPlatform {
  readonly domain: string;
  readonly acmeEmail: string;
  readonly acmeServer: string;
  readonly namespace: string;
  readonly projectsNamespace: string;
  readonly storageClasses: readonly string[];
  readonly defaultStorageClass: string;
  readonly gitea: {
    readonly host: string;
    readonly sshHost: string;
    readonly sshPort: number;
    readonly database: GiteaDatabase;
    readonly storageSize: string;
    readonly defaultOrg: string;
  };
  readonly zot: {
    readonly host: string;
    readonly storageSize: string;
    readonly gcDelay: string;
    readonly dedupe: boolean;
  };
  readonly woodpecker: {
    readonly host: string;
    readonly admins: readonly string[];
    readonly agentReplicas: number;
    readonly buildVolumeSize: string;
    readonly storageSize: string;
  };
  readonly rdevApi: {
    readonly host: string;
    readonly replicas: number;
    readonly database: RdevApiDatabase;
    readonly privateImage: boolean;
  };
}

export interface Region {
  readonly name: string;
  readonly description: string;
  readonly ssh: ResolvedSsh;
  readonly network: NetworkDefinition & { readonly vswitch?: NetworkDefinition['vswitch'] & { readonly mtu: number } };
  /** Every pinned release: the region's overrides over the version table (regions/versions.ts). */
  readonly versions: Versions;
  readonly k3s: Required<Omit<K3sSettings, 'mirrorUrl' | 'etcdSnapshots'>> & {
    readonly mirrorUrl?: string;
    readonly etcdSnapshots: { readonly scheduleCron: string; readonly retention: number; readonly s3?: EtcdSnapshotSettings['s3'] };
  };
  /** Set when the region (or the run, `--bundle`) delivers from a bundle; bundleDir is absolute. */
  readonly airgap?: { readonly bundleDir: string };
  /** Every host in pool order (ctrl, run, build, ops), then file order. */
  readonly hosts: readonly ResolvedHost[];
  /** Pool name -> its hosts (only pools that have hosts). */
  readonly pools: Readonly<Partial<Record<PoolName, readonly ResolvedHost[]>>>;
  readonly platform: ResolvedPlatform;
  /** The opt-ins the region file sets (name -> reason); empty when none. */
  readonly dangerousOptIns: DangerousOptIns;
}

/** Node label every node carries with its pool name (set at registration, reconciled by the k3s playbook). */
export const POOL_LABEL = 'node.platform/pool';
