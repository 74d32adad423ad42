/**
 * platform.rdevApi.database: what the region rules refuse (regions/rules-database.ts) and accept. The egress rule of
 * rdev-api's NetworkPolicy must allow exactly the database, so the region must say where it is in a form a policy
 * can express, with addresses a pod's traffic really reaches, and no password crosses the internet unverified.
 */
import { describe, expect, it } from 'vitest';
import { resolveRegion } from '../../regions/load';
import { composeRegion } from '../../regions/compose';
import { issueLines, rejection, variant, type Mutable } from './support';

const R = "region 'eu-central-1': ";
const U = "region 'us-east-1': ";
const DB = 'platform.rdevApi.database';

interface Case {
  readonly name: string;
  readonly change: (db: Mutable, d: Mutable) => void;
  readonly line: string;
  readonly base?: 'eu-central-1' | 'us-east-1';
  readonly fix?: RegExp;
}

const cases: Case[] = [
  {
    name: 'an in-cluster Service without the labels of its pods',
    change: (db) => delete db.podLabels,
    line: `${R}${DB}.podLabels is missing, and host postgres.databases.svc.cluster.local:5432 is an in-cluster Service`,
    fix: /kubectl -n databases get service postgres -o jsonpath='\{\.spec\.selector\}'/,
  },
  {
    name: 'empty pod labels (every pod of the namespace)',
    change: (db) => (db.podLabels = {}),
    line: `${R}${DB}.podLabels {} is empty, which would select every pod of the namespace`,
  },
  {
    name: 'a pod label key Kubernetes refuses',
    change: (db) => (db.podLabels = { 'app name': 'postgres' }),
    line: `${R}${DB}.podLabels['app name'] 'app name' is not a Kubernetes label key`,
  },
  {
    name: 'a Service in the platform namespace',
    change: (db) => (db.host = 'postgres.platform.svc.cluster.local:5432'),
    line: `${R}${DB}.host 'postgres.platform.svc.cluster.local:5432' is a Service in the platform namespace 'platform'`,
  },
  {
    name: 'a Service in a tenant project namespace',
    change: (db) => (db.host = 'postgres.projects-acme-shop.svc:5432'),
    line: `${R}${DB}.host 'postgres.projects-acme-shop.svc:5432' is in namespace 'projects-acme-shop', where rdev-api creates tenant projects`,
  },
  {
    name: 'a Service in kube-system',
    change: (db) => (db.host = 'postgres.kube-system.svc.cluster.local:5432'),
    line: `${R}${DB}.host 'postgres.kube-system.svc.cluster.local:5432' is in namespace 'kube-system', which belongs to Kubernetes`,
  },
  {
    name: "a pod's own cluster DNS name",
    change: (db) => (db.host = 'postgres-0.postgres.databases.svc.cluster.local:5432'),
    line: `${R}${DB}.host 'postgres-0.postgres.databases.svc.cluster.local:5432' is a cluster DNS name but not a Service name`,
  },
  {
    name: 'no port',
    change: (db) => (db.host = 'postgres.databases.svc.cluster.local'),
    line: `${R}${DB}.host 'postgres.databases.svc.cluster.local' is not host:port`,
  },
  {
    name: 'podPort equal to the Service port',
    change: (db) => (db.podPort = 5432),
    line: `${R}${DB}.podPort 5432 is the Service port already`,
  },
  {
    name: 'a ClusterIP (kube-proxy rewrites it before the policy sees it)',
    change: (db) => {
      delete db.podLabels;
      db.host = '10.43.12.7:5432';
    },
    line: `${R}${DB}.host '10.43.12.7:5432' is inside network.serviceCidr 10.43.0.0/16: a ClusterIP`,
  },
  {
    name: 'a pod address',
    change: (db) => {
      delete db.podLabels;
      db.host = '10.42.3.9:5432';
    },
    line: `${R}${DB}.host '10.42.3.9:5432' is inside network.clusterCidr 10.42.0.0/16: a pod address`,
  },
  {
    name: "one of the region's own hosts",
    change: (db) => {
      delete db.podLabels;
      db.host = '10.0.1.41:5432';
    },
    line: `${R}${DB}.host '10.0.1.41:5432' is host ops-1's privateIp, a machine of this region`,
  },
  {
    name: 'the metadata service',
    change: (db) => {
      delete db.podLabels;
      db.host = '169.254.169.254:5432';
    },
    line: `${R}${DB}.host '169.254.169.254:5432' is the cloud metadata service address`,
  },
  {
    name: 'pod labels for an address',
    change: (db) => (db.host = '10.0.2.50:5432'),
    line: `${R}${DB}.podLabels {"app.kubernetes.io/name":"postgresql","app.kubernetes.io/instance":"postgres"} is only for an in-cluster Service, and host 10.0.2.50:5432 is not one`,
  },
  {
    name: 'a public address without TLS',
    change: (db) => {
      delete db.podLabels;
      db.host = '198.51.100.50:5432';
    },
    line: `${R}${DB}.sslMode 'disable' sends the password and every query unencrypted across the internet to the public address 198.51.100.50:5432`,
  },
  {
    name: 'a public address with TLS but no certificate check',
    change: (db) => {
      delete db.podLabels;
      db.host = '[2001:db8::50]:5432';
      db.sslMode = 'require';
    },
    line: `${R}${DB}.sslMode 'require' encrypts but accepts any server certificate, so a man in the middle reads the password across the internet to the public address [2001:db8::50]:5432`,
  },
  {
    name: 'an outside DNS name resolving to public addresses, without TLS (one issue for all of them)',
    change: (db) => {
      delete db.podLabels;
      db.host = 'db.example.com:5432';
      db.addresses = ['198.51.100.50', '198.51.100.51', '10.0.2.50'];
    },
    line: `${R}${DB}.sslMode 'disable' sends the password and every query unencrypted across the internet to the public address 198.51.100.50, 198.51.100.51`,
  },
  {
    name: 'an outside DNS name without its addresses',
    change: (db) => {
      delete db.podLabels;
      db.host = 'db.example.com:5432';
      db.sslMode = 'verify-full';
    },
    line: `${R}${DB}.addresses is missing, and host db.example.com:5432 is a DNS name outside the cluster`,
    fix: /a NetworkPolicy cannot allow a DNS name/,
  },
  {
    name: 'an outside address list with a range',
    change: (db) => {
      delete db.podLabels;
      db.host = 'db.example.com:5432';
      db.sslMode = 'verify-full';
      db.addresses = ['198.51.100.0/24'];
    },
    line: `${R}${DB}.addresses[0] '198.51.100.0/24' is not an IP address`,
  },
  {
    name: 'addresses for an in-cluster Service',
    change: (db) => (db.addresses = ['10.0.2.50']),
    line: `${R}${DB}.addresses ["10.0.2.50"] is only for a DNS name outside the cluster, and host postgres.databases.svc.cluster.local:5432 is in the cluster`,
  },
  {
    name: 'an sslmode the Go drivers do not all accept (schema)',
    change: (db) => (db.sslMode = 'prefer'),
    line: `${R}${DB}.sslMode 'prefer'`,
  },
  {
    name: 'no database at all (schema)',
    change: (_db, d) => delete d.platform.rdevApi.database,
    line: `${R}platform.rdevApi`,
  },
];

