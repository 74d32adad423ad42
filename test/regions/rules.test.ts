import { describe, expect, it } from 'vitest';
import { formatIssue, RegionValidationError } from '../../regions/region-error';
import { resolveRegion } from '../../regions/load';
import { issueLines, rejection, variant, type Mutable } from './support';

const R = "region 'eu-central-1': ";

interface Case {
  readonly name: string;
  readonly change: (d: Mutable) => void;
  /** The exact start of the issue line: region, path, value, problem. */
  readonly line: string;
  readonly base?: 'eu-central-1' | 'us-east-1';
  /** How many issues the change causes in total. @default 1 */
  readonly issues?: number;
}

const cases: Case[] = [
  {
    name: 'duplicate host names',
    change: (d) => (d.pools.run.hosts[1].name = 'run-1'),
    line: `${R}pools.run.hosts[1].name 'run-1' is already the name of pools.run.hosts[0] (expected a host name unique in the region)`,
  },
  {
    name: 'duplicate host names across pools',
    change: (d) => (d.pools.ops.hosts[0].name = 'ctrl-1'),
    line: `${R}pools.ops.hosts[0].name 'ctrl-1' is already the name of pools.ctrl.hosts[0]`,
  },
  {
    name: 'duplicate public IPs',
    change: (d) => (d.pools.build.hosts[0].publicIp = '203.0.113.11'),
    line: `${R}pools.build.hosts[0].publicIp '203.0.113.11' is already used by pools.ctrl.hosts[0].publicIp (ctrl-1)`,
  },
  {
    name: "a public IP equal to another host's private IP",
    change: (d) => (d.pools.build.hosts[0].publicIp = '10.0.0.11'),
    line: `${R}pools.build.hosts[0].publicIp '10.0.0.11' is already used by pools.ctrl.hosts[0].privateIp (ctrl-1)`,
  },
  {
    name: 'duplicate IPv6 addresses written differently',
    change: (d) => {
      d.pools.ctrl.hosts[0].publicIp = '2001:db8::11';
      d.pools.ctrl.hosts[1].publicIp = '2001:DB8:0:0::11';
    },
    line: `${R}pools.ctrl.hosts[1].publicIp '2001:DB8:0:0::11' is already used by pools.ctrl.hosts[0].publicIp (ctrl-1)`,
  },
  {
    name: 'a private IP that is not an address',
    change: (d) => (d.pools.run.hosts[1].privateIp = '10.0.0'),
    line: `${R}pools.run.hosts[1].privateIp '10.0.0' is not an IPv4 address (expected e.g. 10.0.1.12)`,
  },
  {
    name: 'a host outside the private CIDR',
    change: (d) => (d.pools.build.hosts[0].privateIp = '10.9.0.31'),
    line: `${R}pools.build.hosts[0].privateIp '10.9.0.31' is outside network.privateCidr 10.0.0.0/16 (expected an address inside 10.0.0.0/16)`,
  },
  {
    name: 'overlapping cluster and service CIDRs',
    change: (d) => (d.network.serviceCidr = '10.42.128.0/17'),
    line: `${R}network.serviceCidr '10.42.128.0/17' overlaps network.clusterCidr 10.42.0.0/16 (expected a range disjoint from network.clusterCidr)`,
  },
  {
    name: 'a pod network overlapping the private network',
    change: (d) => (d.network.clusterCidr = '10.0.0.0/8'),
    line: `${R}network.clusterCidr '10.0.0.0/8' overlaps network.privateCidr 10.0.0.0/16`,
    issues: 2, // and serviceCidr overlaps it
  },
  {
    name: 'a CIDR with host bits set',
    change: (d) => (d.network.privateCidr = '10.0.0.1/16'),
    line: `${R}network.privateCidr '10.0.0.1/16' has host bits set (expected 10.0.0.0/16)`,
  },
  {
    name: 'an invalid domain',
    change: (d) => (d.platform.domain = 'three_six.example'),
    line: `${R}platform.domain 'three_six.example' is not a valid DNS name (expected a domain like threesix.example`,
  },
  {
    name: 'a single-label domain',
    change: (d) => (d.platform.domain = 'localhost'),
    line: `${R}platform.domain 'localhost' has 1 label(s), not a fully qualified DNS name`,
  },
  {
    name: 'an invalid host name',
    change: (d) => (d.pools.ctrl.hosts[0].name = 'Ctrl_1'),
    line: `${R}pools.ctrl.hosts[0].name 'Ctrl_1' is not a DNS label`,
  },
  {
    name: 'an unpinned k3s version (channel)',
    change: (d) => (d.versions = { k3s: 'stable' }),
    line: `${R}versions.k3s 'stable' is a moving release channel, not a pinned version (expected e.g. v1.35.8+k3s1)`,
  },
  {
    name: 'a k3s release line instead of a release',
    change: (d) => (d.versions = { k3s: 'v1.35' }),
    line: `${R}versions.k3s 'v1.35' names a release line, not a pinned version (expected e.g. v1.35.8+k3s1)`,
  },
  {
    name: 'a k3s release the release table does not know',
    change: (d) => (d.versions = { k3s: 'v1.35.99+k3s1' }),
    line: `${R}versions.k3s 'v1.35.99+k3s1' is not in the k3s release table (expected one of v1.35.5+k3s1,`,
  },
  {
    name: 'an unpinned zot version',
    change: (d) => (d.versions = { zot: 'latest' }),
    line: `${R}versions.zot 'latest' is a moving release channel, not a pinned version (expected e.g. v2.1.20)`,
  },
  {
    name: 'an unpinned gitea version',
    change: (d) => (d.versions = { gitea: '1.26' }),
    line: `${R}versions.gitea '1.26' names a release line, not a pinned version (expected e.g. 1.26.4)`,
  },
  {
    name: 'an unpinned gVisor version',
    change: (d) => (d.versions = { gvisor: 'latest' }),
    line: `${R}versions.gvisor 'latest' is a moving release channel, not a pinned version (expected e.g. 20260817.0)`,
  },
  {
    name: 'a pin the version table does not have',
    change: (d) => (d.versions = { traefik: 'v3.7.8' }),
    line: `${R}versions.traefik is not a known field (expected one of: k3s, certManager, gvisor, gitea, woodpecker, zot, rdevApi, httpd)`,
  },
  {
    name: 'an even number of servers',
    change: (d) => d.pools.ctrl.hosts.pop(),
    line: `${R}pools.ctrl.hosts ["ctrl-1","ctrl-2"] has 2 servers, an even number (expected an odd number of k3s servers (1, 3 or 5) for embedded etcd quorum)`,
  },
  {
    name: 'no server',
    change: (d) => (d.pools.ctrl.hosts = []),
    line: `${R}pools.ctrl.hosts [] has no hosts (expected at least one k3s server (1, 3 or 5))`,
  },
  {
    name: 'a missing ctrl pool',
    change: (d) => delete d.pools.ctrl,
    line: `${R}pools.ctrl is missing (expected k3s servers (embedded etcd): an odd number of hosts, at least one`,
  },
  {
    name: 'an unknown provider (lists the valid ones)',
    change: (d) => (d.pools.run.hosts[0].provider = 'aws'),
    line: `${R}pools.run.hosts[0].provider 'aws' is not a known provider (expected one of: hetzner-cloud, hetzner-robot, contabo)`,
  },
  {
    name: 'an empty pool',
    change: (d) => (d.pools.build.hosts = []),
    line: `${R}pools.build.hosts [] is an empty pool (expected at least one host, or no pool)`,
  },
  {
    name: 'a newline in a value',
    change: (d) => (d.platform.woodpecker.admins[0] = 'admin\n[security]'),
    line: `${R}platform.woodpecker.admins[0] 'admin\\n[security]' contains a line break (expected a single-line value without quotes, backslashes, $ or control characters)`,
  },
  {
    name: 'a quote in a value',
    change: (d) => (d.pools.run.vars = { motd: 'it"s' }),
    line: `${R}pools.run.vars.motd 'it"s' contains a quote (")`,
  },
  {
    name: 'a $ in a value',
    change: (d) => (d.pools.ops.hosts[0].vars = { disk: '$(reboot)' }),
    line: `${R}pools.ops.hosts[0].vars.disk '$(reboot)' contains a $`,
  },
  {
    name: 'a backslash in a value',
    change: (d) => (d.platform.gitea.database.user = 'gi\\tea'),
    line: `${R}platform.gitea.database.user 'gi\\\\tea' contains a backslash`,
  },
  {
    name: 'a control character in a value',
    change: (d) => (d.platform.woodpecker.admins[0] = 'adm\u0007in'),
    line: `${R}platform.woodpecker.admins[0] 'adm\\u0007in' contains the control character U+0007`,
  },
  {
    name: 'an unknown field',
    change: (d) => (d.platform.gitea.colour = 'green'),
    line: `${R}platform.gitea.colour is not a known field (expected one of: host, sshHost, sshPort, database, storageSize, defaultOrg)`,
  },
  {
    name: 'a misspelt field (suggests the right one)',
    change: (d) => {
      d.pools.run.hosts[0].privateIP = d.pools.run.hosts[0].privateIp;
      delete d.pools.run.hosts[0].privateIp;
    },
    line: `${R}pools.run.hosts[0].privateIP is not a known field`,
    issues: 2, // and privateIp is missing
  },
  {
    name: 'a missing required field',
    change: (d) => delete d.platform.acmeEmail,
    line: `${R}platform.acmeEmail is missing (expected Let's Encrypt account e-mail; e.g. ops@threesix.example)`,
  },
  {
    name: 'a value of the wrong type',
    change: (d) => (d.ssh.port = '22'),
    line: `${R}ssh.port '22' is a string (expected an integer)`,
  },
  {
    name: 'the latest image',
    change: (d) => (d.versions = { rdevApi: 'ghcr.io/orchard9/rdev-api:latest' }),
    line: `${R}versions.rdevApi 'ghcr.io/orchard9/rdev-api:latest' is pinned to the moving tag 'latest' (expected an image pinned by tag or digest`,
  },
  {
    name: 'an image without tag or digest',
    change: (d) => (d.versions = { rdevApi: 'ghcr.io/orchard9/rdev-api' }),
    line: `${R}versions.rdevApi 'ghcr.io/orchard9/rdev-api' has no tag or digest, which means latest`,
  },
  {
    name: 'a robot host without a vSwitch',
    change: (d) => delete d.network.vswitch,
    line: `${R}pools.run.hosts[0].provider 'hetzner-robot' needs a vSwitch but network.vswitch is not set`,
    issues: 3, // one per robot host
  },
  {
    name: 'a robot host outside the vSwitch subnet',
    change: (d) => (d.pools.ops.hosts[0].privateIp = '10.0.0.41'),
    line: `${R}pools.ops.hosts[0].privateIp '10.0.0.41' is outside the vSwitch subnet 10.0.1.0/24`,
  },
  {
    name: 'a cloud host inside the vSwitch subnet',
    change: (d) => (d.pools.build.hosts[0].privateIp = '10.0.1.31'),
    line: `${R}pools.build.hosts[0].privateIp '10.0.1.31' is inside the vSwitch subnet 10.0.1.0/24 but the host is hetzner-cloud`,
  },
  {
    name: 'a vSwitch subnet outside the private CIDR',
    change: (d) => (d.network.vswitch.cidr = '10.1.1.0/24'),
    line: `${R}network.vswitch.cidr '10.1.1.0/24' is not inside network.privateCidr 10.0.0.0/16`,
    issues: 5, // and the gateway and the three robot hosts are outside the moved subnet
  },
  {
    name: 'a vSwitch VLAN id Hetzner does not allow',
    change: (d) => (d.network.vswitch.vlanId = 12),
    line: `${R}network.vswitch.vlanId 12 is out of range (expected a number from 4000 to 4091;`,
  },
  {
    name: 'an MTU above what the vSwitch carries',
    change: (d) => (d.network.vswitch.mtu = 1500),
    line: `${R}network.vswitch.mtu 1500 is out of range (expected a number from 1280 to 1400;`,
  },
  {
    name: 'a port out of range',
    change: (d) => (d.pools.build.hosts[0].sshPort = 70000),
    line: `${R}pools.build.hosts[0].sshPort 70000 is out of range (expected a number from 1 to 65535;`,
  },
  {
    name: 'SSH from 0.0.0.0/0',
    change: (d) => (d.network.adminCidrs = ['0.0.0.0/0']),
    line: `${R}network.adminCidrs[0] '0.0.0.0/0' allows SSH from the whole internet (expected the addresses you administer from, e.g. 198.51.100.7/32)`,
  },
  {
    name: 'SSH from ::/0',
    change: (d) => (d.network.adminCidrs = ['198.51.100.0/28', '::/0']),
    line: `${R}network.adminCidrs[1] '::/0' allows SSH from the whole internet`,
  },
  {
    name: 'an admin address without a prefix',
    change: (d) => (d.network.adminCidrs = ['198.51.100.7']),
    line: `${R}network.adminCidrs[0] '198.51.100.7' is an address, not a CIDR`,
  },
  {
    name: 'an invalid label key',
    change: (d) => (d.pools.ops.labels = { 'platform/-bad-': 'x' }),
    line: `${R}pools.ops.labels['platform/-bad-'] is not a Kubernetes label key`,
  },
  {
    name: 'a label a kubelet may not set',
    change: (d) => (d.pools.ops.labels = { 'node-role.kubernetes.io/ops': 'true' }),
    line: `${R}pools.ops.labels['node-role.kubernetes.io/ops'] is in the kubernetes.io/k8s.io namespace, which a kubelet may not set on its own node`,
  },
  {
    name: 'an invalid label value',
    change: (d) => (d.pools.ops.hosts[0].labels = { 'platform/disk': 'raid 1' }),
    line: `${R}pools.ops.hosts[0].labels['platform/disk'] 'raid 1' is not a Kubernetes label value`,
  },
  {
    name: 'an invalid taint key',
    change: (d) => (d.pools.run.taints[0].key = 'platform/run/x'),
    line: `${R}pools.run.taints[0].key 'platform/run/x' has more than one /, not a Kubernetes label key`,
  },
  {
    name: 'the pool label set by hand',
    change: (d) => (d.pools.ops.labels = { 'node.platform/pool': 'run' }),
    line: `${R}pools.ops.labels['node.platform/pool'] 'run' sets node.platform/pool, which is added automatically`,
  },
  {
    name: 'two platform services on one host name',
    change: (d) => (d.platform.zot = { host: 'git.threesix.example' }),
    line: `${R}platform.zot.host 'git.threesix.example' is also the host of platform.gitea.host`,
  },
  {
    name: 'an invalid ACME e-mail',
    change: (d) => (d.platform.acmeEmail = 'ops-at-threesix.example'),
    line: `${R}platform.acmeEmail 'ops-at-threesix.example' is not an e-mail address (expected e.g. ops@threesix.example)`,
  },
  {
    name: 'no storage class',
    change: (d) => (d.platform.storageClasses = []),
    line: `${R}platform.storageClasses [] is empty (expected at least one storage class`,
  },
  {
    name: 'a size that is not a Kubernetes quantity',
    change: (d) => (d.platform.zot = { storageSize: '50GB' }),
    line: `${R}platform.zot.storageSize '50GB' is not a Kubernetes quantity (units are Ki, Mi, Gi, Ti or k, M, G, T)`,
  },
  {
    name: 'an unknown database type',
    change: (d) => (d.platform.gitea.database = { type: 'mysql' }),
    line: `${R}platform.gitea.database.type 'mysql' is not a known type (expected one of: sqlite3, postgres)`,
  },
  {
    name: 'a postgres host without a port',
    change: (d) => (d.platform.gitea.database.host = 'postgres.databases'),
    line: `${R}platform.gitea.database.host 'postgres.databases' is not host:port`,
  },
  {
    name: 'the platform namespace reused for tenants',
    change: (d) => (d.platform.projectsNamespace = 'platform'),
    line: `${R}platform.projectsNamespace 'platform' is the same as platform.namespace`,
  },
  {
    name: 'a reserved namespace',
    change: (d) => (d.platform.namespace = 'kube-system'),
    line: `${R}platform.namespace 'kube-system' is a namespace Kubernetes reserves`,
  },
  {
    name: 'a malformed bastion',
    change: (d) => (d.ssh.bastion = 'deploy@@bastion'),
    line: `${R}ssh.bastion 'deploy@@bastion' is not a jump host`,
  },
];

