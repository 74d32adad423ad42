/**
 * The k3s playbook end to end on lab hosts, up to the binary: the k3s TEST FIXTURE (not k3s, see
 * test/fixtures/k3s-test-fixture) is served from a local mirror in the release layout. Two servers (the second
 * joins after the first, serial 1) and one agent. Checks: a checksum mismatch is refused; the flow converges;
 * a second run and a check run plan zero changes; labels changed in the region reach the node through the API;
 * tokens never appear in ps, unit files, config or run output; token files are 0600; the kubeconfig is local, 0600,
 * with the endpoint rewritten.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegion } from '../../regions/load';
import type { Region, ResolvedHost } from '../../regions/types';
import firewall from '../../playbooks/firewall';
import k3s from '../../playbooks/k3s';
import { useLab } from '../support/lab';
import { startK3sMirror, type K3sMirror } from './k3s-mirror';
import { play, withHostVars, labShell } from './playbooks-support';

const lab = useLab({ id: 'pb-k3s', hosts: 3 });
let mirror: K3sMirror;

/** lab-1 and lab-2 servers, lab-3 a run-pool agent; k3s from the local mirror. */
async function region(): Promise<Region> {
  const base = await loadRegion('lab', { labDir: lab.dir });
  const ctrl = base.pools.ctrl![0]!;
  const hosts: ResolvedHost[] = base.hosts.map((h) => {
    if (h.name === 'lab-2') return { ...h, pool: 'ctrl', labels: { ...ctrl.labels }, taints: [...ctrl.taints] };
    if (h.name === 'lab-3') return { ...h, pool: 'run', labels: { 'node.platform/pool': 'run' }, taints: [{ key: 'platform/run', value: 'gvisor', effect: 'NoSchedule' }] };
    return h;
  });
  const r: Region = {
    ...base,
    k3s: { ...base.k3s, mirrorUrl: mirror.url },
    hosts,
    pools: { ctrl: hosts.filter((h) => h.pool === 'ctrl'), run: hosts.filter((h) => h.pool === 'run') },
  };
  return withHostVars(r, { kubeconfigPath: join(lab.dir, 'kubeconfig.yaml'), firewallRollbackSeconds: 30 });
}

const sh = (host: string, command: string): Promise<string> => labShell(lab, host, command);

beforeAll(async () => {
  mirror = await startK3sMirror(lab.info.gatewayIp);
});
afterAll(async () => {
  await mirror?.close();
});

