/**
 * us-east-1: Contabo, St. Louis. Contabo VPS machines joined by Contabo's private network.
 * Smaller than eu-central-1: one k3s server, sqlite-backed Gitea.
 *
 * Contabo's private network is not ours to number: Contabo assigns it (at most a /22) and each VPS's address in it,
 * and shows both in the customer panel; privateCidr and every privateIp below are copied from there. A VPS gets its
 * private NIC only after a restart from the panel once it was added to the network (the network playbook says so
 * when the NIC is missing). First contact is as root with the key chosen at order time (`first-contact`); every
 * later run logs in as deploy.
 *
 * Public addresses are documentation ranges (RFC 5737); no credentials live here.
 */
import { defineRegion } from './types';

export default defineRegion({
  name: 'us-east-1',
  description: 'Contabo St. Louis (VPS, private network)',
  ssh: { user: 'deploy', initialUser: 'root', port: 22 },
  network: {
    privateCidr: '10.0.0.0/22',
    clusterCidr: '10.52.0.0/16',
    serviceCidr: '10.53.0.0/16',
    adminCidrs: ['198.51.100.0/28'],
    loadBalancerIps: ['192.0.2.10'],
    cloudflareCidrs: [
      '173.245.48.0/20', '103.21.244.0/22', '103.22.200.0/22', '103.31.4.0/22', '141.101.64.0/18',
      '108.162.192.0/18', '190.93.240.0/20', '188.114.96.0/20', '197.234.240.0/22', '198.41.128.0/17',
      '162.158.0.0/15', '104.16.0.0/13', '104.24.0.0/14', '172.64.0.0/13', '131.0.72.0/22',
    ],
  },
  // releases: the version table (regions/versions.ts); add `versions: { ... }` here only to differ from it
  k3s: { flannelBackend: 'wireguard-native' },
  pools: {
    ctrl: {
      hosts: [{ name: 'ctrl-1', provider: 'contabo', publicIp: '192.0.2.11', privateIp: '10.0.0.11' }],
    },
    run: {
      taints: [{ key: 'platform/run', value: 'gvisor', effect: 'NoSchedule' }],
      hosts: [
        { name: 'run-1', provider: 'contabo', publicIp: '192.0.2.21', privateIp: '10.0.0.21' },
        { name: 'run-2', provider: 'contabo', publicIp: '192.0.2.22', privateIp: '10.0.0.22' },
      ],
    },
    build: {
      hosts: [{ name: 'build-1', provider: 'contabo', publicIp: '192.0.2.31', privateIp: '10.0.0.31' }],
    },
    ops: {
      hosts: [{ name: 'ops-1', provider: 'contabo', publicIp: '192.0.2.41', privateIp: '10.0.0.41' }],
    },
  },
  platform: {
    domain: 'threesix-us.example',
    acmeEmail: 'ops@threesix.example',
    storageClasses: ['local-path'],
    gitea: { database: { type: 'sqlite3' }, defaultOrg: 'threesix' },
    zot: { storageSize: '30Gi' },
    woodpecker: { admins: ['platform-admin'], agentReplicas: 1 },
    rdevApi: {
      replicas: 1,
      // a PostgreSQL VPS on Contabo's private network, outside the k3s pools; it must admit the nodes' private
      // addresses (pod traffic leaves the cluster with its node's address)
      database: { host: '10.0.0.50:5432', name: 'rdev', user: 'rdev', sslMode: 'require' },
    },
  },
});
