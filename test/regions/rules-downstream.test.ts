/**
 * The region rules for what k3s, Kubernetes, the firewall and TLS refuse or silently break
 * (regions/rules-network.ts, regions/rules-platform.ts): each case changes one value of a shipped region
 * and asserts the one issue line (region, path, value, problem) and its fix. The CLI half (exit 1, nothing
 * written) is test/synth/cli-region-rules.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { BUILDS_NAMESPACE, composeRegion } from '../../regions/compose';
import { resolveRegion } from '../../regions/load';
import { formatValue } from '../../regions/region-error';
import { isVersionTag, SYSTEM_NAMESPACES } from '../../regions/rules-platform';
import { rejection, variant, type Mutable } from './support';

const R = "region 'eu-central-1': ";

interface Case {
  readonly name: string;
  readonly change: (d: Mutable) => void;
  /** The exact start of the issue line: region, path, value and problem. */
  readonly line: string;
  /** A part of the fix line. */
  readonly fix: string;
  readonly base?: 'eu-central-1' | 'us-east-1';
}

const addresses: Case[] = [
  {
    name: 'a loopback public address',
    change: (d) => (d.pools.run.hosts[0].publicIp = '127.0.0.1'),
    line: `${R}pools.run.hosts[0].publicIp '127.0.0.1' is a loopback address (127.0.0.0/8 or ::1): every host answers it itself (expected a unicast address a host can have`,
    fix: "write the host's real address",
  },
  {
    name: 'the unspecified IPv4 address',
    change: (d) => (d.pools.build.hosts[0].publicIp = '0.0.0.0'),
    line: `${R}pools.build.hosts[0].publicIp '0.0.0.0' is the unspecified address (0.0.0.0/8 or ::), which no host can have`,
    fix: 'ip -br addr',
  },
  {
    name: 'the unspecified IPv6 address',
    change: (d) => (d.pools.ctrl.hosts[1].publicIp = '::'),
    line: `${R}pools.ctrl.hosts[1].publicIp '::' is the unspecified address`,
    fix: "write the host's real address",
  },
  {
    name: 'the metadata address as a public IP',
    change: (d) => (d.pools.ops.hosts[0].publicIp = '169.254.169.254'),
    line: `${R}pools.ops.hosts[0].publicIp '169.254.169.254' is the cloud metadata service address (169.254.169.254), not a host`,
    fix: 'kept away from this address',
  },
  {
    name: 'a link-local IPv6 address',
    change: (d) => (d.pools.ctrl.hosts[0].publicIp = 'fe80::1'),
    line: `${R}pools.ctrl.hosts[0].publicIp 'fe80::1' is a link-local address (169.254.0.0/16 or fe80::/10)`,
    fix: 'routable address',
  },
  {
    name: 'a multicast load balancer',
    change: (d) => (d.network.loadBalancerIps = ['224.0.0.5']),
    line: `${R}network.loadBalancerIps[0] '224.0.0.5' is a multicast address (224.0.0.0/4 or ff00::/8), which no host can have as its own (expected a unicast address a load balancer can have`,
    fix: 'unicast address',
  },
  {
    name: 'the limited broadcast address as a load balancer',
    change: (d) => (d.network.loadBalancerIps = ['255.255.255.255']),
    line: `${R}network.loadBalancerIps[0] '255.255.255.255' is in the reserved range 240.0.0.0/4`,
    fix: 'real address',
  },
  {
    name: 'a public address inside the service network',
    change: (d) => (d.pools.build.hosts[0].publicIp = '10.43.0.5'),
    line: `${R}pools.build.hosts[0].publicIp '10.43.0.5' is inside network.serviceCidr 10.43.0.0/16 (expected an address outside the pod and service networks)`,
    fix: 'Services own every address of 10.43.0.0/16',
  },
  {
    name: 'a load balancer inside the pod network',
    change: (d) => (d.network.loadBalancerIps = ['10.42.3.4']),
    line: `${R}network.loadBalancerIps[0] '10.42.3.4' is inside network.clusterCidr 10.42.0.0/16`,
    fix: 'pods own every address of 10.42.0.0/16',
  },
  {
    name: "an IPv4-mapped IPv6 duplicate of another host's address",
    change: (d) => (d.pools.ctrl.hosts[1].publicIp = '::ffff:203.0.113.11'),
    line: `${R}pools.ctrl.hosts[1].publicIp '::ffff:203.0.113.11' is an IPv4-mapped IPv6 address; it is the same address as pools.ctrl.hosts[0].publicIp (ctrl-1) (expected the plain IPv4 address 203.0.113.11)`,
    fix: 'duplicates hide behind it',
  },
  {
    name: 'the broadcast address of the vSwitch subnet',
    change: (d) => (d.pools.run.hosts[1].privateIp = '10.0.1.255'),
    line: `${R}pools.run.hosts[1].privateIp '10.0.1.255' is the broadcast address of network.vswitch.cidr 10.0.1.0/24 (expected a host address of 10.0.1.0/24 (10.0.1.1 to 10.0.1.254))`,
    fix: 'first or last address of a subnet',
  },
  {
    name: 'the network address of the private network as a public IP',
    change: (d) => (d.pools.build.hosts[0].publicIp = '10.0.0.0'),
    line: `${R}pools.build.hosts[0].publicIp '10.0.0.0' is the network address of network.privateCidr 10.0.0.0/16`,
    fix: 'first or last address',
  },
];

