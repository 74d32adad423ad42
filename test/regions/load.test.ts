import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  labDirOf,
  listRegionNames,
  loadAllRegions,
  loadRegion,
  REGIONS_DIR,
  RegionValidationError,
  REPO_ROOT,
  resolveRegion,
} from '../../regions/load';
import { POOL_LABEL, type Region } from '../../regions/types';
import { variant } from './support';
import { DEFAULT_VERSIONS } from '../../regions/versions';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'regions-load-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Writes a region file into dir, importing defineRegion from the repository's regions/types.ts. */
async function writeRegionFile(dir: string, fileName: string, definition: unknown): Promise<void> {
  const types = relative(dir, join(REGIONS_DIR, 'types')).replace(/\\/g, '/');
  const text = `import { defineRegion } from '${types.startsWith('.') ? types : `./${types}`}';\n\nexport default defineRegion(${JSON.stringify(definition, null, 2)});\n`;
  await writeFile(join(dir, fileName), text);
}

async function failure(promise: Promise<unknown>): Promise<RegionValidationError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(RegionValidationError);
    return error as RegionValidationError;
  }
  throw new Error('expected a RegionValidationError');
}

describe('shipped regions', () => {
  it('lists exactly the region files of regions/', async () => {
    expect(await listRegionNames()).toEqual(['eu-central-1', 'us-east-1']);
  });

  it('loads eu-central-1 with defaults applied', async () => {
    const r = await loadRegion('eu-central-1');
    expect(r.name).toBe('eu-central-1');
    expect(r.ssh).toEqual({ user: 'deploy', initialUser: 'root', port: 22, knownHostsPath: join(REPO_ROOT, 'regions', 'eu-central-1.known_hosts') });
    expect(existsSync(r.ssh.knownHostsPath)).toBe(true);
    expect(r.network.vswitch).toEqual({ vlanId: 4000, cidr: '10.0.1.0/24', gateway: '10.0.1.1', mtu: 1400 });
    expect(r.k3s.flannelBackend).toBe('wireguard-native');
    expect(r.k3s.mirrorUrl).toBeUndefined();
    expect(r.hosts.map((h) => `${h.pool}/${h.name}`)).toEqual([
      'ctrl/ctrl-1',
      'ctrl/ctrl-2',
      'ctrl/ctrl-3',
      'run/run-1',
      'run/run-2',
      'build/build-1',
      'ops/ops-1',
    ]);
    const ops = r.pools.ops?.[0];
    expect(ops?.labels).toEqual({ 'platform/storage': 'raid1', [POOL_LABEL]: 'ops' });
    expect(ops?.sshHost).toBe('203.0.113.41');
    expect(r.pools.run?.[0]?.taints).toEqual([{ key: 'platform/run', value: 'gvisor', effect: 'NoSchedule' }]);
    expect(r.pools.run?.[0]?.provider).toBe('hetzner-robot');
    const p = r.platform;
    expect(p.acmeServer).toBe('https://acme-v02.api.letsencrypt.org/directory');
    expect([p.namespace, p.projectsNamespace, p.defaultStorageClass]).toEqual(['platform', 'projects', 'local-path']);
    expect(p.gitea).toMatchObject({ host: 'git.threesix.example', sshHost: 'git.threesix.example', sshPort: 2222, storageSize: '20Gi' });
    expect(p.gitea.database).toEqual({
      type: 'postgres',
      host: 'postgres.databases.svc.cluster.local:5432',
      podLabels: { 'app.kubernetes.io/name': 'postgresql', 'app.kubernetes.io/instance': 'postgres' },
      name: 'gitea',
      user: 'gitea',
      sslMode: 'disable',
    });
    expect(r.versions).toEqual(DEFAULT_VERSIONS);
    expect(p.zot).toEqual({ host: 'registry.threesix.example', storageSize: '50Gi', gcDelay: '1h', dedupe: true });
    expect(p.woodpecker).toMatchObject({ host: 'ci.threesix.example', agentReplicas: 2, buildVolumeSize: '10Gi', storageSize: '5Gi' });
    expect(p.rdevApi).toEqual({
      host: 'rdev.threesix.example',
      replicas: 2,
      database: {
        host: 'postgres.databases.svc.cluster.local:5432',
        podLabels: { 'app.kubernetes.io/name': 'postgresql', 'app.kubernetes.io/instance': 'postgres' },
        name: 'rdev',
        user: 'rdev',
        sslMode: 'disable',
      },
      privateImage: true,
    });
  });

  it('loads us-east-1 with its own values kept', async () => {
    const r = await loadRegion('us-east-1');
    expect(r.ssh.user).toBe('deploy');
    expect(r.network.vswitch).toBeUndefined();
    expect(r.pools.ctrl).toHaveLength(1);
    expect(r.hosts.every((h) => h.provider === 'contabo')).toBe(true);
    expect(r.pools.build?.[0]?.taints).toEqual([]);
    expect(r.platform.gitea.database).toEqual({ type: 'sqlite3' });
    expect(r.platform.zot.storageSize).toBe('30Gi');
    expect(r.platform.woodpecker.agentReplicas).toBe(1);
    expect(r.platform.rdevApi).toEqual({
      host: 'rdev.threesix-us.example',
      replicas: 1,
      database: { host: '10.0.0.50:5432', name: 'rdev', user: 'rdev', sslMode: 'require' },
      privateImage: false,
    });
  });

  it('loads all regions in name order', async () => {
    expect((await loadAllRegions()).map((r) => r.name)).toEqual(['eu-central-1', 'us-east-1']);
  });

  it('returns a frozen region so no engine can change it for the others', async () => {
    const r = await loadRegion('eu-central-1');
    expect(Object.isFrozen(r)).toBe(true);
    expect(Object.isFrozen(r.hosts[0]?.labels)).toBe(true);
    expect(() => {
      (r.platform as { domain: string }).domain = 'x.example';
    }).toThrow(TypeError);
  });
});

