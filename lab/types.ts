/**
 * Public types of the lab: local throw-away test hosts (systemd-nspawn containers booting systemd
 * from an overlay over one cached debootstrap'd Debian bookworm rootfs, each in its own network
 * namespace with a "public" and a "private" interface).
 */
import type { PoolName } from '../regions/types';

/** One lab host as the rest of the project sees it. */
export interface LabHost {
  /** `lab-1` .. `lab-<n>`; also the host's hostname. */
  readonly name: string;
  /** Pool the host was placed in by the lab region (ctrl gets 1 host, or 3 when n >= 7). */
  readonly pool: PoolName;
  /** Address on the lab's public bridge: what the runner dials (e.g. `10.213.7.11`). */
  readonly publicIp: string;
  /** Address on the lab's private bridge, inside `privateCidr` (e.g. `10.214.7.11`). */
  readonly privateIp: string;
  /** Interface name of the public address inside the host. */
  readonly publicInterface: string;
  /** Interface name of the private address inside the host. */
  readonly privateInterface: string;
}

/** Everything a test or the runner needs to reach a lab. All paths are absolute. */
export interface LabInfo {
  readonly id: string;
  /** `<repo>/.lab/<id>`: pass it to `loadRegion('lab', { labDir })` or set LAB_DIR. */
  readonly dir: string;
  /** `<dir>/lab.region.json`: the RegionDefinition of this lab as JSON. */
  readonly regionPath: string;
  /** `<dir>/id_ed25519`: the lab client key (root login by key only). Never print its content. */
  readonly privateKeyPath: string;
  /** `<dir>/known_hosts`: every host's own key, for strict host-key checking. */
  readonly knownHostsPath: string;
  /** Public subnet, e.g. `10.213.7.0/24`; the outer machine holds `.1` on it. */
  readonly publicCidr: string;
  /** Address of the outer machine on the public bridge (e.g. `10.213.7.1`): a place tests can serve files from. */
  readonly gatewayIp: string;
  /** Private subnet, e.g. `10.214.7.0/24` (the region's `network.privateCidr`); the outer machine is not on it. */
  readonly privateCidr: string;
  /** Hosts in name order (lab-1, lab-2, ...). */
  readonly hosts: readonly LabHost[];
}

export interface LabUpOptions {
  /** Lab id: a DNS-label-like name (`[a-z0-9-]`, 1-20 chars); several ids can be up at once. @default 'lab' */
  readonly id?: string;
  /** Number of hosts, 1..40. */
  readonly hosts: number;
  /** Bound on the wait until every host answers `systemctl is-system-running` over SSH. @default 120 */
  readonly readyTimeoutSeconds?: number;
  /** Bound on waiting for another process that is building the rootfs. @default 900 */
  readonly buildLockTimeoutSeconds?: number;
  /** Progress lines (rootfs build, boot); default prints nothing. */
  readonly log?: (line: string) => void;
  /**
   * A bundle made by `npm run bundle` whose real artifacts go into the lab's bundle (stand-ins for the rest).
   * @default $LAB_BUNDLE, else none (every artifact is a labelled stand-in)
   */
  readonly bundle?: string;
}

export interface LabHostStatus extends LabHost {
  /** The host's systemd-nspawn process is alive. */
  readonly running: boolean;
  /** `systemctl is-system-running` over SSH answered running or degraded. */
  readonly sshReady: boolean;
  /** What `systemctl is-system-running` answered, or why the probe failed. */
  readonly detail: string;
}

export interface LabStatus {
  readonly id: string;
  readonly dir: string;
  /** False when the lab has no state (never up, or down). */
  readonly up: boolean;
  readonly publicCidr?: string;
  readonly privateCidr?: string;
  readonly hosts: readonly LabHostStatus[];
}
