import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { checkDnsLabel, checkNotEmpty, checkPort, fail } from './construct-error';
import { appLabels } from './labels';
import {
  DNS_PORTS,
  ipPeers,
  KUBE_DNS_PEER,
  namespacePeer,
  podsHere,
  podsInNamespace,
  publicInternetPeers,
  tcp,
  TRAEFIK_PEER,
} from './network-peers';

/** Pods of one platform app and the port they serve. */
export interface AppEndpoint {
  readonly podLabels: Readonly<Record<string, string>>;
  readonly port: number;
}

/**
 * A platform database (Gitea's, rdev-api's), exactly: the pods behind an in-cluster Service (namespace + their labels, on the port the pods
 * listen on: the policy sees the connection after kube-proxy's DNAT) or fixed addresses (each a /32 or /128).
 */
export type DatabaseEndpoint =
  | { readonly kind: 'pods'; readonly namespace: string; readonly podLabels: Readonly<Record<string, string>>; readonly port: number }
  | { readonly kind: 'addresses'; readonly addresses: readonly string[]; readonly port: number };

/** ACME HTTP-01 solver pods cert-manager creates next to a Certificate. */
export const ACME_SOLVER_LABELS: Readonly<Record<string, string>> = { 'acme.cert-manager.io/http01-solver': 'true' };
export const ACME_SOLVER_PORT = 8089;

export interface PlatformNetworkPoliciesProps {
  readonly namespace: string;
  /** Namespace of Woodpecker's pipeline pods. */
  readonly buildsNamespace: string;
  readonly version: string;
  readonly gitea: AppEndpoint & { readonly sshPort: number };
  /** Gitea's PostgreSQL, when it has one: its egress (and the users Job's) allows exactly this. @default none (sqlite) */
  readonly giteaDatabase?: DatabaseEndpoint;
  /** The pods of Gitea's users Job: they reach Gitea's HTTP port (and its database, with one). @default no Job */
  readonly giteaUsersJob?: { readonly podLabels: Readonly<Record<string, string>> };
  readonly zot: AppEndpoint;
  /** Node addresses that pull images from zot (containerd on the nodes). */
  readonly zotPullCidrs: readonly string[];
  readonly woodpeckerServer: AppEndpoint & { readonly grpcPort: number };
  readonly woodpeckerAgent: { readonly podLabels: Readonly<Record<string, string>> };
  readonly rdevApi: AppEndpoint;
  /** rdev-api's PostgreSQL: its egress allows exactly this, nothing wider. */
  readonly rdevApiDatabase: DatabaseEndpoint;
  /** The `kubernetes` Service address (first address of the service CIDR), reached on 443. */
  readonly apiServiceIp: string;
  /** The API servers' own addresses (ctrl nodes' private IPs), reached on 6443 after DNAT. */
  readonly apiServerIps: readonly string[];
  /** Public addresses denied even where internet egress is allowed (the region's nodes). */
  readonly extraDeniedCidrs?: readonly string[];
}

/**
 * The platform's own flows, default deny everywhere else, in the platform and builds namespaces.
 *
 *  from                      to                              port
 *  Traefik (kube-system)     gitea, zot, woodpecker, rdev    their HTTP ports
 *  anywhere (LoadBalancer)   gitea                           SSH (2222)
 *  gitea                     woodpecker-server               HTTP (webhooks)
 *  woodpecker-agent          woodpecker-server               gRPC
 *  woodpecker-server         gitea                           HTTP; public internet 443 (Gitea's public URL)
 *  rdev-api                  gitea, woodpecker-server, zot   HTTP; API server; public internet 443 (Cloudflare)
 *  rdev-api                  its PostgreSQL (pods or addresses) the database port, nothing wider
 *  woodpecker-agent          API server                      443 / 6443
 *  builds namespace          zot                             5000 (push images)
 *  nodes (containerd)        zot                             5000 (pull images)
 *  gitea                     its external database           database port
 *  gitea-users Job           gitea; Gitea's database         HTTP (health, org API); database port
 *  every platform pod        kube-dns                        53 UDP/TCP
 *  Traefik                   ACME HTTP-01 solver pods        8089
 * Pipelines (builds namespace): same namespace, DNS, public internet, zot; never the API or the platform.
 */
