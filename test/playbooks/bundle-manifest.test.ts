/**
 * Bundle manifests: a bundle is refused (before anything is installed) when a file or the manifest was tampered
 * with, when a real region's artifact differs from the repository's pin or is not pinned, when a stand-in is
 * offered to a real region, or when the manifest points outside the folder.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { artifactKey, resetPinCache } from '../../playbooks/artifacts';
import { artifactLabel, BUNDLE_FORMAT, loadBundle, MANIFEST_FILE, type BundleArtifact } from '../../playbooks/bundle-manifest';

let dir: string;
let pinFile: string;
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function artifact(asset: string, content: string, extra: Partial<BundleArtifact> = {}): BundleArtifact {
  const file = `k3s/v1.35.0+k3s1/amd64/${asset}`;
  mkdirSync(join(dir, 'b', 'k3s/v1.35.0+k3s1/amd64'), { recursive: true });
  writeFileSync(join(dir, 'b', file), content);
  return {
    key: artifactKey('k3s', 'v1.35.0+k3s1', 'amd64', asset),
    component: 'k3s',
    version: 'v1.35.0+k3s1',
    arch: 'amd64',
    asset,
    file,
    source: `https://example.invalid/${asset}`,
    sha256: sha(content),
    size: Buffer.byteLength(content),
    ...extra,
  };
}

function writeManifest(artifacts: BundleArtifact[], patch: Record<string, unknown> = {}): void {
  writeFileSync(join(dir, 'b', MANIFEST_FILE), JSON.stringify({ format: BUNDLE_FORMAT, region: 'r1', generatedBy: 'test', artifacts, ...patch }));
}

function pin(asset: string, sum: string): void {
  writeFileSync(pinFile, JSON.stringify({ $comment: 'test', k3s: { 'v1.35.0+k3s1': { amd64: { [asset]: sum } } } }));
  resetPinCache();
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bundle-manifest-'));
  pinFile = join(dir, 'pins.json');
  mkdirSync(join(dir, 'b'));
  resetPinCache();
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  resetPinCache();
});

describe('loadBundle', () => {
  it('accepts a bundle whose files match the manifest and the pins', () => {
    const a = artifact('k3s', 'the k3s binary');
    writeManifest([a]);
    pin('k3s', a.sha256);
    const b = loadBundle(join(dir, 'b'), { region: 'r1', pinFile });
    const got = b.byKey.get(a.key)!;
    expect(got.path).toBe(join(dir, 'b', a.file));
    expect(got.pinned).toBe(true);
    expect(artifactLabel(got)).toBe('k3s v1.35.0+k3s1 (amd64)');
  });

  it('refuses a file changed after bundling, naming the file, the expected and the actual sum', () => {
    const a = artifact('k3s', 'the k3s binary');
    writeManifest([a]);
    pin('k3s', a.sha256);
    writeFileSync(join(dir, 'b', a.file), 'the k3s binarY');
    expect(() => loadBundle(join(dir, 'b'), { region: 'r1', pinFile })).toThrow(
      `${a.file}: sha256 is ${sha('the k3s binarY')} (14 bytes), the manifest says ${a.sha256} (14 bytes): the file was changed or corrupted; refused before anything was installed`,
    );
  });

  it('refuses a manifest edited to match a swapped file when the repository pins another sum', () => {
    const a = artifact('k3s', 'evil binary');
    writeManifest([a]);
    pin('k3s', sha('the k3s binary'));
    expect(() => loadBundle(join(dir, 'b'), { region: 'r1', pinFile })).toThrow(
      new RegExp(`sha256 is ${a.sha256}, but .* pins ${sha('the k3s binary')} for k3s/v1\\.35\\.0\\+k3s1/amd64/k3s: not the artifact this repository verified`),
    );
  });

  it('refuses an unpinned artifact for a real region, and says how to pin it', () => {
    writeManifest([artifact('k3s', 'the k3s binary')]);
    writeFileSync(pinFile, '{}');
    expect(() => loadBundle(join(dir, 'b'), { region: 'r1', pinFile })).toThrow(/has no pinned sha256 .* npm run bundle -- r1 --pin/);
  });

  it('accepts stand-ins and unpinned artifacts only for the lab, and labels them', () => {
    const a = artifact('k3s', '#!/bin/sh\necho fixture\n', { standIn: 'k3s TEST FIXTURE' });
    writeManifest([a]);
    writeFileSync(pinFile, '{}');
    expect(() => loadBundle(join(dir, 'b'), { region: 'r1', pinFile })).toThrow(/is a stand-in \(k3s TEST FIXTURE\), not the real k3s/);
    const b = loadBundle(join(dir, 'b'), { region: 'lab', pinFile });
    expect(artifactLabel(b.byKey.get(a.key)!)).toBe('k3s v1.35.0+k3s1 (amd64) [STAND-IN: k3s TEST FIXTURE]');
  });

  it('refuses a manifest whose file leaves the folder, a missing file, a bad sha256 and a key that does not match', () => {
    const a = artifact('k3s', 'x');
    writeManifest([{ ...a, file: '../pins.json' }]);
    expect(() => loadBundle(join(dir, 'b'), { region: 'lab', pinFile })).toThrow(/file '\.\.\/pins\.json' leaves the bundle folder/);
    writeManifest([{ ...a, file: 'k3s/nope' }]);
    expect(() => loadBundle(join(dir, 'b'), { region: 'lab', pinFile })).toThrow(/k3s\/nope: cannot be read \(ENOENT\)/);
    writeManifest([{ ...a, sha256: 'abc' }]);
    expect(() => loadBundle(join(dir, 'b'), { region: 'lab', pinFile })).toThrow(/sha256 'abc' \(expected 64 lowercase hex digits/);
    writeManifest([{ ...a, key: 'k3s/v9/amd64/k3s' }]);
    expect(() => loadBundle(join(dir, 'b'), { region: 'lab', pinFile })).toThrow(/key 'k3s\/v9\/amd64\/k3s' does not match its fields/);
    writeManifest([a], { format: 'v0' });
    expect(() => loadBundle(join(dir, 'b'), { region: 'lab', pinFile })).toThrow(/format is 'v0'/);
  });

  it('refuses a folder without a manifest with the command that makes one', () => {
    expect(() => loadBundle(join(dir, 'b'), { region: 'r1', pinFile })).toThrow(/has no bundle\.json .* npm run bundle -- r1 --out/);
  });

  it('refuses a pin file that holds something other than sha256 sums', () => {
    const a = artifact('k3s', 'x');
    writeManifest([a]);
    writeFileSync(pinFile, JSON.stringify({ k3s: { v1: { amd64: { k3s: 'TODO' } } } }));
    expect(() => loadBundle(join(dir, 'b'), { region: 'r1', pinFile })).toThrow(/k3s\.v1\.amd64\.k3s is 'TODO', not a sha256/);
    expect(readFileSync(pinFile, 'utf8')).toContain('TODO');
  });
});