addresses.push({
  name: 'the Hetzner Cloud network gateway as a private address',
  change: (d) => (d.pools.ctrl.hosts[0].privateIp = '10.0.0.1'),
  line: `${R}pools.ctrl.hosts[0].privateIp '10.0.0.1' is the gateway of the Hetzner Cloud network 10.0.0.0/16, which Hetzner keeps for itself (expected another address of 10.0.0.0/16, e.g. 10.0.0.11)`,
  fix: 'first address of the network',
});

const allowLists: Case[] = [
  {
    name: 'Cloudflare ranges that open the web to the world',
    change: (d) => (d.network.cloudflareCidrs = ['0.0.0.0/0']),
    line: `${R}network.cloudflareCidrs[0] '0.0.0.0/0' allows 80/443 on the run pool from the whole internet (expected Cloudflare's published ranges`,
    fix: "dangerousOptIns: { webFromTheWholeInternet: '<why>' }",
  },
  {
    name: 'a Cloudflare range wider than /8',
    change: (d) => d.network.cloudflareCidrs.push('64.0.0.0/2'),
    line: `${R}network.cloudflareCidrs[15] '64.0.0.0/2' allows 80/443 on the run pool from a large part of the internet (wider than /8)`,
    fix: 'webFromTheWholeInternet',
  },
  {
    name: 'SSH from the whole IPv6 internet',
    change: (d) => (d.network.adminCidrs = ['198.51.100.0/28', '::/0']),
    line: `${R}network.adminCidrs[1] '::/0' allows SSH from the whole internet (expected the addresses you administer from, e.g. 198.51.100.7/32)`,
    fix: "dangerousOptIns: { sshFromTheWholeInternet: '<why>' }",
  },
  {
    name: 'an admin range that covers the pod network',
    change: (d) => (d.network.adminCidrs = ['10.0.0.0/8']),
    line: `${R}network.adminCidrs[0] '10.0.0.0/8' covers network.clusterCidr 10.42.0.0/16 and network.serviceCidr 10.43.0.0/16 (expected a range disjoint from network.clusterCidr and network.serviceCidr)`,
    fix: 'allowListsCoverClusterNetworks',
  },
  {
    name: 'a Cloudflare range that overlaps the service network',
    change: (d) => d.network.cloudflareCidrs.push('10.43.0.0/24'),
    line: `${R}network.cloudflareCidrs[15] '10.43.0.0/24' overlaps network.serviceCidr 10.43.0.0/16`,
    fix: 'Service addresses to 80/443 on the run pool',
  },
];

const ranges: Case[] = [
  {
    name: "a cluster CIDR smaller than one node's /24",
    change: (d) => (d.network.clusterCidr = '10.42.0.0/25'),
    line: `${R}network.clusterCidr '10.42.0.0/25' is smaller than one node's pod range (k3s gives each node a /24) (expected a /24 or larger, e.g. 10.42.0.0/16)`,
    fix: 'no pod starts',
  },
  {
    name: 'a cluster CIDR with fewer /24s than hosts',
    change: (d) => (d.network.clusterCidr = '10.42.0.0/22'),
    line: `${R}network.clusterCidr '10.42.0.0/22' holds 4 node pod range(s) of /24 but the region has 7 hosts (expected a /21 or larger)`,
    fix: 'flannel does not start there',
  },
  {
    name: 'a service CIDR too small for the cluster DNS address',
    change: (d) => (d.network.serviceCidr = '10.43.0.0/29'),
    line: `${R}network.serviceCidr '10.43.0.0/29' has 8 addresses, too few for the cluster DNS address k3s derives from it (address 10 of the range)`,
    fix: 'cannot configure default cluster-dns address',
  },
  {
    name: "a service CIDR on Docker's default bridge",
    change: (d) => (d.network.serviceCidr = '172.17.0.0/16'),
    line: `${R}network.serviceCidr '172.17.0.0/16' overlaps Docker's default bridge 172.17.0.0/16`,
    fix: 'docker0 route',
  },
];

