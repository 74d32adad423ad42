import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseRegionFiles, clone, find, fixtureDirs, SECRETS } from './fixture-dist';
import { REPO, runCli, runDiff } from './run-cli';

const dirs = fixtureDirs();
afterAll(() => dirs.cleanup());

describe('npm run diff on two dist dirs', { timeout: 120_000 }, () => {
  const base = dirs.write('base', { 'eu-test': baseRegionFiles() });
  const same = dirs.write('same', { 'eu-test': baseRegionFiles() });
  const changedFiles = clone(baseRegionFiles());
  find(changedFiles, 'Deployment', 'gitea').spec.template.spec.containers[0].image = 'docker.gitea.com/gitea:1.23.1-rootless';
  find(changedFiles, 'Secret', 'gitea-admin').data.password = 'Y2hhbmdlZC1zZWNyZXQ=';
  const changed = dirs.write('changed', { 'eu-test': changedFiles });

  it('prints help and exits 0', () => {
    const r = runCli('diff', ['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: npm run diff');
    expect(r.stdout).toContain('Exit status: 0 no differences, 1 differences, 2 trouble');
  });

  it('exits 0 when nothing differs and 1 when something does', () => {
    const none = runCli('diff', ['--base-dir', base, '--head-dir', same]);
    expect(none.status).toBe(0);
    expect(none.stdout).toContain('No differences.');
    const some = runCli('diff', ['--base-dir', base, '--head-dir', changed]);
    expect(some.status).toBe(1);
    expect(some.stdout).toContain('spec.template.spec.containers[gitea].image: docker.gitea.com/gitea:1.22.6-rootless -> docker.gitea.com/gitea:1.23.1-rootless');
    expect(some.stdout).not.toContain('\u001b['); // not a TTY: no colour
  });

  it('renders markdown and json without secret values', async () => {
    const md = await runDiff( ['--base-dir', base, '--head-dir', changed, '--format', 'markdown']);
    expect(md.status).toBe(1);
    expect(md.stdout).toMatch(/^## Synthesized manifests: /);
    const json = await runDiff(['--base-dir', base, '--head-dir', changed, '--format', 'json', '--region', 'eu-test']);
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout).regions[0].counts.changed).toBe(2);
    for (const out of [md.stdout, json.stdout]) {
      expect(out).not.toContain('Y2hhbmdlZC1zZWNyZXQ=');
      expect(out).not.toContain(SECRETS.secretData);
    }
  });

  it('exits 2 on trouble, with a message saying what is wrong', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--base-dir', join(dirs.root, 'missing'), '--head-dir', same], /dist dir '.*missing' cannot be read/],
      [['--base-dir', base, '--head-dir', same, '--format', 'html'], /--format 'html' is not supported \(expected terminal, markdown, json\)/],
      [['--base-dir', base, '--head-dir', same, '--region', 'mars-1'], /--region 'mars-1' is in neither tree \(found: eu-test\)/],
      [['--base', 'HEAD', '--base-dir', base], /--base and --base-dir both given/],
      [['--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const r = await runDiff(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const broken = dirs.write('broken', { 'eu-test': { 'x.yaml': [{ notAnObject: true }] } });
    const r = await runDiff(['--base-dir', base, '--head-dir', broken]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('eu-test/x.yaml: document 1 is not a Kubernetes object');
  });
});

/** A throwaway git repository whose "synth" copies fixture-dist/ to --out (or fails, when told to). */
function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.test', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.test' } });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

const COPY_SYNTH = `import { cpSync } from 'node:fs';
const out = process.argv[process.argv.indexOf('--out') + 1];
if (!out) throw new Error('--out missing');
cpSync('fixture-dist', out, { recursive: true });
`;
const FAILING_SYNTH = `process.stderr.write("region 'eu-test': pools.ctrl is missing\\n");\nprocess.exit(1);\n`;

