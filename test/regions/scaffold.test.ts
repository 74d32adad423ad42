import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import euCentral1 from '../../regions/eu-central-1';
import { DEFAULT_VERSIONS } from '../../regions/versions';
import { listRegionNames, loadRegion, REPO_ROOT, RegionValidationError } from '../../regions/load';
import {
  CLOUDFLARE_IPV4,
  createNewRegion,
  newRegionDefinition,
  planNewRegion,
  ScaffoldError,
  verifyPlan,
} from '../../regions/scaffold';
import { plantSentinel, untouched } from '../support/sentinel';

const run = promisify(execFile);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'new-region-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['cli/new-region.ts', ...args], {
      cwd: REPO_ROOT,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('new-region scaffold', () => {
  it('writes a Hetzner region with dedicated pools that loads and validates', async () => {
    const { region } = await createNewRegion({ name: 'eu-west-1', provider: 'hetzner', dedicated: ['run', 'ops'], regionsDir: dir });
    expect((await readdir(dir)).sort()).toEqual(['eu-west-1.known_hosts', 'eu-west-1.ts']);
    expect(await listRegionNames(dir)).toEqual(['eu-west-1']);
    const loaded = await loadRegion('eu-west-1', { regionsDir: dir });
    expect(loaded).toEqual(region);
    expect(loaded.hosts.map((h) => `${h.name}:${h.provider}:${h.privateIp}`)).toEqual([
      'ctrl-1:hetzner-cloud:10.0.0.11',
      'ctrl-2:hetzner-cloud:10.0.0.12',
      'ctrl-3:hetzner-cloud:10.0.0.13',
      'run-1:hetzner-robot:10.0.1.21',
      'run-2:hetzner-robot:10.0.1.22',
      'build-1:hetzner-cloud:10.0.0.31',
      'ops-1:hetzner-robot:10.0.1.41',
    ]);
    expect(loaded.network.vswitch).toEqual({ vlanId: 4000, cidr: '10.0.1.0/24', gateway: '10.0.1.1', mtu: 1400 });
    expect(loaded.ssh.knownHostsPath).toBe(join(dir, 'eu-west-1.known_hosts'));

    const text = await readFile(join(dir, 'eu-west-1.ts'), 'utf8');
    expect(text).toMatch(/^\/\*\*\n \* eu-west-1: Hetzner \(Cloud \+ dedicated via vSwitch\)\.\n \*\n \* Scaffolded by `npm run new-region -- eu-west-1 --provider hetzner --dedicated run,ops`/);
    expect(text).toMatch(/^export default defineRegion\(\{$/m);
    // every value only a person knows is marked
    const lines = text.split('\n');
    for (const field of ['privateCidr', 'vswitch', 'adminCidrs', 'loadBalancerIps', 'domain', 'acmeEmail', 'defaultOrg', 'woodpecker', 'publicIp']) {
      const at = lines.findIndex((l) => new RegExp(`\\b${field}: `).test(l) && !l.trim().startsWith('//'));
      expect(at, field).toBeGreaterThan(0);
      // the comment block right above the field (or above the list it is in) carries the marker
      let i = at - 1;
      while (i > 0 && !(lines[i] ?? '').trim().startsWith('//') && (lines[i] ?? '').trim().startsWith('{')) i--;
      const comment: string[] = [];
      while (i > 0 && (lines[i] ?? '').trim().startsWith('//')) comment.unshift(lines[i--] ?? '');
      expect(comment.join('\n'), `TODO(person) above ${field}`).toContain('TODO(person)');
    }
    const knownHosts = await readFile(join(dir, 'eu-west-1.known_hosts'), 'utf8');
    expect(knownHosts).toContain('npm run host-keys -- eu-west-1');
    expect(knownHosts.split('\n').filter((l) => l !== '' && !l.startsWith('#'))).toEqual([]);
  });

  it('writes a Contabo region with one server and no build pool', async () => {
    await createNewRegion({ name: 'us-west-2', provider: 'contabo', servers: 1, build: 0, domain: 'west.threesix.example', regionsDir: dir });
    const r = await loadRegion('us-west-2', { regionsDir: dir });
    expect(r.hosts.every((h) => h.provider === 'contabo')).toBe(true);
    expect(r.pools.build).toBeUndefined();
    expect(r.pools.ctrl?.[0]?.taints).toEqual([]);
    expect(r.network.vswitch).toBeUndefined();
    expect(r.platform.domain).toBe('west.threesix.example');
    expect(r.platform.acmeEmail).toBe('ops@west.threesix.example');
    expect(r.hosts[0]?.publicIp).toBe('192.0.2.11');
  });

  it('refuses to overwrite an existing region and writes nothing', async () => {
    await writeFile(join(dir, 'eu-west-1.known_hosts'), '# mine\n');
    const proof = await plantSentinel(dir);
    await expect(createNewRegion({ name: 'eu-west-1', provider: 'hetzner', regionsDir: dir })).rejects.toThrow(
      `new-region: ${join(dir, 'eu-west-1.known_hosts')} already exists (expected a new region name)`,
    );
    expect(await untouched(proof)).toEqual([]);
    expect(await readFile(join(dir, 'eu-west-1.known_hosts'), 'utf8')).toBe('# mine\n');
  });

  it.each([
    ['EU-West', 'has upper case letters, not a DNS label'],
    ['eu_west', 'is not a DNS label'],
    ['../evil', 'is not a DNS label'],
    ['lab', 'is reserved for the local lab'],
    ['', 'is empty'],
  ])('rejects the name %j', async (name, problem) => {
    await expect(createNewRegion({ name, provider: 'hetzner', regionsDir: dir })).rejects.toThrow(
      new ScaffoldError(`new-region: name ${JSON.stringify(name)} ${problem}`).message,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects bad options with the option and value', () => {
    expect(() => newRegionDefinition({ name: 'x-1', provider: 'aws' as 'hetzner' })).toThrow(
      'new-region: --provider "aws" is not a known provider (expected one of: hetzner, contabo)',
    );
    expect(() => newRegionDefinition({ name: 'x-1', provider: 'contabo', dedicated: ['run'] })).toThrow('--dedicated "run" needs --provider hetzner');
    expect(() => newRegionDefinition({ name: 'x-1', provider: 'hetzner', servers: 12 })).toThrow('--servers 12 is out of range');
    expect(() => newRegionDefinition({ name: 'x-1', provider: 'hetzner', privateCidr: '10.0.0.0/24', dedicated: ['run'] })).toThrow(
      '--private-cidr "10.0.0.0/24" is too small (expected a /23 or larger',
    );
  });

  it('validates the rendered file before writing: an invalid choice writes nothing', async () => {
    const proof = await plantSentinel(dir);
    const attempt = createNewRegion({ name: 'eu-west-1', provider: 'hetzner', servers: 2, adminCidrs: ['0.0.0.0/0'], regionsDir: dir });
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegionValidationError);
    const message = (error as Error).message;
    expect(message).toContain("region 'eu-west-1': pools.ctrl.hosts [\"ctrl-1\",\"ctrl-2\"] has 2 servers, an even number");
    expect(message).toContain("region 'eu-west-1': network.adminCidrs[0] '0.0.0.0/0' allows SSH from the whole internet");
    expect(await untouched(proof)).toEqual([]);
  });

  it('checks the rendered text itself, not only the data it came from', async () => {
    const plan = await planNewRegion({ name: 'eu-west-1', provider: 'hetzner', regionsDir: dir });
    const broken = { ...plan, files: [{ ...plan.files[0]!, content: plan.files[0]!.content.replace("  k3s: { flannelBackend", "  versions: { k3s: 'stable' },\n  k3s: { flannelBackend") }] };
    await expect(verifyPlan(broken)).rejects.toThrow("region 'eu-west-1': versions.k3s 'stable' is a moving release channel");
    await expect(verifyPlan(plan)).resolves.toMatchObject({ name: 'eu-west-1' });
  });

  it('follows the version table (no pins of its own) and starts from the Cloudflare ranges eu-central-1 pins', async () => {
    const plan = await planNewRegion({ name: 'eu-west-1', provider: 'hetzner', regionsDir: dir });
    expect(plan.definition.versions).toBeUndefined();
    expect(plan.files[0]!.content).not.toMatch(/^\s*versions:/m);
    const region = await verifyPlan(plan);
    expect(region.versions).toEqual(DEFAULT_VERSIONS);
    expect([...CLOUDFLARE_IPV4]).toEqual(euCentral1.network.cloudflareCidrs);
  });
});

describe('npm run new-region', () => {
  it('prints help', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: npm run new-region -- <name> --provider <hetzner|contabo> [options]');
  });

  it('scaffolds into --regions-dir, then refuses a second run', async () => {
    const first = await cli('ap-east-1', '--provider', 'contabo', '--servers', '1', '--regions-dir', dir);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`created ${join(dir, 'ap-east-1.ts')} and ${join(dir, 'ap-east-1.known_hosts')}`);
    expect(first.stdout).toMatch(/resolve the \d+ TODO\(person\) markers/);
    const proof = await plantSentinel(dir);
    const second = await cli('ap-east-1', '--provider', 'contabo', '--regions-dir', dir);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('already exists (expected a new region name)\nnothing was written');
    expect(await untouched(proof)).toEqual([]);
  });

  it('exits 2 with usage when the provider is missing, 1 on a bad name', async () => {
    const missing = await cli('ap-east-1', '--regions-dir', dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('new-region: --provider is required');
    const bad = await cli('Ap_East', '--provider', 'hetzner', '--regions-dir', dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('new-region: name "Ap_East" is not a DNS label (expected a region name like eu-west-1');
    expect(await readdir(dir)).toEqual([]);
  });

  it('--print writes nothing', async () => {
    const proof = await plantSentinel(dir);
    const { code, stdout } = await cli('ap-east-1', '--provider', 'hetzner', '--print', '--regions-dir', dir);
    expect(code).toBe(0);
    expect(stdout).toContain("name: 'ap-east-1',");
    expect(await untouched(proof)).toEqual([]);
  });
});
