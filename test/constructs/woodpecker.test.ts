import { describe, expect, it } from 'vitest';
import { Woodpecker, WOODPECKER_AGENT_RULES, type WoodpeckerProps } from '../../constructs/woodpecker';
import { envOf, find, synth } from './fixture';

const props: WoodpeckerProps = {
  namespace: 'platform',
  version: 'v3.17.0',
  serverImage: 'docker.io/woodpeckerci/woodpecker-server:v3.17.0',
  agentImage: 'docker.io/woodpeckerci/woodpecker-agent:v3.17.0',
  host: 'ci.threesix.example',
  giteaHost: 'git.threesix.example',
  admins: ['platform-admin', 'second-admin'],
  orgs: ['threesix'],
  agentReplicas: 2,
  pipelineNamespace: 'builds',
  storageClassName: 'local-path',
  pipelineNodeSelector: { 'node.platform/pool': 'build' },
  pipelineTolerateTaints: [{ key: 'platform/build', value: 'ci', effect: 'NoSchedule' }],
  tlsSecretName: 'wildcard-tls',
};

function build(p: WoodpeckerProps = props): { objects: ReturnType<typeof synth>; woodpecker: Woodpecker } {
  let woodpecker: Woodpecker | undefined;
  const objects = synth((chart) => {
    woodpecker = new Woodpecker(chart, 'woodpecker', p);
  });
  return { objects, woodpecker: woodpecker as Woodpecker };
}

