/** The play and host-keys CLIs' edges: help, bad input with a clear message, an unknown playbook listing the known ones. */
import { describe, expect, it, vi } from 'vitest';
import { main as play, loadPlaybookModule } from '../../cli/play';
import { main as hostKeys } from '../../cli/host-keys';
import { loadRegion } from '../../regions/load';

function capture(): { out: () => string; restore: () => void } {
  let text = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  });
  return { out: () => text, restore: () => spy.mockRestore() };
}

describe('cli/play and cli/host-keys', () => {
  it('--help documents the options and exit codes', async () => {
    const c = capture();
    try {
      expect(await play(['--help'])).toBe(0);
      expect(await hostKeys(['--help'])).toBe(0);
    } finally {
      c.restore();
    }
    for (const flag of ['--check', '--diff', '--limit', '--tags', '--forks', '--log', '--lab-dir', '--secret-var', 'Exit codes', '--replace']) expect(c.out()).toContain(flag);
  });

  it('an unknown playbook lists the available ones', async () => {
    const region = await loadRegion('eu-central-1');
    await expect(loadPlaybookModule('nope', region)).rejects.toThrow(/playbook 'nope' does not exist under playbooks\/ \(expected one of: [^)]*bench-play/);
    await expect(play(['eu-central-1', 'no-such-book'])).rejects.toThrow(/does not exist under playbooks/);
  });

  it('bad options are clear errors', async () => {
    await expect(play(['eu-central-1'])).rejects.toThrow("play: expected <region> <playbook>, got 'eu-central-1'");
    await expect(play(['eu-central-1', 'bench-play', '--forks', '0'])).rejects.toThrow("--forks '0' is not a positive integer");
    await expect(play(['eu-central-1', 'bench-play', '--secret-var', 'tok=RB_TEST_UNSET_ENV'])).rejects.toThrow("environment variable 'RB_TEST_UNSET_ENV' is not set");
    await expect(play(['eu-central-1', 'bench-play', '--limit', 'ctrl-9'])).rejects.toThrow(/--limit: pattern 'ctrl-9' matches no host or group/);
  });
});