describe('defaults and merging', () => {
  it('merges pool and host vars and labels, host winning; host sshPort overrides ssh.port', () => {
    const r: Region = resolveRegion(
      variant((d) => {
        d.ssh.port = 2200; // not 2222: that is the git SSH port on the ops nodes
        d.pools.run.vars = { zone: 'fsn1', disks: 2 };
        d.pools.run.labels = { 'platform/tier': 'a' };
        d.pools.run.hosts[1].vars = { disks: 4, nvme: true };
        d.pools.run.hosts[1].labels = { 'platform/tier': 'b' };
        d.pools.run.hosts[1].sshPort = 22022;
      }),
      'test',
    );
    const [run1, run2] = r.pools.run ?? [];
    expect(run1?.vars).toEqual({ zone: 'fsn1', disks: 2 });
    expect(run2?.vars).toEqual({ zone: 'fsn1', disks: 4, nvme: true });
    expect(run2?.labels).toEqual({ 'platform/tier': 'b', [POOL_LABEL]: 'run' });
    expect([run1?.sshPort, run2?.sshPort]).toEqual([2200, 22022]);
    expect(r.ssh.port).toBe(2200);
  });

  it('keeps explicit platform hosts and resolves a relative known_hosts path from the repository root', () => {
    const r = resolveRegion(
      variant((d) => {
        d.ssh.knownHostsPath = 'secrets/eu.known_hosts';
        d.platform.gitea.host = 'code.threesix.example';
        d.platform.gitea.sshHost = 'ssh.threesix.example';
      }),
      'test',
    );
    expect(r.ssh.knownHostsPath).toBe(join(REPO_ROOT, 'secrets', 'eu.known_hosts'));
    expect(r.platform.gitea.host).toBe('code.threesix.example');
    expect(r.platform.gitea.sshHost).toBe('ssh.threesix.example');
  });

  it('omits a pool that is not listed', () => {
    const r = resolveRegion(variant((d) => delete d.pools.build), 'test');
    expect(r.pools.build).toBeUndefined();
    expect(Object.keys(r.pools)).toEqual(['ctrl', 'run', 'ops']);
  });
});

