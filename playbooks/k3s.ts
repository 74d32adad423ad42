/**
 * k3s: the cluster. The first server initialises it (cluster-init, generates the join tokens on the host), further
 * servers join one at a time (serial 1) only while the cluster is healthy (each server's play ends with a bounded
 * health gate; a failed gate stops the rollout), agents join per pool with the agent token, node labels and taints
 * (set at registration by config.yaml, reconciled through the API on later runs), cert-manager is installed
 * through k3s's auto-deploy manifests, and the operator gets a kubeconfig with the API endpoint rewritten.
 *
 * Needs from the region: versions.k3s (pinned), k3s.mirrorUrl (optional), k3s.flannelBackend,
 * versions.certManager, network.clusterCidr/serviceCidr, hosts (privateIp = node-ip, publicIp = tls-san),
 * pool labels and taints. Optional var on the first server: `kubeconfigPath` (default <repo>/.kube/<region>.yaml).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../regions/load';
import type { Region, ResolvedHost } from '../regions/types';
import { definePlaybook, isSecret, pathSubject, Secret, sh, step, touches, ValidationError, type HostView, type Play, type Step } from './core';
import { ETCD_S3_ENV, renderCertManager, renderK3sConfig, renderK3sUnit, type K3sNodeNetwork } from './k3s-config';
import { networkVarsOf } from './network';
import { privateInterface } from './private-network';
import { K3S_AGENT_TOKEN, K3S_BIN, K3S_CONFIG, K3S_CONFIG_DIR, K3S_MANIFESTS, K3S_SERVER_TOKEN, unitOf, type K3sRole } from './k3s-layout';
import { k3sInputs } from './k3s-inputs';
import { k3sAsset } from './k3s-release';
import { registriesStep } from './registries';
import { traefikConfigStep } from './traefik-config';
import { nodeLabelsOf } from '../regions/k3s-cluster';
import { firstServer, poolHosts, regionHost } from './region-hosts';
import { defineRegionPlaybook } from './region-playbook';
import { command, directory, file, systemdUnit, waitFor } from './tasks';
import { agentJoin, clusterDecision, clusterState, K3sCluster, readSecureTokens } from './tasks/k3s-cluster-state';
import { generateTokenCommand, tokenFile } from './tasks/k3s-join-tokens';
import { K3S_KUBECTL, nodeMetadata } from './tasks/k3s-node-metadata';
import { k3sService } from './tasks/k3s-service';
import { kubeconfig } from './tasks/k3s-kubeconfig';
import { tokenBackup } from './tasks/k3s-token-backup';
import { verifiedDownload } from './tasks/verified-download';
import { bundleStep, regionBundle } from './bundle-steps';
import { webhookAdmits, webhookDryRun } from './cert-manager-webhook';
import { archOf, K3S_IMAGES_DIR, pinnedSha256, pinsApply } from './artifacts';
import { bundleArtifact, type LoadedBundle } from './bundle-manifest';
import { regionArtifacts } from './artifacts';

/** Where the encrypted server token backup is kept: host var `tokenBackupPath`, else dist/<region>/secrets/ (git-ignored). */
export function tokenBackupPathOf(region: Region, h: HostView): string {
  const v = h.vars.tokenBackupPath;
  return typeof v === 'string' && v ? v : join(REPO_ROOT, 'dist', region.name, 'secrets', 'k3s-server-token.enc');
}

export function kubeconfigPathOf(region: Region, h: HostView): string {
  const v = h.vars.kubeconfigPath;
  return typeof v === 'string' && v ? v : join(REPO_ROOT, '.kube', `${region.name}.yaml`);
}

const hostOf = (region: Region, h: HostView): ResolvedHost => regionHost(region, h.name);

/** The node's private interface, by the network playbook's rules (so flannel-iface names what `network` set up). */
export function nodeNetworkOf(region: Region, h: HostView, cluster?: K3sCluster): K3sNodeNetwork {
  const host = hostOf(region, h);
  const plan = cluster?.plan;
  const agentUrl = plan && host.pool !== 'ctrl' ? cluster!.agentServerUrl(host.name) : undefined;
  const join = !plan ? undefined : host.pool === 'ctrl' ? plan.joins.get(host.name) : agentUrl ? { init: false as const, serverUrl: agentUrl } : undefined;
  return { privateInterface: privateInterface(networkVarsOf(region, h)), ...(join ? { join } : {}) };
}