describe('region rules', () => {
  it.each(cases)('rejects $name', ({ change, line, base, issues = 1 }) => {
    const error = rejection(variant(change, base));
    const lines = issueLines(error);
    expect(lines.some((l) => l.startsWith(line)), `no line starts with:\n${line}\ngot:\n${lines.join('\n')}`).toBe(true);
    // the change under test is the only problem
    expect(error.issues).toHaveLength(issues);
  });

  it('accepts both shipped regions unchanged', () => {
    expect(() => resolveRegion(variant(() => {}), 'regions/eu-central-1.ts')).not.toThrow();
    expect(() => resolveRegion(variant(() => {}, 'us-east-1'), 'regions/us-east-1.ts')).not.toThrow();
  });

  it('reports several issues together, schema and rules in one error', () => {
    const error = rejection(
      variant((d) => {
        d.pools.run.hosts[1].name = 'run-1';
        d.versions = { k3s: 'latest' };
        d.platform.gitea.colour = 'green';
        d.network.adminCidrs = ['0.0.0.0/0'];
        d.pools.build.hosts = [];
      }),
    );
    expect(error.issues.map((i) => i.path).sort()).toEqual(
      ['versions.k3s', 'network.adminCidrs[0]', 'platform.gitea.colour', 'pools.build.hosts', 'pools.run.hosts[1].name'].sort(),
    );
    expect(error.message.split('\n')[0]).toBe("region 'eu-central-1' (regions/eu-central-1.ts) is invalid, 5 issues:");
    expect(issueLines(error)).toHaveLength(5);
  });

  it('carries each issue as data: region, path, value, expected, fix', () => {
    const error = rejection(variant((d) => (d.network.adminCidrs = ['0.0.0.0/0'])));
    expect(error.issues[0]).toMatchObject({
      region: 'eu-central-1',
      path: 'network.adminCidrs[0]',
      value: '0.0.0.0/0',
      expected: 'the addresses you administer from, e.g. 198.51.100.7/32',
    });
    expect(error.issues[0]?.fix).toMatch(/ssh\.bastion/);
    expect(error.message).toContain('\n  fix: list your office or VPN egress ranges');
  });

  it('renders the documented message shape', () => {
    expect(
      formatIssue({
        region: 'eu-central-1',
        path: 'pools.run.hosts[2].privateIp',
        value: '10.0.0',
        problem: 'is not an IPv4 address',
        expected: 'e.g. 10.0.1.12',
      }),
    ).toBe("region 'eu-central-1': pools.run.hosts[2].privateIp '10.0.0' is not an IPv4 address (expected e.g. 10.0.1.12)");
  });

  it('allows quotes in the free-text description but not a line break', () => {
    expect(() => resolveRegion(variant((d) => (d.description = "Jordan's test region ($5 box)")), 'x')).not.toThrow();
    const error = rejection(variant((d) => (d.description = 'two\nlines')));
    expect(issueLines(error)[0]).toBe(
      `${R}description 'two\\nlines' contains a line break (expected one line of text without control characters)`,
    );
  });

  it('refuses a definition that is not an object', () => {
    const error = rejection(42, 'regions/x.ts');
    expect(error.message).toContain("region 'regions/x.ts': 'number' is not a region definition");
  });

  it('names the source when the region name itself is unusable', () => {
    const error = rejection(variant((d) => (d.name = 'EU central')), 'regions/eu-central.ts');
    expect(issueLines(error)[0]).toMatch(/^region 'regions\/eu-central.ts': name 'EU central' /);
  });

  it('refuses a name that differs from the file name', () => {
    try {
      resolveRegion(variant(() => {}), 'regions/eu-west-1.ts', { expectedName: 'eu-west-1' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RegionValidationError);
      expect((error as Error).message).toContain(
        "region 'eu-west-1': name 'eu-central-1' does not match the file name (eu-west-1) (expected 'eu-west-1')",
      );
    }
  });

  it('shortens very long values in messages', () => {
    const error = rejection(variant((d) => (d.platform.gitea.defaultOrg = `a${'"'.repeat(200)}`)));
    expect(issueLines(error)[0]?.length).toBeLessThan(300);
  });
});

describe('robustness', () => {
  /** Every path to a value inside a definition. */
  function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
    if (typeof value !== 'object' || value === null) return [prefix];
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
    return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
  }

  it('answers any wrong value anywhere with a RegionValidationError, never a crash', () => {
    const garbage: unknown[] = [null, 0, -1, 1.5, '', 'x', '10.0.0.0/8', [], [null], {}, { hosts: [] }, true];
    const all = paths(variant(() => {})).filter((p) => p.length > 0);
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let rejected = 0;
    for (let round = 0; round < 400; round++) {
      const d = variant(() => {});
      for (let k = 0; k < 1 + random(3); k++) {
        const path = all[random(all.length)]!;
        let parent: Mutable = d;
        for (const key of path.slice(0, -1)) parent = parent?.[key];
        if (parent && typeof parent === 'object') parent[path[path.length - 1]!] = structuredClone(garbage[random(garbage.length)]);
      }
      try {
        resolveRegion(d, 'fuzz');
      } catch (error) {
        expect(error, `round ${round}: ${(error as Error).stack}`).toBeInstanceOf(RegionValidationError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(300);
  });
});
