/**
 * `k3s.kubeconfig`: the cluster's admin kubeconfig fetched from a server to a git-ignored path ON THE OPERATOR'S
 * MACHINE (mode 0600), with the API endpoint rewritten from 127.0.0.1 to the address the operator reaches and the
 * names set to the region. Its content is registered as a secret on read, so it never reaches output; the diff
 * is hidden. This is the one task whose effect is local: in check mode it only reports what it would write.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { change, defineFact, ok, registerSecret, sh, unpredictable, ValidationError, type Fact, type Task } from '../core';

export const K3S_ADMIN_KUBECONFIG = '/etc/rancher/k3s/k3s.yaml';

export interface KubeconfigArgs {
  /** Absolute local path, e.g. <repo>/.kube/eu-central-1.yaml (git-ignored). */
  readonly localPath: string;
  /** e.g. https://203.0.113.11:6443 */
  readonly serverUrl: string;
  /** Cluster, user and context name, e.g. the region name. */
  readonly name: string;
}

function remoteKubeconfig(): Fact<string | null> {
  return defineFact(`k3s.kubeconfig:${K3S_ADMIN_KUBECONFIG}`, sh`cat ${K3S_ADMIN_KUBECONFIG}`, ({ stdout, exitCode }) => {
    if (exitCode !== 0 || !stdout.trim()) return null;
    for (const line of stdout.split('\n')) {
      const m = /^\s*(client-key-data|client-certificate-data|token|password):\s*(\S+)/.exec(line);
      if (m?.[2] && m[2].length >= 4) registerSecret(m[2]);
    }
    registerSecret(stdout);
    return stdout;
  });
}

/** Endpoint and names rewritten for the operator. */
export function rewriteKubeconfig(text: string, serverUrl: string, name: string): string {
  return text
    .replace(/^(\s*server:\s*)https:\/\/(127\.0\.0\.1|localhost|\[::1\]):6443\s*$/m, `$1${serverUrl}`)
    .replace(/^(\s*(?:name|cluster|user|current-context):\s*)default\s*$/gm, `$1${name}`);
}

export const kubeconfig: Task<KubeconfigArgs> = {
  id: 'k3s.kubeconfig',
  probes: () => [remoteKubeconfig()],
  async plan(host, a) {
    if (!a.localPath.startsWith('/')) throw new ValidationError(`k3s.kubeconfig: localPath '${a.localPath}' is not absolute`);
    const remote = await host.fact(remoteKubeconfig());
    if (remote === null) {
      return unpredictable(
        change(`fetch the kubeconfig to ${a.localPath} (not on ${host.name} yet)`, [{ run: sh`test -s ${K3S_ADMIN_KUBECONFIG}`, display: `read ${K3S_ADMIN_KUBECONFIG}` }], { predicts: [] }),
        `k3s writes ${K3S_ADMIN_KUBECONFIG} when it first starts (later in the run); its content is not known before`,
      );
    }
    const want = rewriteKubeconfig(remote, a.serverUrl, a.name);
    registerSecret(want);
    const have = existsSync(a.localPath) ? readFileSync(a.localPath, 'utf8') : null;
    if (have === want) return ok(`kubeconfig up to date at ${a.localPath}`);
    if (!host.check) {
      mkdirSync(dirname(a.localPath), { recursive: true, mode: 0o700 });
      const tmp = `${a.localPath}.tmp-${process.pid}`;
      writeFileSync(tmp, want, { mode: 0o600 });
      chmodSync(tmp, 0o600);
      renameSync(tmp, a.localPath);
    }
    return change(`kubeconfig ${have === null ? 'written' : 'updated'} at ${a.localPath} (0600, endpoint ${a.serverUrl})`, [
      { run: sh`test -s ${K3S_ADMIN_KUBECONFIG}`, display: `read ${K3S_ADMIN_KUBECONFIG} (content hidden)` },
    ], { predicts: [] }); // the change is on the operator's machine; the host only gets a read
  },
};