export class PlatformNetworkPolicies extends Construct {
  readonly policies: k8s.KubeNetworkPolicy[] = [];

  constructor(scope: Construct, id: string, props: PlatformNetworkPoliciesProps) {
    super(scope, id);
    const where = `PlatformNetworkPolicies '${id}'`;
    checkDnsLabel(where, 'namespace', props.namespace);
    checkDnsLabel(where, 'buildsNamespace', props.buildsNamespace);
    for (const [field, port] of [
      ['gitea.port', props.gitea.port],
      ['gitea.sshPort', props.gitea.sshPort],
      ['zot.port', props.zot.port],
      ['woodpeckerServer.port', props.woodpeckerServer.port],
      ['woodpeckerServer.grpcPort', props.woodpeckerServer.grpcPort],
      ['rdevApi.port', props.rdevApi.port],
    ] as const) {
      checkPort(where, field, port);
    }
    if (!/^[0-9.]+$/.test(props.apiServiceIp) && !props.apiServiceIp.includes(':')) {
      fail(where, 'apiServiceIp', props.apiServiceIp, 'is not an IP address', "the first address of the service CIDR, e.g. '10.43.0.1'", 'derive it from the region network.serviceCidr');
    }
    checkNotEmpty(where, 'apiServerIps', props.apiServerIps, "the ctrl nodes' private IPs, e.g. ['10.0.0.11']");
    checkDatabaseEndpoint(where, 'rdevApiDatabase', props.rdevApiDatabase);
    if (props.giteaDatabase) checkDatabaseEndpoint(where, 'giteaDatabase', props.giteaDatabase);

    const ns = props.namespace;
    const builds = props.buildsNamespace;
    const labels = appLabels({ name: 'platform-network-policy', component: 'network-policy', version: props.version });
    const internet = publicInternetPeers(props.extraDeniedCidrs ?? []);
    const apiServer: k8s.NetworkPolicyEgressRule[] = [
      { to: ipPeers([hostCidr(props.apiServiceIp)]), ports: [tcp(443)] },
      { to: ipPeers(props.apiServerIps.map(hostCidr)), ports: [tcp(6443)] },
    ];
    const policy = (cid: string, name: string, namespace: string, spec: k8s.NetworkPolicySpec): void => {
      this.policies.push(new k8s.KubeNetworkPolicy(this, cid, { metadata: { name, namespace, labels }, spec }));
    };
    const { gitea, zot, woodpeckerServer: server, woodpeckerAgent: agent, rdevApi: rdev } = props;

    // ----------------------------------------------------------------- platform namespace
    policy('PlatformDefaultDeny', 'default-deny-all', ns, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    policy('PlatformDns', 'allow-egress-dns', ns, { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [KUBE_DNS_PEER], ports: [...DNS_PORTS] }] });

    const giteaEgress: k8s.NetworkPolicyEgressRule[] = [{ to: [podsHere(server.podLabels)], ports: [tcp(server.port)] }];
    if (props.giteaDatabase) giteaEgress.push(databaseEndpointRule(props.giteaDatabase));
    const usersJob = props.giteaUsersJob;
    policy('Gitea', 'gitea', ns, {
      podSelector: { matchLabels: { ...gitea.podLabels } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        { from: [TRAEFIK_PEER, podsHere(rdev.podLabels), podsHere(server.podLabels), ...(usersJob ? [podsHere(usersJob.podLabels)] : [])], ports: [tcp(gitea.port)] },
        // SSH through the LoadBalancer Service: any source.
        { ports: [tcp(gitea.sshPort)] },
      ],
      egress: giteaEgress,
    });

