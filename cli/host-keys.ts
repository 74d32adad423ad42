/**
 * npm run host-keys -- <region> [--limit ...] [--replace] [--lab-dir d]
 *
 * The explicit step that records host keys: connects to each host (key exchange only, no login), prints the
 * presented SHA256 fingerprint, and appends new hosts to the region's known_hosts. A key that differs from the
 * recorded one is refused (exit 2) unless --replace. Unreachable hosts exit 3.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadRegion } from '../regions/load';
import { recordHostKeys, redact, selectHosts, ValidationError } from '../playbooks/core';
import { inventoryFromRegion } from '../playbooks/inventory';

const HELP = `Usage: npm run host-keys -- <region> [--limit <patterns>] [--replace] [--lab-dir <dir>]

Records the SSH host keys of a region's hosts in its known_hosts (ssh.knownHostsPath, by default
regions/<region>.known_hosts). Only the key exchange happens; nothing logs in. Compare the printed
SHA256 fingerprints with the ones your provider's console shows before committing the file.

  --limit <patterns>  only these hosts (names, pools, globs; comma-separated, repeatable)
  --replace           replace a recorded key that changed (after verifying the new one!)
  --lab-dir <dir>     directory of the lab region (region 'lab')
  -h, --help          this help

Exit codes: 0 all keys recorded or already known, 1 bad input, 2 a changed key was refused, 3 a host was unreachable.`;

export async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      limit: { type: 'string', multiple: true, default: [] },
      replace: { type: 'boolean', default: false },
      'lab-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new ValidationError(`host-keys: expected <region>, got ${positionals.length ? `'${positionals.join(' ')}'` : 'nothing'} (e.g. npm run host-keys -- eu-central-1; see --help)`);
  const region = await loadRegion(positionals[0]!, values['lab-dir'] ? { labDir: values['lab-dir'] } : {});
  const { inventory, ssh } = inventoryFromRegion(region);
  const hosts = values.limit.length ? selectHosts(inventory.hosts, values.limit, '--limit') : inventory.hosts;
  const results = await recordHostKeys(
    hosts.map((h) => ({ name: h.name, address: h.address, port: h.port })),
    ssh.knownHostsPath,
    { replace: values.replace, ...(ssh.bastion ? { bastion: ssh.bastion } : {}), ssh: { ...(ssh.privateKeyPath ? { privateKeyPath: ssh.privateKeyPath } : {}) } },
  );
  const w = Math.max(4, ...results.map((r) => r.name.length));
  for (const r of results) {
    const key = r.fingerprint ? `${r.fingerprint} (${r.type})` : '';
    const line =
      r.status === 'added' ? `added     ${key}`
      : r.status === 'known' ? `known     ${key}`
      : r.status === 'replaced' ? `REPLACED  ${key} (was ${r.previous.join(', ')})`
      : r.status === 'changed' ? `CHANGED   presented ${key}, recorded ${r.previous.join(', ')}: refused (verify the host, then rerun with --replace)`
      : `UNREACHABLE ${r.error ?? ''}`;
    process.stdout.write(`${r.name.padEnd(w)}  ${r.knownHostsName}  ${line}\n`);
  }
  process.stdout.write(`known_hosts: ${ssh.knownHostsPath}\n`);
  if (results.some((r) => r.status === 'changed')) return 2;
  if (results.some((r) => r.status === 'unreachable')) return 3;
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      const err = e as Error;
      const known = err instanceof ValidationError || err?.name === 'RegionValidationError' || (err as NodeJS.ErrnoException)?.code?.startsWith?.('ERR_PARSE_ARGS');
      process.stderr.write(`${redact(known ? err.message : (err?.stack ?? String(e)))}\n`);
      process.exit(1);
    },
  );
}