describe('platform.rdevApi.database rules', () => {
  it.each(cases)('rejects $name', ({ change, line, base, fix }) => {
    const error = rejection(variant((d) => change(d.platform.rdevApi.database, d), base));
    const lines = issueLines(error);
    expect(lines.some((l) => l.startsWith(line)), `no line starts with:\n${line}\ngot:\n${lines.join('\n')}`).toBe(true);
    expect(error.issues).toHaveLength(1);
    if (fix) expect(error.message).toMatch(fix);
  });

  it('accepts a private address, an outside name with its addresses, a public address with verify-full, and IPv6', () => {
    const ok = (change: (db: Mutable) => void, base: 'eu-central-1' | 'us-east-1' = 'eu-central-1'): void => {
      expect(() => resolveRegion(variant((d) => change(d.platform.rdevApi.database), base), `regions/${base}.ts`)).not.toThrow();
    };
    ok(() => {}, 'us-east-1'); // 10.0.0.50:5432 on the private network, sslmode require
    ok((db) => {
      delete db.podLabels;
      db.host = 'db.example.com:5432';
      db.sslMode = 'verify-full';
      db.addresses = ['198.51.100.50', '2001:db8::50'];
    });
    ok((db) => {
      delete db.podLabels;
      db.host = '198.51.100.50:5432';
      db.sslMode = 'verify-ca';
    });
    ok((db) => {
      delete db.podLabels;
      db.host = '[fd00::50]:5432';
    });
    ok((db) => (db.podPort = 5433));
  });

  it("composes rdev-api's egress rule from the region: pods of the Service on their port, or each address as a /32 or /128", () => {
    const policyOf = (base: 'eu-central-1' | 'us-east-1', change: (db: Mutable) => void = () => {}): Mutable => {
      const region = resolveRegion(variant((d) => change(d.platform.rdevApi.database), base), `regions/${base}.ts`);
      const policies = composeRegion(region).components.find((c) => c.file === '40-network-policies.yaml')!.chart.toJson();
      return policies.find((p: Mutable) => p.metadata.name === 'rdev-api').spec.egress.at(-1);
    };
    expect(policyOf('eu-central-1', (db) => (db.podPort = 6543))).toEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'databases' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'postgresql', 'app.kubernetes.io/instance': 'postgres' } },
        },
      ],
      ports: [{ protocol: 'TCP', port: 6543 }],
    });
    expect(policyOf('us-east-1')).toEqual({ to: [{ ipBlock: { cidr: '10.0.0.50/32' } }], ports: [{ protocol: 'TCP', port: 5432 }] });
    expect(
      policyOf('eu-central-1', (db) => {
        delete db.podLabels;
        db.host = 'db.example.com:6432';
        db.sslMode = 'verify-full';
        db.addresses = ['198.51.100.50', '2001:DB8:0::50'];
      }),
    ).toEqual({ to: [{ ipBlock: { cidr: '198.51.100.50/32' } }, { ipBlock: { cidr: '2001:db8::50/128' } }], ports: [{ protocol: 'TCP', port: 6432 }] });
  });

  it('us-east-1 is checked too', () => {
    const error = rejection(variant((d) => (d.platform.rdevApi.database.host = '10.0.0.11:5432'), 'us-east-1'), 'regions/us-east-1.ts');
    expect(issueLines(error)[0]).toMatch(new RegExp(`^${U}${DB.replace(/\./g, '\\.')}\\.host '10\\.0\\.0\\.11:5432' is host ctrl-1's privateIp`));
  });
});

