/**
 * The tests that build the synthesized output with `kubectl kustomize` need kubectl on the PATH, recent enough to
 * embed kustomize v4 (the first with `kind: Component`, which dist/<region>/components/ uses): kubectl 1.21, whose
 * go.mod pins sigs.k8s.io/kustomize/kustomize/v4 v4.0.5 (kubectl 1.20 still had kustomize v2.0.3).
 *
 *   beforeAll(() => requireKubectl());   // fails every test of the file with what to install
 */
import { execFileSync } from 'node:child_process';

export const KUBECTL_MIN_MINOR = 21;

const INSTALL = `install kubectl >= 1.${KUBECTL_MIN_MINOR} (e.g. Debian/Ubuntu package 'kubectl' from the Kubernetes project's apt repository, see kubernetes.io/docs/tasks/tools) and put it on the PATH`;

/** null when kubectl is usable, otherwise what is wrong and what to install. */
export function kubectlProblem(env: NodeJS.ProcessEnv = process.env): string | null {
  let out: string;
  try {
    out = execFileSync('kubectl', ['version', '--client', '-o', 'json'], { env, encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') return `kubectl was not found on the PATH (${env.PATH ?? ''}): the kustomize tests run 'kubectl kustomize'; ${INSTALL}`;
    return `'kubectl version --client -o json' failed (${(err.stderr ?? err.message).trim().split('\n').slice(-1)[0]}); ${INSTALL}`;
  }
  let git = '';
  try {
    git = (JSON.parse(out) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion ?? '';
  } catch {
    return `'kubectl version --client -o json' did not print JSON (got '${out.slice(0, 80)}'); ${INSTALL}`;
  }
  const m = /^v(\d+)\.(\d+)\./.exec(git);
  if (!m) return `kubectl reports version '${git}', which is not v<major>.<minor>.<patch>; ${INSTALL}`;
  if (Number(m[1]) < 1 || (Number(m[1]) === 1 && Number(m[2]) < KUBECTL_MIN_MINOR)) {
    return `kubectl ${git} is older than 1.${KUBECTL_MIN_MINOR} (its kustomize cannot build kind: Component); ${INSTALL}`;
  }
  return null;
}

export function requireKubectl(): void {
  const problem = kubectlProblem();
  if (problem) throw new Error(problem);
}