const ports: Case[] = [
  {
    name: 'the region SSH port on the API server port',
    change: (d) => (d.ssh.port = 6443),
    line: `${R}ssh.port 6443 is the port of the k3s supervisor and Kubernetes API server (TCP 6443) (expected a port k3s does not use`,
    fix: 'the runner is locked out',
  },
  {
    name: 'a server SSH port on the etcd peer port',
    change: (d) => (d.pools.ctrl.hosts[2].sshPort = 2380),
    line: `${R}pools.ctrl.hosts[2].sshPort 2380 is the port of etcd (peer) (TCP 2380)`,
    fix: 'for this ctrl host',
  },
  {
    name: 'the SSH port on the flannel VXLAN port',
    change: (d) => (d.ssh.port = 8472),
    line: `${R}ssh.port 8472 is the port of flannel VXLAN (UDP 8472)`,
    fix: 'pick another sshd port',
  },
  {
    name: 'an agent SSH port on the kubelet port',
    change: (d) => (d.pools.run.hosts[0].sshPort = 10250),
    line: `${R}pools.run.hosts[0].sshPort 10250 is the port of the kubelet API (TCP 10250)`,
    fix: 'for this run host',
  },
  {
    name: 'the SSH port on the HTTPS entrypoint',
    change: (d) => (d.ssh.port = 443),
    line: `${R}ssh.port 443 is the port of the web entrypoint (Traefik hostPort, HTTPS) (TCP 443)`,
    fix: 'pick another sshd port',
  },
  {
    name: 'the SSH port inside the NodePort range',
    change: (d) => (d.ssh.port = 30022),
    line: `${R}ssh.port 30022 is inside the NodePort range 30000-32767, where kube-proxy DNATs any NodePort Service on the private address (nodeport-addresses) before sshd sees the packet`,
    fix: 'pick another sshd port',
  },
  {
    name: 'the git SSH port on the kubelet port',
    change: (d) => (d.platform.gitea.sshPort = 10250),
    line: `${R}platform.gitea.sshPort 10250 is the port of the kubelet API (TCP 10250) (expected a port of its own for git over SSH, e.g. 2222)`,
    fix: 'two services cannot share one port of one node',
  },
  {
    name: "the git SSH port on a host's own SSH port",
    change: (d) => {
      d.pools.ops.hosts[0].sshPort = 2222;
      d.platform.gitea.sshPort = 2222;
    },
    line: `${R}platform.gitea.sshPort 2222 is also the ops hosts' sshd port (pools.ops.hosts[0].sshPort) (expected a port no host uses for sshd, e.g. 2222)`,
    fix: 'they are locked out',
  },
];

ports.push(
  {
    name: "an ops host's SSH port on the default git SSH port",
    change: (d) => (d.pools.ops.hosts[0].sshPort = 2222),
    line: `${R}pools.ops.hosts[0].sshPort 2222 is also the git SSH port (platform.gitea.sshPort, default 2222), which ServiceLB publishes on the ops nodes (expected an sshd port other than 2222, e.g. 22)`,
    fix: 'change this sshd port or set platform.gitea.sshPort',
  },
  {
    name: 'the region SSH port on the default git SSH port',
    change: (d) => (d.ssh.port = 2222),
    line: `${R}ssh.port 2222 is also the git SSH port (platform.gitea.sshPort, default 2222), which ServiceLB publishes on the ops nodes`,
    fix: 'would reach Gitea',
  },
);

