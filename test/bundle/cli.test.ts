/** The bundle CLI's edges: help, bad input with a clear message (where, the value, what was expected). */
import { describe, expect, it, vi } from 'vitest';
import { main as bundle } from '../../cli/bundle';

describe('cli/bundle', () => {
  it('--help documents the options, the pin file and the exit codes', async () => {
    let text = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      text += String(chunk);
      return true;
    });
    try {
      expect(await bundle(['--help'])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    for (const s of ['--out', '--arch', '--images', '--pin', '--mirror', '--registry', '--timeout', 'regions/artifact-checksums.json', 'Exit codes', 'npm run play -- <region> site --bundle <dir>']) expect(text).toContain(s);
  });

  it('bad input is a clear error before anything is fetched', async () => {
    await expect(bundle([])).rejects.toThrow("bundle: expected one <region>, got nothing (e.g. npm run bundle -- eu-central-1; see --help)");
    await expect(bundle(['eu-central-1', '--arch', 'riscv64'])).rejects.toThrow("--arch 'riscv64' is not an architecture here (expected amd64 or arm64, comma-separated)");
    await expect(bundle(['eu-central-1', '--mirror', 'ftp://m'])).rejects.toThrow("--mirror 'ftp://m' is not an http(s) URL");
    await expect(bundle(['eu-central-1', '--timeout', '0'])).rejects.toThrow("--timeout '0' is not a positive number of seconds");
    await expect(bundle(['no-such-region'])).rejects.toThrow(/no-such-region/);
  });
});