describe('npm run diff against a git ref (temporary worktree)', { timeout: 180_000 }, () => {
  let repo: string;
  let noSynth: string;
  let failing: string;

  const writeFixture = (files: ReturnType<typeof baseRegionFiles>): void => {
    const dist = dirs.write(`repo-fixture-${Math.random().toString(36).slice(2)}`, { 'eu-test': files });
    rmSync(join(repo, 'fixture-dist'), { recursive: true, force: true });
    cpSync(dist, join(repo, 'fixture-dist'), { recursive: true });
  };

  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'review-repo-'));
    git(repo, 'init', '-q', '-b', 'main');
    writeFileSync(join(repo, '.gitignore'), 'node_modules\n');
    symlinkSync(join(REPO, 'node_modules'), join(repo, 'node_modules'), 'dir');
    writeFileSync(join(repo, 'README.md'), 'no synth yet\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'no synth');
    noSynth = git(repo, 'rev-parse', 'HEAD');
    mkdirSync(join(repo, 'cli'));
    writeFileSync(join(repo, 'cli', 'synth.ts'), FAILING_SYNTH);
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'failing synth');
    failing = git(repo, 'rev-parse', 'HEAD');
    writeFileSync(join(repo, 'cli', 'synth.ts'), COPY_SYNTH);
    writeFixture(baseRegionFiles());
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'synth');
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  const worktrees = (): number => git(repo, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ')).length;

  it('on main with a clean tree compares with HEAD and exits 0', async () => {
    const r = await runDiff([], repo);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Synthesized manifests: HEAD [0-9a-f]{7} -> working tree/);
    expect(worktrees()).toBe(1);
  });

  it('shows uncommitted changes of the working tree (exit 1)', async () => {
    const files = clone(baseRegionFiles());
    find(files, 'Deployment', 'gitea').spec.template.spec.containers[0].image = 'docker.gitea.com/gitea:1.23.1-rootless';
    writeFixture(files);
    try {
      const r = await runDiff(['--format', 'markdown'], repo);
      expect(r.status).toBe(1);
      expect(r.stdout).toContain('spec.template.spec.containers[gitea].image: docker.gitea.com/gitea:1.22.6-rootless -> docker.gitea.com/gitea:1.23.1-rootless');
    } finally {
      git(repo, 'checkout', '-q', '--', 'fixture-dist');
    }
    expect(worktrees()).toBe(1);
  });

  it('on a branch compares with the merge-base with main', async () => {
    git(repo, 'checkout', '-q', '-b', 'feature');
    try {
      const files = clone(baseRegionFiles());
      find(files, 'StatefulSet', 'zot').spec.serviceName = 'registry';
      writeFixture(files);
      git(repo, 'commit', '-q', '-am', 'rename zot service');
      const r = await runDiff([], repo);
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/Synthesized manifests: merge-base with main [0-9a-f]{7} -> working tree/);
      expect(r.stdout).toContain('StatefulSet spec.serviceName cannot be changed in place');
      // An explicit --base of the branch itself: nothing differs.
      expect((await runDiff(['--base', 'feature'], repo)).status).toBe(0);
    } finally {
      git(repo, 'checkout', '-q', 'main');
    }
  });

  it('exits 2 when the base has no synth, its synth fails, or the ref does not exist', async () => {
    const none = await runDiff(['--base', noSynth], repo);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/has no synth \(cli\/synth\.ts is missing\)/);
    const broken = await runDiff(['--base', failing], repo);
    expect(broken.status).toBe(2);
    expect(broken.stderr).toMatch(/synth of base [0-9a-f]{40}|synth of base .* failed \(exit status 1\)/);
    expect(broken.stderr).toContain("pools.ctrl is missing");
    const missing = await runDiff(['--base', 'no-such-branch'], repo);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("--base 'no-such-branch' is not a commit");
    expect(worktrees()).toBe(1);
  });
});

describe('npm run diff on a copy of this repository (real synth)', () => {
  it('gives exit 0 for --base HEAD on an unchanged tree, and shows a region edit', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'review-real-'));
    try {
      // Tracked and untracked (not ignored) files, without dist/ and the tests.
      const files = spawnSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' })
        .stdout.split('\n')
        // (node_modules is linked below; in a git worktree it is an untracked symlink that ls-files lists)
        .filter((f) => f !== '' && f !== 'node_modules' && !f.startsWith('dist/') && !f.startsWith('test/'));
      for (const file of files) {
        mkdirSync(dirname(join(copy, file)), { recursive: true });
        try {
          cpSync(join(REPO, file), join(copy, file));
        } catch {
          // A file another engineer deleted since ls-files ran.
        }
      }
      symlinkSync(join(REPO, 'node_modules'), join(copy, 'node_modules'), 'dir');
      git(copy, 'init', '-q', '-b', 'main');
      writeFileSync(join(copy, '.git', 'info', 'exclude'), 'node_modules\n');
      git(copy, 'add', '-A');
      git(copy, 'commit', '-q', '-m', 'snapshot');
      const unchanged = await runDiff(['--base', 'HEAD'], copy);
      expect(unchanged.stderr).toBe('');
      expect(unchanged.status).toBe(0);
      expect(unchanged.stdout).toContain('eu-central-1: unchanged');

      const regionFile = join(copy, 'regions', 'eu-central-1.ts');
      const source = readFileSync(regionFile, 'utf8');
      // hold zot back in this region: a per-region override of the version table
      const edited = source.replace(/\n  k3s: /, "\n  versions: { zot: 'v2.1.18' },\n  k3s: ");
      expect(edited).not.toBe(source);
      writeFileSync(regionFile, edited);
      const r = await runDiff(['--base', 'HEAD', '--region', 'eu-central-1'], copy);
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/image: \S+zot\S*:v2\.1\.20 -> \S+zot\S*:v2\.1\.18/);
      expect(r.stdout).not.toContain('us-east-1');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }, 240_000);
});