const certificates: Case[] = [
  {
    name: 'a platform domain that is an IP address',
    change: (d) => (d.platform.domain = '192.0.2.10'),
    line: `${R}platform.domain '192.0.2.10' is an IP address (or ends in a numeric label), not a domain (expected a domain you control in DNS, e.g. threesix.example)`,
    fix: 'issues no certificate for an IP address',
  },
  {
    name: 'an Ingress host in another domain',
    change: (d) => (d.platform.gitea.host = 'git.other.example'),
    line: `${R}platform.gitea.host 'git.other.example' is not under platform.domain threesix.example, so the wildcard certificate (threesix.example, *.threesix.example) does not cover it (expected one label under the domain, e.g. git.threesix.example)`,
    fix: 'browsers and git refuse it',
  },
  {
    name: 'an Ingress host two levels down',
    change: (d) => (d.platform.zot.host = 'registry.eu.threesix.example'),
    line: `${R}platform.zot.host 'registry.eu.threesix.example' is 2 levels below platform.domain threesix.example; the wildcard *.threesix.example covers exactly one (expected one label under the domain, e.g. registry-eu.threesix.example)`,
    fix: 'RFC 6125',
  },
];

const scheduling: Case[] = [
  {
    name: 'a soft run-pool taint',
    change: (d) => (d.pools.run.taints[0].effect = 'PreferNoSchedule'),
    line: `${R}pools.run.taints[0].effect 'PreferNoSchedule' is a soft taint`,
    fix: "effect: 'NoSchedule'",
  },
  {
    name: 'a run pool without a taint',
    change: (d) => delete d.pools.run.taints,
    line: `${R}pools.run.taints [] has no NoSchedule or NoExecute taint`,
    fix: 'next to tenant workloads',
  },
  {
    name: "a node label claiming another node's identity",
    change: (d) => (d.pools.run.hosts[1].labels = { 'kubernetes.io/hostname': 'ctrl-1' }),
    line: `${R}pools.run.hosts[1].labels['kubernetes.io/hostname'] 'ctrl-1' sets the node's identity label, the name of another host (ctrl-1)`,
    fix: 'send pods to the wrong node',
  },
  {
    name: 'a node-role label the kubelet may not set',
    change: (d) => (d.pools.build.labels = { 'node-role.kubernetes.io/worker': 'true' }),
    line: `${R}pools.build.labels['node-role.kubernetes.io/worker'] is in the kubernetes.io/k8s.io namespace, which a kubelet may not set on its own node`,
    fix: 'use a prefix of your own',
  },
  {
    name: 'a tenant namespace named like cert-manager',
    change: (d) => (d.platform.projectsNamespace = 'cert-manager'),
    line: `${R}platform.projectsNamespace 'cert-manager' is the namespace of cert-manager (installed by the k3s playbook`,
    fix: 'tenant isolation policies would apply to those workloads',
  },
  {
    name: 'the platform namespace named like the builds namespace',
    change: (d) => (d.platform.namespace = 'builds'),
    line: `${R}platform.namespace 'builds' is the namespace of Woodpecker pipeline pods`,
    fix: 'platform policies and Secrets would mix',
  },
  {
    name: 'a namespace under the kube- prefix',
    change: (d) => (d.platform.projectsNamespace = 'kube-tenants'),
    line: `${R}platform.projectsNamespace 'kube-tenants' is the namespace of Kubernetes (kube-* is reserved)`,
    fix: 'tenants would share a namespace',
  },
];

const unitsAndVersions: Case[] = [
  {
    name: 'a storage size without a unit',
    change: (d) => (d.platform.gitea.storageSize = '20'),
    line: `${R}platform.gitea.storageSize '20' has no unit, so Kubernetes reads it as bytes (expected a size with a unit, e.g. 20Gi)`,
    fix: 'write 20Gi',
  },
  {
    name: 'a gVisor release that is not a date',
    change: (d) => (d.versions = { gvisor: '20241399' }),
    line: `${R}versions.gvisor '20241399' is not a valid release date (gVisor releases are named YYYYMMDD[.N])`,
    fix: 'github.com/google/gvisor/releases',
  },
  {
    name: 'a gVisor release on the 30th of February',
    change: (d) => (d.versions = { gvisor: '20240230.0' }),
    line: `${R}versions.gvisor '20240230.0' is not a valid release date`,
    fix: 'pin an exact release',
  },
  {
    name: 'a k3s version outside the supported range',
    change: (d) => (d.versions = { k3s: 'v1.30.4+k3s1' }),
    line: `${R}versions.k3s 'v1.30.4+k3s1' is Kubernetes 1.30, outside the range the schemas and templates are made for (1.35 to 1.36)`,
    fix: 'vendor the schemas',
  },
  {
    name: 'a moving develop image tag',
    change: (d) => (d.versions = { rdevApi: 'ghcr.io/orchard9/rdev-api:develop' }),
    line: `${R}versions.rdevApi 'ghcr.io/orchard9/rdev-api:develop' is pinned to 'develop', a tag that is not a version and can move`,
    fix: 'pin the digest',
  },
  {
    name: 'a moving canary image tag',
    change: (d) => (d.versions = { rdevApi: 'ghcr.io/orchard9/rdev-api:canary' }),
    line: `${R}versions.rdevApi 'ghcr.io/orchard9/rdev-api:canary' is pinned to 'canary'`,
    fix: 'use a release tag',
  },
];