describe('Woodpecker', () => {
  const { objects, woodpecker } = build();
  const server = find(objects, 'StatefulSet', 'woodpecker-server', 'platform').spec.template.spec.containers[0];
  const agents = find(objects, 'Deployment', 'woodpecker-agent', 'platform');
  const agent = agents.spec.template.spec.containers[0];

  it('configures the server for the Gitea forge, registration for the platform org only and in-cluster webhooks (v3 names)', () => {
    expect(server.image).toBe(props.serverImage);
    expect(envOf(server, 'WOODPECKER_GITEA')).toBe('true');
    expect(envOf(server, 'WOODPECKER_GITEA_URL')).toBe('https://git.threesix.example');
    expect(envOf(server, 'WOODPECKER_HOST')).toBe('https://ci.threesix.example');
    expect(envOf(server, 'WOODPECKER_EXPERT_WEBHOOK_HOST')).toBe('http://woodpecker-server.platform.svc.cluster.local:8000');
    // the v2 name is gone in v3: setting it would be silently ignored
    expect(server.env.map((e: { name: string }) => e.name)).not.toContain('WOODPECKER_WEBHOOK_HOST');
    expect(woodpecker.webhookHost).toBe('woodpecker-server.platform.svc.cluster.local');
    expect(envOf(server, 'WOODPECKER_OPEN')).toBe('true');
    expect(envOf(server, 'WOODPECKER_ORGS')).toBe('threesix');
    expect(envOf(server, 'WOODPECKER_ADMIN')).toBe('platform-admin,second-admin');
  });

  it('reads every credential from Secrets it declares', () => {
    expect(envOf(server, 'WOODPECKER_AGENT_SECRET')).toEqual({ secretKeyRef: { name: 'woodpecker-agent-secret', key: 'agent-secret' } });
    expect(envOf(server, 'WOODPECKER_GITEA_CLIENT')).toEqual({ secretKeyRef: { name: 'woodpecker-gitea-oauth', key: 'client-id' } });
    expect(envOf(server, 'WOODPECKER_GITEA_SECRET')).toEqual({ secretKeyRef: { name: 'woodpecker-gitea-oauth', key: 'client-secret' } });
    expect(envOf(agent, 'WOODPECKER_AGENT_SECRET')).toEqual({ secretKeyRef: { name: 'woodpecker-agent-secret', key: 'agent-secret' } });
    const declared = new Map(woodpecker.secrets.map((s) => [s.name, s.keys.map((k) => k.key)]));
    expect(Object.fromEntries(declared)).toEqual({
      'woodpecker-agent-secret': ['agent-secret'],
      'woodpecker-server-secret': ['grpc-secret'],
      'woodpecker-gitea-oauth': ['client-id', 'client-secret'],
    });
    const oauth = woodpecker.secrets.find((s) => s.name === 'woodpecker-gitea-oauth');
    expect(oauth?.keys.every((k) => k.source === 'supply' && k.help?.includes('https://ci.threesix.example/authorize'))).toBe(true);
  });

  it('serves HTTP 8000 and gRPC 9000, with the UI behind the Ingress', () => {
    expect(find(objects, 'Service', 'woodpecker-server').spec.ports.map((p: { name: string; port: number }) => [p.name, p.port])).toEqual([
      ['http', 8000],
      ['grpc', 9000],
    ]);
    expect(find(objects, 'Ingress', 'woodpecker').spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'woodpecker-server', port: { number: 8000 } });
  });

  it('runs agents on the Kubernetes backend in the pipeline namespace, pinned to the build pool', () => {
    expect(agents.spec.replicas).toBe(2);
    expect(envOf(agent, 'WOODPECKER_SERVER')).toBe('woodpecker-server:9000');
    expect(envOf(agent, 'WOODPECKER_BACKEND')).toBe('kubernetes');
    expect(envOf(agent, 'WOODPECKER_BACKEND_K8S_NAMESPACE')).toBe('builds');
    expect(envOf(agent, 'WOODPECKER_BACKEND_K8S_STORAGE_CLASS')).toBe('local-path');
    expect(envOf(agent, 'WOODPECKER_BACKEND_K8S_VOLUME_SIZE')).toBe('10Gi');
    expect(envOf(agent, 'WOODPECKER_BACKEND_K8S_STORAGE_RWX')).toBe('false');
    expect(JSON.parse(envOf(agent, 'WOODPECKER_BACKEND_K8S_POD_NODE_SELECTOR'))).toEqual({ 'node.platform/pool': 'build' });
    expect(JSON.parse(envOf(agent, 'WOODPECKER_BACKEND_K8S_POD_TOLERATIONS'))).toEqual([{ key: 'platform/build', operator: 'Equal', value: 'ci', effect: 'NoSchedule' }]);
    expect(envOf(agent, 'WOODPECKER_BACKEND_K8S_POD_TOLERATIONS_ALLOW_FROM_STEP')).toBe('false');
    for (const name of ['POD_NODE_SELECTOR', 'POD_AFFINITY', 'SERVICE_ACCOUNT_NAME']) expect(envOf(agent, `WOODPECKER_BACKEND_K8S_${name}_ALLOW_FROM_STEP`), name).toBe('false');
    expect(envOf(agent, 'WOODPECKER_BACKEND_K8S_ALLOW_NATIVE_SECRETS')).toBe('false');
    // no pull secret that nobody creates (pipelines pull from the anonymous-read zot and public registries)
    expect(agent.env.map((e: { name: string }) => e.name)).not.toContain('WOODPECKER_BACKEND_K8S_PULL_SECRET_NAMES');
    expect(JSON.stringify(objects)).not.toContain('regcred');
  });

  it('grants the agents exactly the backend rules, in the pipeline namespace only', () => {
    const roles = objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole');
    expect(roles).toHaveLength(1);
    expect(roles[0].metadata).toMatchObject({ name: 'woodpecker-agent', namespace: 'builds' });
    expect(roles[0].rules).toEqual(WOODPECKER_AGENT_RULES);
    // v3 creates and deletes one Secret per step (pipeline/backend/kubernetes/secrets.go), never reads others
    expect(roles[0].rules).toContainEqual({ apiGroups: [''], resources: ['secrets'], verbs: ['create', 'delete'] });
    expect(roles[0].rules.flatMap((r: { verbs: string[] }) => r.verbs)).not.toContain('*');
    const binding = find(objects, 'RoleBinding', 'woodpecker-agent', 'builds');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'woodpecker-agent', namespace: 'platform' }]);
    expect(agents.spec.template.spec.serviceAccountName).toBe('woodpecker-agent');
    expect(find(objects, 'ServiceAccount', 'woodpecker-agent', 'platform')).toBeDefined();
  });

  it('omits the pipeline node selector when there is no build pool', () => {
    const { pipelineNodeSelector: _a, pipelineTolerateTaints: _b, ...rest } = props;
    const out = build(rest).objects;
    const env = find(out, 'Deployment', 'woodpecker-agent').spec.template.spec.containers[0].env.map((e: { name: string }) => e.name);
    expect(env).not.toContain('WOODPECKER_BACKEND_K8S_POD_NODE_SELECTOR');
    expect(env).not.toContain('WOODPECKER_BACKEND_K8S_POD_TOLERATIONS');
  });

  it('matches the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  it('fails when no org may sign in (WOODPECKER_OPEN would admit every Gitea user)', () => {
    expect(() => build({ ...props, orgs: [] })).toThrow(/^Woodpecker 'woodpecker': orgs \[\] is empty/);
  });

  it('fails when there is no admin', () => {
    expect(() => build({ ...props, admins: [] })).toThrow(/^Woodpecker 'woodpecker': admins \[\] is empty/);
  });

  it('fails when agentReplicas is zero', () => {
    expect(() => build({ ...props, agentReplicas: 0 })).toThrow(/^Woodpecker 'woodpecker': agentReplicas 0 is not a positive integer/);
  });
});