/**
 * The k3s binary (and, from a bundle, the air-gap images k3s imports at start from agent/images): pushed from the
 * region's bundle over SSH when it has one, else downloaded by the host and checked against the release checksums.
 */
export function binarySteps(region: Region, bundle: LoadedBundle | null = regionBundle(region)): Step[] {
  if (!bundle) {
    return [
      step(`Ensure the k3s ${region.versions.k3s} binary is installed (checksum-verified)`, verifiedDownload, (h) => {
        const asset = k3sAsset(region, h.facts.arch);
        const pin = pinsApply(region.name) ? pinnedSha256({ component: 'k3s', version: region.versions.k3s, arch: archOf(h.facts.arch), asset: asset.binary }) : undefined;
        return { url: asset.binaryUrl, checksumsUrl: asset.checksumsUrl, asset: asset.binary, path: K3S_BIN, mode: '0755', ...(pin ? { pinnedSha256: pin } : {}) };
      }, { tags: ['k3s', 'binary'] }),
    ];
  }
  const cmImages = (a: { component: string; airgapOnly?: boolean }) => a.component === 'cert-manager' && a.airgapOnly === true;
  const anyCmImages = [...bundle.byKey.keys()].some((k) => k.startsWith(`cert-manager/${region.versions.certManager}/`) && k.endsWith('.tar'));
  return [
    bundleStep(region, bundle, `Ensure the k3s ${region.versions.k3s} binary is installed from the bundle (sha256-verified on the host)`, (a) => a.component === 'k3s' && a.target?.path === K3S_BIN, 'k3s binary', ['k3s', 'binary']),
    bundleStep(region, bundle, `Ensure the k3s air-gap images are in ${K3S_IMAGES_DIR} (from the bundle)`, (a) => a.component === 'k3s' && a.asset.startsWith('k3s-airgap-images-'), 'k3s air-gap images', ['k3s', 'images']),
    ...(anyCmImages
      ? [bundleStep(region, bundle, `Ensure the cert-manager ${region.versions.certManager} images are in ${K3S_IMAGES_DIR} (from the bundle)`, cmImages, 'cert-manager images', ['k3s', 'images', 'cert-manager'])]
      : []),
  ];
}

/** The cert-manager chart archive from the bundle (base64 into the HelmChart's chartContent), or undefined. */
export function bundledChart(region: Region, bundle: LoadedBundle | null): Buffer | undefined {
  if (!bundle) return undefined;
  const spec = regionArtifacts(region, 'amd64').find((a) => a.component === 'cert-manager' && a.arch === 'any')!;
  return readFileSync(bundleArtifact(bundle, spec, 'the cert-manager HelmChart').path);
}

/** Binary, config, unit and service of one node (server or agent). */
export function nodeSteps(region: Region, role: K3sRole, cluster?: K3sCluster, bundle: LoadedBundle | null = regionBundle(region)): Step[] {
  const unit = unitOf(role);
  const chart = role === 'server' ? bundledChart(region, bundle) : undefined;
  return [
    ...binarySteps(region, bundle),
    step('Ensure /etc/rancher/k3s/config.yaml matches the region', file, (h) => ({ path: K3S_CONFIG, content: renderK3sConfig(region, hostOf(region, h), nodeNetworkOf(region, h, cluster)), mode: '0600' }), { tags: ['k3s', 'config'] }),
    registriesStep(region),
    ...(role === 'server'
      ? [
          step('Ensure the k3s manifests directory exists', directory, { path: K3S_MANIFESTS, mode: '0700' }, { tags: ['k3s', 'cert-manager'] }),
          step(`Ensure cert-manager ${region.versions.certManager} is in the auto-deploy manifests${chart ? ' (chart from the bundle)' : ''}`, file, {
            path: `${K3S_MANIFESTS}/cert-manager.yaml`,
            content: renderCertManager(region, chart),
            mode: '0600',
          }, { tags: ['k3s', 'cert-manager'] }),
          traefikConfigStep(region),
          ...(region.k3s.etcdSnapshots.s3
            ? [step('Ensure the etcd S3 keys are in place for k3s (0600 environment file, content hidden)', file, (h) => ({ path: ETCD_S3_ENV, content: etcdS3Env(region, h), mode: '0600' }), { tags: ['k3s', 'snapshots'] })]
            : []),
        ]
      : []),
    step(`Ensure the ${unit} unit is installed`, systemdUnit, { name: `${unit}.service`, content: renderK3sUnit(region, role, K3S_BIN) }, { tags: ['k3s'] }),
    step(`Ensure ${unit} runs with the current binary, config and token`, k3sService, (h) => ({ unit, inputs: k3sInputs(region, hostOf(region, h)) }), { tags: ['k3s'] }),
  ];
}