describe('region files in another directory', () => {
  let dir: string;
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists only files that export default defineRegion(...)', async () => {
    dir = await mkdtemp(join(tmp, 'list-'));
    await writeRegionFile(dir, 'ap-south-1.ts', variant((d) => (d.name = 'ap-south-1')));
    await writeFile(join(dir, 'helpers.ts'), 'export const x = 1;\n');
    await writeFile(join(dir, 'notes.md'), 'export default defineRegion(\n');
    await writeFile(join(dir, 'Bad_Name.ts'), 'export const notARegion = 1;\n'); // no marker: a module, not a region file
    await mkdir(join(dir, 'sub.ts'));
    expect(await listRegionNames(dir)).toEqual(['ap-south-1']);
    const r = await loadRegion('ap-south-1', { regionsDir: dir });
    expect(r.name).toBe('ap-south-1');
    expect(r.ssh.knownHostsPath).toBe(join(dir, 'ap-south-1.known_hosts'));
  });

  it('refuses a region file whose file name is not a region name, instead of skipping it', async () => {
    dir = await mkdtemp(join(tmp, 'badname-'));
    await writeRegionFile(dir, 'ap-south-1.ts', variant((d) => (d.name = 'ap-south-1')));
    await writeRegionFile(dir, 'EU_West.ts', variant((d) => (d.name = 'eu-west')));
    const error = await failure(listRegionNames(dir));
    expect(error.message).toContain(`region 'EU_West': '${join(dir, 'EU_West.ts')}' is a region file whose name is not a DNS label, so it is not a valid region name (expected a file named <region>.ts where <region> is a DNS label, e.g. regions/eu-west-1.ts)`);
    expect(error.message).toContain('fix: rename the file and its name: field to lower case letters, digits and - (e.g. eu-west.ts)');
    await expect(loadAllRegions({ regionsDir: dir })).rejects.toThrow(/EU_West\.ts' is a region file/);
  });

  it("refuses a region file named like the reserved 'lab' with a message about the file, not a lab folder", async () => {
    dir = await mkdtemp(join(tmp, 'labfile-'));
    await writeRegionFile(dir, 'lab.ts', variant((d) => (d.name = 'lab')));
    const listed = await failure(listRegionNames(dir));
    expect(listed.message).toContain(`region 'lab': '${join(dir, 'lab.ts')}' is named like the reserved region 'lab' (expected any other region name; 'lab' is always the local lab, read from <lab dir>/lab.region.json)`);
    expect(listed.message).toContain('fix: rename the file and its name: field (e.g. lab-eu-1.ts)');
    const loaded = await failure(loadRegion('lab', { regionsDir: dir, labDir: join(dir, 'no-lab-here') }));
    expect(loaded.message).toContain("is named like the reserved region 'lab'");
    expect(loaded.message).not.toContain('npm run lab -- up');
  });

  it('times out a region file that never finishes loading, naming the file', async () => {
    dir = await mkdtemp(join(tmp, 'tla-'));
    const types = relative(dir, join(REGIONS_DIR, 'types')).replace(/\\/g, '/');
    await writeFile(
      join(dir, 'ap-east-1.ts'),
      `import { defineRegion } from '${types}';\n\nawait new Promise(() => {});\n\nexport default defineRegion(${JSON.stringify(variant((d) => (d.name = 'ap-east-1')))});\n`,
    );
    const started = Date.now();
    const error = await failure(loadRegion('ap-east-1', { regionsDir: dir, importTimeoutSeconds: 1 }));
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(error.message).toContain(`region 'ap-east-1': '${join(dir, 'ap-east-1.ts')}' did not finish loading within 1 s (expected a module that evaluates at once: export default defineRegion({ ... }))`);
    expect(error.message).toContain('fix: remove top-level awaits');
  });

  it('refuses a file whose name field differs from its file name', async () => {
    dir = await mkdtemp(join(tmp, 'mismatch-'));
    await writeRegionFile(dir, 'eu-west-1.ts', variant(() => {}));
    const error = await failure(loadRegion('eu-west-1', { regionsDir: dir }));
    expect(error.message).toContain("region 'eu-west-1': name 'eu-central-1' does not match the file name (eu-west-1)");
    expect(error.source).toBe(join(dir, 'eu-west-1.ts'));
  });

  it('names the known regions when asked for a missing one', async () => {
    const error = await failure(loadRegion('eu-west-9'));
    expect(error.message).toContain(
      "region 'eu-west-9': 'regions/eu-west-9.ts' does not exist (expected one of: eu-central-1, us-east-1, lab)",
    );
    expect(error.message).toContain('npm run new-region -- eu-west-9');
  });

  it('refuses a region name that could leave the directory', async () => {
    const error = await failure(loadRegion('../package'));
    expect(error.message).toContain("'../package' is not a DNS label, not a region name");
  });

  it('refuses a library module loaded by name', async () => {
    const error = await failure(loadRegion('net'));
    expect(error.message).toContain("region 'net': 'regions/net.ts' does not exist (expected one of: eu-central-1, us-east-1, lab)");
  });

  it('reports every invalid region of a directory together', async () => {
    dir = await mkdtemp(join(tmp, 'all-'));
    await writeRegionFile(dir, 'a-1.ts', variant((d) => {
      d.name = 'a-1';
      d.versions = { k3s: 'latest' };
    }));
    await writeRegionFile(dir, 'b-1.ts', variant((d) => {
      d.name = 'b-1';
      d.network.adminCidrs = ['0.0.0.0/0'];
    }));
    await writeRegionFile(dir, 'c-1.ts', variant((d) => (d.name = 'c-1')));
    const error = await failure(loadAllRegions({ regionsDir: dir }));
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('2 regions are invalid (a-1, b-1), 2 issues:');
    expect(lines).toContain("region 'a-1': versions.k3s 'latest' is a moving release channel, not a pinned version (expected e.g. v1.35.8+k3s1)");
    expect(lines.some((l) => l.startsWith("region 'b-1': network.adminCidrs[0] '0.0.0.0/0' allows SSH from the whole internet"))).toBe(true);
  });
});

