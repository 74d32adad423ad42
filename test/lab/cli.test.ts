import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function lab(...args: string[]) {
  const r = spawnSync('npx', ['tsx', 'cli/lab.ts', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run lab', () => {
  it('prints help with every command and --id', () => {
    const r = lab('--help');
    expect(r.code).toBe(0);
    for (const word of ['up <n>', 'down', 'status', 'stop <host>', 'start <host>', '--id <name>']) expect(r.stdout).toContain(word);
  }, 60_000);

  it('refuses bad input with the value, what was expected, and exit code 1', () => {
    const bad = lab('up', 'three');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("lab up: expected one host count, e.g. 'npm run lab -- up 3' (got 'three')");
    const badId = lab('status', '--id', 'Not_Valid');
    expect(badId.code).toBe(1);
    expect(badId.stderr).toContain("lab id 'Not_Valid' is not valid");
    const unknown = lab('explode');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("lab: unknown command 'explode'");
  }, 120_000);

  it('reports a lab that is not up', () => {
    const r = lab('status', '--id', 'never-up-cli');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("lab 'never-up-cli' is not up\n");
  }, 60_000);
});