/**
 * The bound of a host's readiness gates in seconds: the host var `k3sReadyTimeoutSeconds` when set (the lab tests
 * shorten it to see a gate fail), else `fallback`.
 */
export function readyTimeoutOf(h: HostView, fallback = 300): number {
  const v = h.vars.k3sReadyTimeoutSeconds;
  return typeof v === 'number' && v > 0 ? v : fallback;
}

/** AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for k3s's etcd-s3 flags, from the secret vars etcdS3AccessKey/etcdS3SecretKey. */
export function etcdS3Env(region: Region, h: HostView): Secret {
  const get = (name: string): string => {
    const v = h.vars[name];
    if (v === undefined || v === '') {
      throw new ValidationError(`region '${region.name}', host '${h.name}': k3s.etcdSnapshots.s3 is set but the var ${name} is not (expected the S3 key as a secret var: npm run play -- ${region.name} k3s --secret-var ${name}=ENV_NAME)`);
    }
    const text = isSecret(v) ? v.reveal() : String(v);
    if (/[\s'"\\]/.test(text)) throw new ValidationError(`region '${region.name}': the var ${name} holds whitespace, quotes or backslashes (expected an S3 key)`);
    return text;
  };
  return new Secret(`AWS_ACCESS_KEY_ID=${get('etcdS3AccessKey')}\nAWS_SECRET_ACCESS_KEY=${get('etcdS3SecretKey')}\n`);
}

/** The bounded health gate of a server: API ready, this node registered, and (embedded etcd) a voting member. */
export function serverHealthSteps(timeoutSeconds?: number): Step[] {
  return [
    step('Wait until the Kubernetes API answers ready', waitFor, (h) => ({ command: `${K3S_KUBECTL} get --raw /readyz >/dev/null 2>&1`, timeoutSeconds: timeoutSeconds ?? readyTimeoutOf(h), intervalSeconds: 2 }), { tags: ['k3s'] }),
    step('Wait until this node is registered', waitFor, (h) => ({ command: sh`${K3S_KUBECTL.split(' ')} get node ${h.name} >/dev/null 2>&1`, timeoutSeconds: timeoutSeconds ?? readyTimeoutOf(h), intervalSeconds: 2 }), { tags: ['k3s'] }),
    step('Wait until this server is a voting etcd member (node condition EtcdIsVoter)', waitFor, (h) => ({ command: etcdVoterCheck(h.name), timeoutSeconds: timeoutSeconds ?? readyTimeoutOf(h), intervalSeconds: 3 }), { tags: ['k3s'] }),
  ];
}

/** True when the node's EtcdIsVoter condition (k3s pkg/etcd/etcd.go, etcdStatusType) is True. */
export function etcdVoterCheck(node: string): string {
  return sh`[ "$(${K3S_KUBECTL.split(' ')} get node ${node} ${'-o=jsonpath={.status.conditions[?(@.type=="EtcdIsVoter")].status}'} 2>/dev/null)" = True ]`;
}

function joinGate(region: Region, cluster: K3sCluster): Step {
  return step('Wait until the API of the server to join is reachable on the private network', waitFor, () => {
    const seed = cluster.plan ? regionHost(region, cluster.plan.seed) : firstServer(region);
    return { port: 6443, host: seed.privateIp, timeoutSeconds: 180 };
  }, { tags: ['k3s'] });
}

export function buildK3s(region: Region): ReturnType<typeof definePlaybook> {
  const bundle = regionBundle(region);
  const servers = poolHosts(region, 'ctrl').map((h) => h.name);
  const cluster = new K3sCluster();
  const isSeed = (h: HostView) => cluster.plan?.seed === h.name;
  const onSeed = (steps: Step[]): Step[] => steps.map((s) => ({ ...s, when: (h: HostView) => isSeed(h) && (s.when?.(h) ?? true) }));
  const onJoiners = (steps: Step[]): Step[] => steps.map((s) => ({ ...s, when: (h: HostView) => !isSeed(h) && (s.when?.(h) ?? true) }));
  const plays: Play[] = [
    {
      name: 'k3s cluster state (read-only, every server)',
      hosts: servers,
      maxFailPercent: 0,
      steps: [step('Read the datastore, service, API, CA and token state of this server', clusterState, { store: cluster }, { tags: ['k3s', 'always'] })],
    },
    {
      name: 'k3s join target (decided before any server is touched)',
      hosts: servers,
      maxFailPercent: 0,
      steps: [step('Choose the server to initialise or join; stop on two clusters or a token mismatch', clusterDecision, { store: cluster, region }, { tags: ['k3s', 'always'], runOnce: true })],
    },
    {
      name: 'k3s seed server (cluster-init for a new cluster, else the live member the others join)',
      hosts: servers,
      maxFailPercent: 0,
      steps: onSeed([
        step('Ensure /etc/rancher/k3s exists', directory, { path: K3S_CONFIG_DIR, mode: '0755' }, { tags: ['k3s'] }),
        step('Ensure the server join token exists (generated on the host, 0600)', command, { command: generateTokenCommand(K3S_SERVER_TOKEN), creates: K3S_SERVER_TOKEN, summary: `generate ${K3S_SERVER_TOKEN}`, predicts: [touches(pathSubject(K3S_CONFIG_DIR))] }, { tags: ['k3s'] }),
        step('Ensure the agent join token exists (generated on the host, 0600)', command, { command: generateTokenCommand(K3S_AGENT_TOKEN), creates: K3S_AGENT_TOKEN, summary: `generate ${K3S_AGENT_TOKEN}`, predicts: [touches(pathSubject(K3S_CONFIG_DIR))] }, { tags: ['k3s'] }),
        ...nodeSteps(region, 'server', cluster, bundle),
        ...serverHealthSteps(),
        step('Read the CA-pinned join tokens k3s wrote (kept in memory, redacted)', readSecureTokens, { store: cluster }, { tags: ['k3s', 'always'] }),
      ]),
    },
    {
      name: 'Further k3s servers (join the seed one at a time, while the cluster is healthy)',
      hosts: servers,
      serial: 1,
      maxFailPercent: 0,
      steps: onJoiners([
        joinGate(region, cluster),
        step('Ensure /etc/rancher/k3s exists', directory, { path: K3S_CONFIG_DIR, mode: '0755' }, { tags: ['k3s'] }),
        step('Ensure the CA-pinned server token is in place (0600)', tokenFile, { path: K3S_SERVER_TOKEN, token: () => cluster.secureServer, from: 'the seed server' }, { tags: ['k3s'] }),
        step('Ensure the agent token the servers define is in place (0600)', tokenFile, { path: K3S_AGENT_TOKEN, token: () => cluster.rawAgent, from: 'the seed server' }, { tags: ['k3s'] }),
        ...nodeSteps(region, 'server', cluster, bundle),
        ...serverHealthSteps(),
      ]),
    },
  ];
  // read before the agent plays (a play's step arguments are resolved before its plans run)
  const agents = region.hosts.filter((h) => h.pool !== 'ctrl').map((h) => h.name);
  if (agents.length) {
    plays.push({
      name: 'k3s agents: which server each joins now (read-only)',
      hosts: agents,
      steps: [step('Read which server this agent joins now', agentJoin, { store: cluster }, { tags: ['k3s', 'always'] })],
    });
  }
  for (const pool of ['run', 'build', 'ops'] as const) {
    const hosts = poolHosts(region, pool).map((h) => h.name);
    if (hosts.length === 0) continue;
    plays.push({
      name: `k3s agents: ${pool} pool (join with the CA-pinned agent token, ${pool} labels and taints)`,
      hosts,
      steps: [
        joinGate(region, cluster),
        step('Ensure /etc/rancher/k3s exists', directory, { path: K3S_CONFIG_DIR, mode: '0755' }, { tags: ['k3s'] }),
        step('Ensure the CA-pinned agent token is in place (0600)', tokenFile, { path: K3S_AGENT_TOKEN, token: () => cluster.secureAgent, from: 'the seed server' }, { tags: ['k3s'] }),
        ...nodeSteps(region, 'agent', cluster, bundle),
        step('Wait until k3s-agent is active', waitFor, { command: 'systemctl is-active --quiet k3s-agent', timeoutSeconds: 120, intervalSeconds: 2 }, { tags: ['k3s'] }),
      ],
    });
  }
  const serverNodes = poolHosts(region, 'ctrl').map((h) => h.name);
  plays.push({
    name: 'Cluster: etcd members, node labels and taints, cert-manager, operator kubeconfig (on the seed)',
    hosts: servers,
    steps: onSeed([
      step('Wait until every host of the region is a node', waitFor, {
        command: `for n in ${region.hosts.map((h) => sh`${h.name}`).join(' ')}; do ${K3S_KUBECTL} get node "$n" >/dev/null 2>&1 || exit 1; done`,
        timeoutSeconds: 300,
        intervalSeconds: 3,
      }, { tags: ['k3s', 'nodes'] }),
      step('Wait until every server is a voting etcd member (health across members, not the local /readyz)', waitFor, {
        command: serverNodes.map(etcdVoterCheck).join(' && '),
        timeoutSeconds: 300,
        intervalSeconds: 3,
      }, { tags: ['k3s', 'nodes'] }),
      step('Ensure node labels and taints match the region (through the API)', nodeMetadata, {
        nodes: region.hosts.map((h) => ({ name: h.name, labels: nodeLabelsOf(region, h), taints: h.taints })),
      }, { tags: ['k3s', 'nodes'] }),
      step('Wait until the cert-manager CRDs exist', waitFor, {
        command: `${K3S_KUBECTL} get crd certificates.cert-manager.io issuers.cert-manager.io clusterissuers.cert-manager.io >/dev/null 2>&1`,
        timeoutSeconds: 600,
        intervalSeconds: 5,
      }, { tags: ['k3s', 'cert-manager'] }),
      // the CRDs alone are not enough: Issuers are refused until the webhook answers (cert-manager-webhook.ts)
      step('Wait until the cert-manager webhook admits requests (server-side dry run, as cmctl check api)', waitFor, {
        command: webhookAdmits,
        what: 'the cert-manager webhook to deny an invalid dry-run CertificateRequest',
        explainOnTimeout: webhookDryRun,
        timeoutSeconds: 600,
        intervalSeconds: 5,
      }, { tags: ['k3s', 'cert-manager'] }),
      step('Keep an encrypted copy of the server token with the region\'s secrets (the datastore passphrase)', tokenBackup, (h) => ({
        tokenFile: K3S_SERVER_TOKEN,
        localPath: tokenBackupPathOf(region, h),
        region: region.name,
      }), { tags: ['k3s', 'backup'] }),
      step('Fetch the operator kubeconfig (git-ignored, 0600, never printed)', kubeconfig, (h) => ({
        localPath: kubeconfigPathOf(region, h),
        // a stable endpoint (the first server), whichever server the file came from: k3s's admin credentials are
        // the cluster's, the same on every server
        serverUrl: `https://${firstServer(region).publicIp}:6443`,
        name: region.name,
      }), { tags: ['k3s', 'kubeconfig'] }),
    ]),
  });
  return definePlaybook({ name: 'k3s', description: 'k3s servers, agents, node metadata, cert-manager and the operator kubeconfig', plays });
}

export default defineRegionPlaybook({
  name: 'k3s',
  description: 'k3s servers (one at a time), agents per pool, node labels/taints, cert-manager, operator kubeconfig',
  build: buildK3s,
});

