import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO } from './run-cli';

interface Step {
  name: string;
  image: string;
  commands: string[];
  when?: Array<{ event?: string }>;
  environment?: Record<string, unknown>;
}

const text = readFileSync(join(REPO, '.woodpecker.yml'), 'utf8');
const pipeline = parse(text) as { steps: Step[] };
const step = (name: string): Step => {
  const found = pipeline.steps.find((s) => s.name === name);
  if (!found) throw new Error(`.woodpecker.yml has no step '${name}'`);
  return found;
};

describe('.woodpecker.yml', () => {
  it('is a valid Woodpecker v3 pipeline (the linter schema of v3.17.0, the release the platform runs)', () => {
    const schema = JSON.parse(readFileSync(join(REPO, 'schemas', 'woodpecker-v3.17.0-pipeline.schema.json'), 'utf8'));
    const validate = new Ajv({ strict: false, allErrors: true, logger: false }).compile(schema);
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
    // the check can fail: the pre-1.0 `pipeline:` key is refused
    expect(validate({ ...(parse(text) as object), pipeline: {} })).toBe(false);
  });

  it('runs npm ci, the CI entry point (with a checksum-verified kubectl) and the dist freshness check on a pinned node image', () => {
    expect(step('install').commands).toContain('npm ci --no-audit --no-fund');
    // .ci/run refuses to start without kubectl; the node image has none
    const test = step('test').commands;
    expect(test.at(-1)).toBe('.ci/run');
    const fetchAt = test.findIndex((c) => c.includes('bin/linux/amd64/kubectl"'));
    const verifyAt = test.findIndex((c) => c.includes('kubectl.sha256') && c.includes('sha256sum --check --strict'));
    expect(fetchAt).toBeGreaterThan(-1);
    expect(verifyAt).toBeGreaterThan(fetchAt);
    expect(readFileSync(join(REPO, '.ci', 'run'), 'utf8')).toMatch(/\nnpm test\n/);
    expect(step('dist-fresh').commands).toContain('npm run synth -- --check');
    for (const s of pipeline.steps) expect(s.image, s.name).toMatch(/^node:20\.\d+\.\d+-[a-z]+(@sha256:[0-9a-f]{64})?$/);
  });

  it('writes the markdown diff against the merge-base on pull requests, failing only on trouble', () => {
    const diff = step('review-diff');
    expect(diff.when?.[0]?.event).toBe('pull_request');
    const script = diff.commands.join('\n');
    expect(script).toContain('git merge-base HEAD');
    expect(script).toMatch(/npm run --silent diff -- --base "\$\$\{BASE\}" --format markdown > review-diff\.md/);
    expect(script).toContain('test "$${status}" -le 1');
  });

  it('posts the comment with a token from a Woodpecker secret, and holds no secret value', () => {
    const comment = step('review-comment');
    expect(comment.when?.[0]?.event).toBe('pull_request');
    expect(comment.environment).toEqual({ GITEA_TOKEN: { from_secret: 'review_comment_token' } });
    expect(comment.commands.join('\n')).toContain("'token ' + env.GITEA_TOKEN");
    // No literal credentials: nothing token-shaped, no inline auth values.
    expect(text).not.toMatch(/[0-9a-f]{40}/);
    expect(text).not.toMatch(/(token|password|secret)\s*[:=]\s*["']?[A-Za-z0-9+/]{16,}/i);
  });
});