describe('platform.gitea.database rules (the same shapes as rdev-api, when Gitea runs on PostgreSQL)', () => {
  const G = 'platform.gitea.database';
  const reject = (change: (db: Mutable) => void): string[] => issueLines(rejection(variant((d) => change(d.platform.gitea.database))));
  it('refuses an in-cluster Service without its pod labels (the egress rule would open the whole namespace)', () => {
    expect(reject((db) => delete db.podLabels)).toEqual([expect.stringMatching(new RegExp(`^${R}${G.replace(/\./g, '\\.')}\\.podLabels is missing, and host postgres\\.databases\\.svc\\.cluster\\.local:5432 is an in-cluster Service`))]);
  });
  it('refuses a DNS name outside the cluster without its addresses (no egress to anywhere)', () => {
    expect(reject((db) => { delete db.podLabels; db.host = 'db.example.com:5432'; })[0]).toMatch(new RegExp(`^${R}${G.replace(/\./g, '\\.')}\\.addresses is missing`));
  });
  it("refuses Gitea's default sslmode (disable) towards a public address, naming Gitea", () => {
    const lines = reject((db) => { delete db.podLabels; db.host = '198.51.100.50:5432'; });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${R}${G.replace(/\./g, '\\.')}\\.sslMode .*sends the password and every query unencrypted`));
    expect(rejection(variant((d) => { delete d.platform.gitea.database.podLabels; d.platform.gitea.database.host = '198.51.100.50:5432'; })).message).toMatch(/CA the Gitea image trusts/);
  });
  it('accepts the shipped region, a private address, and sqlite without any of it; composes the exact egress rule', () => {
    expect(() => resolveRegion(variant(() => {}), 'regions/eu-central-1.ts')).not.toThrow();
    const region = resolveRegion(variant((d) => { delete d.platform.gitea.database.podLabels; d.platform.gitea.database.host = '10.0.2.60:5432'; }), 'regions/eu-central-1.ts');
    const policies = composeRegion(region).components.flatMap((c) => c.chart.toJson()).filter((o: any) => o.kind === 'NetworkPolicy' && o.metadata.name === 'gitea');
    expect(JSON.stringify(policies[0].spec.egress)).toContain('"cidr":"10.0.2.60/32"');
    expect(JSON.stringify(policies[0].spec.egress)).not.toContain('"ports":[{"port":5432,"protocol":"TCP"}]}'); // never a bare port (anywhere)
    expect(() => resolveRegion(variant(() => {}, 'us-east-1'), 'regions/us-east-1.ts')).not.toThrow(); // sqlite3
  });
});