describe('k3s playbook on lab hosts (fixture binary from a local mirror)', () => {
  it('refuses a binary whose checksum does not match the release checksum file', async () => {
    mirror.corrupt(true);
    try {
      const res = await play(k3s, await region(), { limit: ['lab-1'] });
      expect(res.ok).toBe(false);
      expect(res.failures.join('\n')).toMatch(/sha256 mismatch/);
      expect((await lab.ssh('lab-1', 'test -e /usr/local/bin/k3s')).code).not.toBe(0);
    } finally {
      mirror.corrupt(false);
    }
  }, 300_000);

  it('bootstraps servers and agents, then a second run and a check run change nothing', async () => {
    const r = await region();
    const fw = await play(firewall, r);
    expect(fw.failures).toEqual([]);
    const first = await play(k3s, r);
    expect(first.failures).toEqual([]);
    expect(first.ok).toBe(true);
    expect(mirror.requests.some((u) => u.endsWith('/k3s'))).toBe(true);
    // servers joined one at a time: lab-2's play started after lab-1's finished
    const starts = first.events.filter((e) => e.type === 'play.start').map((e) => (e as { play: string }).play);
    expect(starts[0]).toMatch(/First k3s server/);
    expect(starts[1]).toMatch(/Further k3s servers/);

    const second = await play(k3s, r);
    expect(second.failures).toEqual([]);
    expect(second.changes).toEqual([]);
    const check = await play(k3s, r, { check: true });
    expect(check.changes).toEqual([]);
    // a check limited to an agent (the first server's tokens are not read) also plans nothing
    const limited = await play(k3s, r, { check: true, limit: ['lab-3'] });
    expect(limited.failures).toEqual([]);
    expect(limited.changes).toEqual([]);

    const nodes = JSON.parse(await sh('lab-1', '/usr/local/bin/k3s kubectl get nodes -o json')) as { items: { metadata: { name: string; labels: Record<string, string> }; spec: { taints?: { key: string }[] } }[] };
    expect(nodes.items.map((n) => n.metadata.name).sort()).toEqual(['lab-1', 'lab-2', 'lab-3']);
    const run = nodes.items.find((n) => n.metadata.name === 'lab-3')!;
    expect(run.metadata.labels['node.platform/pool']).toBe('run');
    expect(run.spec.taints?.map((t) => t.key)).toContain('platform/run');

    // config.yaml from the region
    const cfg = await sh('lab-1', 'cat /etc/rancher/k3s/config.yaml');
    expect(cfg).toMatch(/^cluster-init: true$/m);
    expect(cfg).toMatch(/^secrets-encryption: true$/m);
    expect(cfg).toContain('enable-admission-plugins=NodeRestriction,PodNodeSelector');
    // flannel rides the private interface (eth1 in the lab), NodePorts only on the private network
    expect(cfg).toMatch(/^flannel-iface: "eth1"$/m);
    expect(cfg).toContain(`- "nodeport-addresses=${r.network.privateCidr}"`);
    expect(await sh('lab-3', 'cat /etc/rancher/k3s/config.yaml')).toMatch(/^flannel-iface: "eth1"$/m);
    expect(await sh('lab-3', 'cat /etc/rancher/k3s/config.yaml')).toMatch(/^token-file: "\/etc\/rancher\/k3s\/agent-token"$/m);
    expect((await sh('lab-1', 'ls /var/lib/rancher/k3s/server/manifests'))).toMatch(/cert-manager\.yaml/);

    // tokens: 0600 files only; never in ps, unit files, config or any run output
    const serverToken = (await sh('lab-1', 'cat /etc/rancher/k3s/server-token')).trim();
    const agentToken = (await sh('lab-1', 'cat /etc/rancher/k3s/agent-token')).trim();
    expect(serverToken.length).toBeGreaterThanOrEqual(32);
    for (const h of ['lab-1', 'lab-2', 'lab-3']) {
      for (const f of h === 'lab-3' ? ['agent-token'] : ['server-token', 'agent-token']) {
        expect(await sh(h, `stat -c %a /etc/rancher/k3s/${f}`)).toBe('600\n');
      }
      const visible = await sh(h, 'ps -eo args; cat /etc/systemd/system/k3s*.service /etc/rancher/k3s/config.yaml; systemctl show -p ExecStart k3s k3s-agent 2>/dev/null; cat /proc/*/cmdline 2>/dev/null | tr "\\0" " "');
      expect(visible).not.toContain(serverToken);
      expect(visible).not.toContain(agentToken);
    }
    expect(await sh('lab-3', 'cat /etc/rancher/k3s/agent-token')).toBe(`${agentToken}\n`);
    const output = JSON.stringify([first.events, second.events, check.events]);
    expect(output).not.toContain(serverToken);
    expect(output).not.toContain(agentToken);

    // the operator kubeconfig: local, 0600, endpoint rewritten, key never printed
    const kc = join(lab.dir, 'kubeconfig.yaml');
    expect(statSync(kc).mode & 0o777).toBe(0o600);
    const kubeconfigText = readFileSync(kc, 'utf8');
    expect(kubeconfigText).toContain(`server: https://${r.pools.ctrl![0]!.publicIp}:6443`);
    const key = /client-key-data: (\S+)/.exec(kubeconfigText)![1]!;
    expect(output).not.toContain(key);
  }, 900_000);

  it('reconciles labels changed in the region through the API (flags only apply at registration)', async () => {
    const r = await region();
    const changed: Region = { ...r, hosts: r.hosts.map((h) => (h.name === 'lab-3' ? { ...h, labels: { ...h.labels, 'platform/zone': 'lab-a' } } : h)) };
    const res = await play(k3s, changed);
    expect(res.failures).toEqual([]);
    expect(res.changes.join('\n')).toMatch(/labels\/taints of lab-3/);
    const node = JSON.parse(await sh('lab-1', '/usr/local/bin/k3s kubectl get node lab-3 -o json')) as { metadata: { labels: Record<string, string> } };
    expect(node.metadata.labels['platform/zone']).toBe('lab-a');
    expect((await play(k3s, changed)).changes).toEqual([]);
  }, 600_000);
});
