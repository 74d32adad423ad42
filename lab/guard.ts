/**
 * The nftables table on the outer machine that keeps lab traffic on the lab bridges: nothing is forwarded from or
 * to them (except host to host on the same bridge), the outer machine accepts from the public bridge only what is
 * addressed to the gateway address, and it is not reachable on, nor sends into, the private bridge or subnet.
 * One table per lab (`inet lab_guard_<k>`), replaced atomically, deleted at down; nothing else is touched.
 */
import type { LabLayout } from './addressing';
import { run } from './run';

export function guardRuleset(layout: LabLayout): string {
  const pub = `"${layout.publicBridge}"`;
  const prv = `"${layout.privateBridge}"`;
  const t = `inet ${layout.nftTable}`;
  return [
    `table ${t} {}`,
    `delete table ${t}`,
    `table ${t} {`,
    '  chain forward {',
    '    type filter hook forward priority -10; policy accept;',
    `    iifname ${pub} oifname ${pub} accept`,
    `    iifname ${prv} oifname ${prv} accept`,
    `    iifname { ${pub}, ${prv} } drop`,
    `    oifname { ${pub}, ${prv} } drop`,
    '  }',
    '  chain input {',
    '    type filter hook input priority -10; policy accept;',
    `    iifname ${prv} drop`,
    `    iifname ${pub} ip daddr != ${layout.gatewayIp} drop`,
    `    iifname ${pub} meta nfproto ipv6 drop`,
    '  }',
    '  chain output {',
    '    type filter hook output priority -10; policy accept;',
    `    oifname ${prv} drop`,
    `    oifname ${pub} ip saddr != ${layout.gatewayIp} drop`,
    // The outer machine is not on the private network: without this its default route would carry such packets out.
    `    ip daddr ${layout.privateCidr} reject with icmpx type host-unreachable`,
    '  }',
    '}',
    '',
  ].join('\n');
}

export async function installGuard(layout: LabLayout): Promise<void> {
  const ruleset = guardRuleset(layout);
  await run('nft', ['-c', '-f', '-'], { input: ruleset });
  await run('nft', ['-f', '-'], { input: ruleset });
}

export async function removeGuard(layout: LabLayout): Promise<void> {
  await run('nft', ['delete', 'table', 'inet', layout.nftTable], { allowFailure: true });
}

/** Names of the nft tables present (family and name), e.g. `inet lab_guard_7`. */
export async function nftTables(): Promise<string[]> {
  const { stdout } = await run('nft', ['list', 'tables']);
  return stdout.split('\n').map((l) => l.replace(/^table\s+/, '').trim()).filter(Boolean);
}