    if (usersJob) {
      // the Job runs `gitea admin` against the database itself and waits on / calls Gitea's HTTP API
      policy('GiteaUsers', 'gitea-users', ns, {
        podSelector: { matchLabels: { ...usersJob.podLabels } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [],
        egress: [{ to: [podsHere(gitea.podLabels)], ports: [tcp(gitea.port)] }, ...(props.giteaDatabase ? [databaseEndpointRule(props.giteaDatabase)] : [])],
      });
    }

    policy('Zot', 'zot', ns, {
      podSelector: { matchLabels: { ...zot.podLabels } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        { from: [TRAEFIK_PEER, podsHere(rdev.podLabels), namespacePeer(builds), ...ipPeers(props.zotPullCidrs)], ports: [tcp(zot.port)] },
      ],
      egress: [],
    });

    policy('WoodpeckerServer', 'woodpecker-server', ns, {
      podSelector: { matchLabels: { ...server.podLabels } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        { from: [TRAEFIK_PEER, podsHere(gitea.podLabels), podsHere(rdev.podLabels)], ports: [tcp(server.port)] },
        { from: [podsHere(agent.podLabels)], ports: [tcp(server.grpcPort)] },
      ],
      egress: [
        { to: [podsHere(gitea.podLabels)], ports: [tcp(gitea.port)] },
        { to: internet, ports: [tcp(443)] },
      ],
    });

    policy('WoodpeckerAgent', 'woodpecker-agent', ns, {
      podSelector: { matchLabels: { ...agent.podLabels } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [],
      egress: [{ to: [podsHere(server.podLabels)], ports: [tcp(server.grpcPort)] }, ...apiServer],
    });

    policy('RdevApi', 'rdev-api', ns, {
      podSelector: { matchLabels: { ...rdev.podLabels } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [TRAEFIK_PEER], ports: [tcp(rdev.port)] }],
      egress: [
        { to: [podsHere(gitea.podLabels)], ports: [tcp(gitea.port)] },
        { to: [podsHere(server.podLabels)], ports: [tcp(server.port)] },
        { to: [podsHere(zot.podLabels)], ports: [tcp(zot.port)] },
        ...apiServer,
        { to: internet, ports: [tcp(443)] },
        databaseEndpointRule(props.rdevApiDatabase),
      ],
    });

    policy('AcmeSolver', 'acme-http01-solver', ns, {
      podSelector: { matchLabels: { ...ACME_SOLVER_LABELS } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [TRAEFIK_PEER], ports: [tcp(ACME_SOLVER_PORT)] }],
    });

    // ----------------------------------------------------------------- builds namespace
    policy('BuildsDefaultDeny', 'default-deny-all', builds, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    policy('BuildsSameNamespace', 'allow-same-namespace', builds, {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: {} }] }],
      egress: [{ to: [{ podSelector: {} }] }],
    });
    policy('BuildsDns', 'allow-egress-dns', builds, { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [KUBE_DNS_PEER], ports: [...DNS_PORTS] }] });
    policy('BuildsInternet', 'allow-egress-internet', builds, { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: internet }] });
    policy('BuildsRegistry', 'allow-egress-registry', builds, {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [podsInNamespace(ns, zot.podLabels)], ports: [tcp(zot.port)] }],
    });
  }
}

function hostCidr(ip: string): string {
  return ip.includes('/') ? ip : ip.includes(':') ? `${ip}/128` : `${ip}/32`;
}

function checkDatabaseEndpoint(where: string, field: string, db: DatabaseEndpoint): void {
  checkPort(where, `${field}.port`, db.port);
  if (db.kind === 'pods') {
    checkDnsLabel(where, `${field}.namespace`, db.namespace);
    if (Object.keys(db.podLabels).length === 0) {
      fail(where, `${field}.podLabels`, db.podLabels, 'is empty, which selects every pod of the namespace', "the database pods' labels, e.g. { 'app.kubernetes.io/name': 'postgresql' }", "pass the Service's selector");
    }
    return;
  }
  checkNotEmpty(where, `${field}.addresses`, db.addresses, "the database's addresses, e.g. ['10.0.0.50']");
  for (const a of db.addresses) {
    if (a.includes('/') || !(/^[0-9]{1,3}(\.[0-9]{1,3}){3}$/.test(a) || (a.includes(':') && /^[0-9a-fA-F:.]+$/.test(a)))) {
      fail(where, `${field}.addresses`, a, 'is not an IP address', "one address, no prefix length, e.g. '10.0.0.50'", 'the rule allows each address as a /32 (or /128), nothing wider');
    }
  }
}

/** Egress to exactly one database: its pods by namespace and labels, or its addresses as single-address blocks. */
function databaseEndpointRule(db: DatabaseEndpoint): k8s.NetworkPolicyEgressRule {
  return db.kind === 'pods'
    ? { to: [podsInNamespace(db.namespace, db.podLabels)], ports: [tcp(db.port)] }
    : { to: ipPeers(db.addresses.map(hostCidr)), ports: [tcp(db.port)] };
}