const optIns: Case[] = [
  {
    name: 'an opt-in nothing needs',
    change: (d) => (d.dangerousOptIns = { sshFromTheWholeInternet: 'break-glass access while the VPN is migrated' }),
    line: `${R}dangerousOptIns.sshFromTheWholeInternet 'break-glass access while the VPN is migrated' is set but no value of the region needs it`,
    fix: 'remove it, so it does not silently permit the next such value',
  },
  {
    name: 'an opt-in without a reason',
    change: (d) => {
      d.network.cloudflareCidrs = ['0.0.0.0/0'];
      d.dangerousOptIns = { webFromTheWholeInternet: 'yes' };
    },
    line: `${R}dangerousOptIns.webFromTheWholeInternet 'yes' gives no reason (expected a sentence saying why the region needs it`,
    fix: 'reviewers read it',
  },
];

const classes: [string, Case[]][] = [
  ['addresses no host can have', addresses],
  ['source ranges that open the world or the cluster', allowLists],
  ['ranges k3s or kube-apiserver refuse or starve', ranges],
  ['port collisions', ports],
  ['certificates that cannot be issued or do not cover a host', certificates],
  ['scheduling that defeats isolation', scheduling],
  ['units and versions', unitsAndVersions],
  ['opt-ins', optIns],
];

for (const [title, cases] of classes) {
  describe(title, () => {
    it.each(cases.map((c) => [c.name, c] as const))('refuses %s', (_name, c) => {
      const error = rejection(variant(c.change, c.base));
      const lines = error.message.split('\n');
      const at = lines.findIndex((l) => l.startsWith(c.line));
      expect(at, `no line starts with:\n${c.line}\n--- got:\n${error.message}`).toBeGreaterThanOrEqual(0);
      // the change under test is the only problem, and its fix follows it
      expect(error.issues, error.message).toHaveLength(1);
      expect(lines[at + 1]).toMatch(/^ {2}fix: /);
      expect(lines[at + 1]).toContain(c.fix);
    });
  });
}

describe('what stays allowed', () => {
  it.each([
    ['a run host SSH port that is only an etcd port on servers', (d: Mutable) => (d.pools.run.hosts[0].sshPort = 2380)],
    ['a build host SSH port on the git SSH port, which only the ops nodes publish', (d: Mutable) => (d.pools.build.hosts[0].sshPort = 2222)],
    ['an ops host SSH port on 443, which only the run nodes publish', (d: Mutable) => (d.pools.ops.hosts[0].sshPort = 443)],
    ['a gVisor point release', (d: Mutable) => (d.versions = { gvisor: '20241104.0' })],
    ['an image pinned by digest', (d: Mutable) => (d.versions = { rdevApi: `ghcr.io/orchard9/rdev-api@sha256:${'a'.repeat(64)}` })],
    ['a version tag with a suffix', (d: Mutable) => (d.versions = { rdevApi: 'ghcr.io/orchard9/rdev-api:v0.10.25-rc1' })],
    // kube-apiserver caps the service CIDR at /12 only up to Kubernetes 1.33; the regions run 1.35
    ['a service CIDR larger than /12 on Kubernetes 1.35', (d: Mutable) => (d.network.serviceCidr = '100.64.0.0/10')],
    ['an Ingress host equal to the domain', (d: Mutable) => (d.platform.rdevApi.host = 'threesix.example')],
    ['a public address that is a private one (NAT)', (d: Mutable) => (d.pools.build.hosts[0].publicIp = '192.168.7.31')],
    ['a NoExecute run taint', (d: Mutable) => (d.pools.run.taints[0].effect = 'NoExecute')],
  ])('accepts %s', (_name, change) => {
    expect(() => resolveRegion(variant(change), 'regions/eu-central-1.ts')).not.toThrow();
  });

  it('accepts web from the whole internet with an opt-in and keeps the reason', () => {
    const region = resolveRegion(
      variant((d) => {
        d.network.cloudflareCidrs = ['0.0.0.0/0', '::/0'];
        d.dangerousOptIns = { webFromTheWholeInternet: 'origin served directly while the CDN contract is renewed' };
      }),
      'regions/eu-central-1.ts',
    );
    expect(region.dangerousOptIns).toEqual({ webFromTheWholeInternet: 'origin served directly while the CDN contract is renewed' });
  });

  it('accepts SSH from anywhere and an admin range over the cluster with their opt-ins', () => {
    expect(() =>
      resolveRegion(
        variant((d) => {
          d.network.adminCidrs = ['0.0.0.0/0', '10.0.0.0/8'];
          d.dangerousOptIns = {
            sshFromTheWholeInternet: 'no fixed egress during the office move, until 2027-01-31',
            allowListsCoverClusterNetworks: 'the operators VPN range is 10.0.0.0/8 and cannot shrink',
          };
        }),
        'regions/eu-central-1.ts',
      ),
    ).not.toThrow();
  });

  it('has no opt-ins unless the file sets them', () => {
    expect(resolveRegion(variant(() => {}), 'regions/eu-central-1.ts').dangerousOptIns).toEqual({});
  });

  it('refuses an unknown opt-in by the schema', () => {
    const error = rejection(variant((d) => (d.dangerousOptIns = { everything: 'please' })));
    expect(error.message).toContain("dangerousOptIns.everything");
  });
});

