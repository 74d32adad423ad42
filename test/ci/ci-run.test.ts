/**
 * What `.ci/run` promises, tested by running it: it runs `npm test` with CI=true (and no UPDATE_SNAPSHOT), so
 * vitest fails on a missing snapshot instead of writing it; and it stops with what to install when kubectl is
 * missing or too old. The script runs against stand-ins for dpkg, apt-get, npm, npx and kubectl on the PATH
 * (they record how they were called), so nothing is installed and the repository is not touched.
 * The kubectl check of the tests themselves (test/support/kubectl.ts) is checked the same way.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../regions/load';
import { kubectlProblem } from '../support/kubectl';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function temp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

interface Ran { code: number; stdout: string; stderr: string }
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd = REPO_ROOT, timeoutMs = 120_000): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, cwd, timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A bin dir with recording stand-ins; `kubectlVersion` null leaves kubectl out. */
function fakeBin(kubectlVersion: string | null): { bin: string; log: string } {
  const bin = temp('ci-bin-');
  const log = join(bin, 'calls.log');
  const recorder = (name: string) => `#!/bin/sh\nprintf '%s CI=%s UPDATE_SNAPSHOT=%s\\n' "${name} $*" "\${CI-unset}" "\${UPDATE_SNAPSHOT-unset}" >> ${log}\nexit 0\n`;
  for (const name of ['dpkg', 'apt-get', 'npm', 'npx']) {
    writeFileSync(join(bin, name), recorder(name));
    chmodSync(join(bin, name), 0o755);
  }
  if (kubectlVersion !== null) {
    writeFileSync(join(bin, 'kubectl'), `#!/bin/sh\nprintf '{\\n  "clientVersion": {\\n    "gitVersion": "${kubectlVersion}"\\n  }\\n}\\n'\n`);
    chmodSync(join(bin, 'kubectl'), 0o755);
  }
  return { bin, log };
}

let system: string | undefined;
/** PATH with the stand-ins first, then the system's programs except kubectl (symlinked, so a real kubectl stays out). */
function pathWith(bin: string): string {
  if (!system) {
    system = temp('ci-sys-');
    for (const dir of ['/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
      if (!existsSync(dir)) continue;
      for (const name of readdirSync(dir)) {
        if (name === 'kubectl' || existsSync(join(system, name))) continue;
        symlinkSync(join(dir, name), join(system, name));
      }
    }
  }
  return `${bin}:${system}`;
}

describe('.ci/run', () => {
  it('runs npm test with CI=true and without UPDATE_SNAPSHOT, even when the caller set neither or the opposite', async () => {
    const { bin, log } = fakeBin('v1.32.4');
    const env = { PATH: pathWith(bin), HOME: tmpdir(), UPDATE_SNAPSHOT: 'all' };
    const r = await run('bash', [join(REPO_ROOT, '.ci/run')], env);
    expect(r.code, r.stderr).toBe(0);
    const calls = readFileSync(log, 'utf8');
    expect(calls).toMatch(/^npm test CI=true UPDATE_SNAPSHOT=unset$/m);
    expect(calls).toMatch(/^npm ci --no-audit --no-fund CI=true/m);
  });

  it('stops before the tests with what to install when kubectl is missing or older than 1.21', async () => {
    for (const version of [null, 'v1.20.15']) {
      const { bin, log } = fakeBin(version);
      const r = await run('bash', [join(REPO_ROOT, '.ci/run')], { PATH: pathWith(bin), HOME: tmpdir() });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(version === null ? /kubectl is not on the PATH; install kubectl >= 1\.21/ : /kubectl reports version 'v1\.20', older than 1\.21 .*install kubectl >= 1\.21/);
      expect(readFileSync(log, 'utf8')).not.toMatch(/^npm test/m);
    }
  });
});

describe('vitest in CI mode', () => {
  it('fails a test whose snapshot is missing and writes no snapshot; with the snapshot in place it passes', { timeout: 180_000 }, async () => {
    const root = temp('ci-snap-');
    writeFileSync(join(root, 'snap.test.js'), "it('greets', () => { expect('hello').toMatchSnapshot(); });\n");
    const vitest = join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs');
    const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true' };
    delete env.UPDATE_SNAPSHOT;
    const missing = await run(process.execPath, [vitest, 'run', '--root', root, '--globals'], env, root);
    expect(missing.code).not.toBe(0);
    expect(missing.stdout + missing.stderr).toMatch(/Snapshot `greets 1` mismatched/);
    expect(existsSync(join(root, '__snapshots__'))).toBe(false);
    // control: once the snapshot was written on purpose (-u), the same CI run passes
    expect((await run(process.execPath, [vitest, 'run', '--root', root, '--globals', '-u'], env, root)).code).toBe(0);
    expect((await run(process.execPath, [vitest, 'run', '--root', root, '--globals'], env, root)).code).toBe(0);
  });
});

describe('the kubectl check of the tests (test/support/kubectl.ts)', () => {
  it('says what to install when kubectl is missing or too old, and accepts a recent one', () => {
    const none = fakeBin(null);
    expect(kubectlProblem({ PATH: pathWith(none.bin) })).toMatch(/^kubectl was not found on the PATH .*install kubectl >= 1\.21/);
    const old = fakeBin('v1.20.15');
    expect(kubectlProblem({ PATH: pathWith(old.bin) })).toMatch(/^kubectl v1\.20\.15 is older than 1\.21 .*install kubectl >= 1\.21/);
    const recent = fakeBin('v1.32.4-dispatcher');
    expect(kubectlProblem({ PATH: pathWith(recent.bin) })).toBeNull();
  });
});
