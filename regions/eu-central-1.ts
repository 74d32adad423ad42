/**
 * eu-central-1: Hetzner, Falkenstein. Cloud machines for the control plane and builds, dedicated
 * (Robot) machines for tenant workloads and the stateful ops node, joined by a vSwitch (VLAN 4000)
 * to the Hetzner Cloud network.
 *
 * Public addresses are documentation ranges (RFC 5737); no credentials live here.
 */
import { defineRegion } from './types';

export default defineRegion({
  name: 'eu-central-1',
  description: 'Hetzner Falkenstein (Cloud + dedicated via vSwitch)',
  // first contact as root with the key chosen at order time (`first-contact`); every later run as deploy
  ssh: { user: 'deploy', initialUser: 'root', port: 22 },
  network: {
    privateCidr: '10.0.0.0/16',
    vswitch: { vlanId: 4000, cidr: '10.0.1.0/24', gateway: '10.0.1.1', mtu: 1400 },
    clusterCidr: '10.42.0.0/16',
    serviceCidr: '10.43.0.0/16',
    adminCidrs: ['198.51.100.0/28'],
    loadBalancerIps: ['203.0.113.10'],
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
      taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
      hosts: [
        { name: 'ctrl-1', provider: 'hetzner-cloud', publicIp: '203.0.113.11', privateIp: '10.0.0.11' },
        { name: 'ctrl-2', provider: 'hetzner-cloud', publicIp: '203.0.113.12', privateIp: '10.0.0.12' },
        { name: 'ctrl-3', provider: 'hetzner-cloud', publicIp: '203.0.113.13', privateIp: '10.0.0.13' },
      ],
    },
    run: {
      taints: [{ key: 'platform/run', value: 'gvisor', effect: 'NoSchedule' }],
      hosts: [
        { name: 'run-1', provider: 'hetzner-robot', publicIp: '203.0.113.21', privateIp: '10.0.1.21' },
        { name: 'run-2', provider: 'hetzner-robot', publicIp: '203.0.113.22', privateIp: '10.0.1.22' },
      ],
    },
    build: {
      taints: [{ key: 'platform/build', value: 'ci', effect: 'NoSchedule' }],
      hosts: [{ name: 'build-1', provider: 'hetzner-cloud', publicIp: '203.0.113.31', privateIp: '10.0.0.31' }],
    },
    ops: {
      labels: { 'platform/storage': 'raid1' },
      hosts: [{ name: 'ops-1', provider: 'hetzner-robot', publicIp: '203.0.113.41', privateIp: '10.0.1.41' }],
    },
  },
  platform: {
    domain: 'threesix.example',
    acmeEmail: 'ops@threesix.example',
    storageClasses: ['local-path'],
    gitea: {
      // Gitea's egress reaches exactly these pods (the Service's selector), not the whole namespace
      database: { type: 'postgres', host: 'postgres.databases.svc.cluster.local:5432', podLabels: { 'app.kubernetes.io/name': 'postgresql', 'app.kubernetes.io/instance': 'postgres' }, name: 'gitea', user: 'gitea' },
      defaultOrg: 'threesix',
    },
    zot: {},
    woodpecker: { admins: ['platform-admin'], agentReplicas: 2 },
    rdevApi: {
      // rdev-api's queue, audit log and credentials; DATABASE_URL itself is the supplied Secret rdev-api-database
      database: {
        host: 'postgres.databases.svc.cluster.local:5432',
        podLabels: { 'app.kubernetes.io/name': 'postgresql', 'app.kubernetes.io/instance': 'postgres' },
        name: 'rdev',
        user: 'rdev',
        // in-cluster, and pod traffic between nodes is encrypted by flannel's wireguard-native backend
        sslMode: 'disable',
      },
      // the ghcr.io package is private: pulled with the supplied read-only token in Secret rdev-api-pull
      privateImage: true,
    },
  },
});