describe('the platform needs a pool to run on', () => {
  it('is refused at composition, naming pools, when no pool is free of hard taints', () => {
    const region = resolveRegion(
      variant((d) => {
        delete d.pools.ops;
        d.pools.ctrl.hosts[2].name = 'ctrl-3';
      }),
      'regions/eu-central-1.ts',
    );
    let message = '';
    try {
      composeRegion(region);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`${R}pools ["ctrl","run","build"] leave the platform workloads no pool to run on: there is no ops pool and every other pool has a NoSchedule/NoExecute taint (expected an ops pool, or a ctrl or build pool without a hard taint)`);
    expect(message).toContain('fix: add pools.ops');
  });

  it('composes when the build pool has no hard taint', () => {
    const region = resolveRegion(
      variant((d) => {
        delete d.pools.ops;
        d.pools.build.taints = [{ key: 'platform/build', value: 'ci', effect: 'PreferNoSchedule' }];
      }),
      'regions/eu-central-1.ts',
    );
    expect(() => composeRegion(region)).not.toThrow();
  });
});

describe('helpers', () => {
  it('keeps the builds namespace in step with regions/compose.ts', () => {
    expect(SYSTEM_NAMESPACES[BUILDS_NAMESPACE]).toBeDefined();
  });

  it('tells version tags from moving ones', () => {
    for (const tag of ['v0.10.25', '1.22.6-rootless', '2.1', '20241104', 'v2.8.3+build.1']) expect(isVersionTag(tag), tag).toBe(true);
    for (const tag of ['develop', 'canary', 'main', 'pr-12', 'sha-abc1234', 'nightly-2024', '']) expect(isVersionTag(tag), tag).toBe(false);
  });

  it('shows NaN and Infinity as such, also inside lists and objects', () => {
    expect(formatValue(NaN)).toBe('NaN');
    expect(formatValue(-Infinity)).toBe('-Infinity');
    expect(formatValue([1, NaN, { a: Infinity }])).toBe('[1,NaN,{"a":Infinity}]');
    expect(formatValue({ b: 'NaN', c: [undefined, 2] })).toBe('{"b":"NaN","c":[null,2]}');
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(formatValue(cyclic)).toBe('{"a":1,"self":[Circular]}');
  });

  it('names NaN in a region message', () => {
    const error = rejection(variant((d) => (d.ssh.port = NaN)));
    expect(error.message).toMatch(/^region 'eu-central-1': ssh\.port NaN /m);
  });

  it('names Infinity in a region message', () => {
    const error = rejection(variant((d) => (d.platform.woodpecker.agentReplicas = Infinity)));
    expect(error.message).toMatch(/^region 'eu-central-1': platform\.woodpecker\.agentReplicas Infinity /m);
  });
});