describe('the lab region', () => {
  const previous = process.env.LAB_DIR;
  let labDir: string;
  beforeAll(async () => {
    labDir = await mkdtemp(join(tmp, 'lab-'));
  });
  afterEach(() => {
    if (previous === undefined) delete process.env.LAB_DIR;
    else process.env.LAB_DIR = previous;
  });

  function labDefinition(): Record<string, unknown> {
    return variant((d) => {
      d.name = 'lab';
      d.description = "lab 'lab': 3 local systemd-nspawn hosts (generated by 'npm run lab -- up 3 --id lab', do not edit)";
      d.ssh = { user: 'root', port: 22, privateKeyPath: join(labDir, 'id_ed25519'), knownHostsPath: join(labDir, 'known_hosts') };
      d.network = { ...d.network, privateCidr: '10.214.1.0/24', adminCidrs: ['10.213.1.1/32'], loadBalancerIps: ['10.213.1.2'] };
      delete d.network.vswitch;
      d.pools = {
        ctrl: { hosts: [{ name: 'lab-1', provider: 'hetzner-cloud', publicIp: '10.213.1.11', privateIp: '10.214.1.11' }] },
        run: {
          taints: [{ key: 'platform/run', value: 'gvisor', effect: 'NoSchedule' }],
          hosts: [{ name: 'lab-2', provider: 'hetzner-cloud', publicIp: '10.213.1.12', privateIp: '10.214.1.12' }],
        },
        build: { hosts: [{ name: 'lab-3', provider: 'hetzner-cloud', publicIp: '10.213.1.13', privateIp: '10.214.1.13' }] },
      };
      d.platform.domain = 'lab.test';
      d.platform.acmeEmail = 'ops@lab.test';
    });
  }

  it('reads <labDir>/lab.region.json through options.labDir', async () => {
    await writeFile(join(labDir, 'lab.region.json'), JSON.stringify(labDefinition(), null, 2));
    const r = await loadRegion('lab', { labDir });
    expect(r.name).toBe('lab');
    expect(r.hosts.map((h) => h.name)).toEqual(['lab-1', 'lab-2', 'lab-3']);
    expect(r.ssh.knownHostsPath).toBe(join(labDir, 'known_hosts'));
    expect(r.ssh.privateKeyPath).toBe(join(labDir, 'id_ed25519'));
    expect(r.platform.gitea.host).toBe('git.lab.test');
  });

  it('reads LAB_DIR when no option is given, and defaults known_hosts into the lab directory', async () => {
    const other = await mkdtemp(join(tmp, 'lab-env-'));
    const def = labDefinition();
    delete (def.ssh as Record<string, unknown>).knownHostsPath;
    await writeFile(join(other, 'lab.region.json'), JSON.stringify(def));
    process.env.LAB_DIR = other;
    expect(labDirOf()).toBe(other);
    const r = await loadRegion('lab');
    expect(r.ssh.knownHostsPath).toBe(join(other, 'known_hosts'));
  });

  it('is not part of loadAllRegions', async () => {
    process.env.LAB_DIR = labDir;
    expect((await loadAllRegions()).map((r) => r.name)).not.toContain('lab');
  });

  it('explains how to create a missing lab', async () => {
    const empty = await mkdtemp(join(tmp, 'lab-empty-'));
    const error = await failure(loadRegion('lab', { labDir: empty }));
    expect(error.message).toContain(`region 'lab': '${join(empty, 'lab.region.json')}' does not exist`);
    expect(error.message).toContain('npm run lab -- up 3');
  });

  it('reports broken JSON and invalid content with the lab file as source', async () => {
    const broken = await mkdtemp(join(tmp, 'lab-broken-'));
    await writeFile(join(broken, 'lab.region.json'), '{ "name": "lab", ');
    expect((await failure(loadRegion('lab', { labDir: broken }))).message).toMatch(/is not valid JSON/);
    const def = labDefinition();
    (def.pools as { ctrl: { hosts: { privateIp: string }[] } }).ctrl.hosts[0]!.privateIp = '10.215.1.11';
    await writeFile(join(broken, 'lab.region.json'), JSON.stringify(def));
    const error = await failure(loadRegion('lab', { labDir: broken }));
    expect(error.message).toContain(
      "region 'lab': pools.ctrl.hosts[0].privateIp '10.215.1.11' is outside network.privateCidr 10.214.1.0/24",
    );
    expect(error.source).toBe(join(broken, 'lab.region.json'));
  });
});

describe('shipped known_hosts files', () => {
  it('start with the header and hold only known_hosts entries', () => {
    for (const name of ['eu-central-1', 'us-east-1']) {
      const text = readFileSync(join(REGIONS_DIR, `${name}.known_hosts`), 'utf8');
      expect(text.startsWith(`# SSH host keys of region ${name}`)).toBe(true);
      expect(text).toContain(`npm run host-keys -- ${name}`);
      for (const line of text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'))) {
        expect(line).toMatch(/^\S+ (ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa) [A-Za-z0-9+/]+=*$/);
      }
    }
  });
});
