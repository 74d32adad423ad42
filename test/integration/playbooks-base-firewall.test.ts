/**
 * base and firewall on lab hosts: both idempotent (second run: zero changes), the commit-confirm lockout
 * (rules that block SSH roll back by themselves and the run reports the change as not applied), and 20 firewall
 * replacements that leave a foreign nftables table untouched.
 */
import { describe, expect, it } from 'vitest';
import { loadRegion } from '../../regions/load';
import type { Region } from '../../regions/types';
import base from '../../playbooks/base';
import firewall from '../../playbooks/firewall';
import { useLab } from '../support/lab';
import { checkDifferences, play, withHostVars, labShell } from './playbooks-support';

const lab = useLab({ id: 'pb-fw', hosts: 2 });

async function labRegion(): Promise<Region> {
  return withHostVars(await loadRegion('lab', { labDir: lab.dir }), { firewallRollbackSeconds: 20 });
}

const sh = (host: string, command: string): Promise<string> => labShell(lab, host, command);

describe('base playbook on lab hosts', () => {
  it('converges, then a second run changes nothing; sshd keeps key login for the runner', async () => {
    const region = await labRegion();
    const check = await play(base, region, { check: true });
    expect(check.failures).toEqual([]);
    const first = await play(base, region);
    expect(first.failures).toEqual([]);
    expect(first.ok).toBe(true);
    // --check reported exactly what the run then did, step by step
    expect(checkDifferences(check, first)).toEqual([]);
    const second = await play(base, region);
    expect(second.failures).toEqual([]);
    expect(second.changes).toEqual([]);
    const conf = await sh('lab-1', 'sshd -T | grep -Ei "^(passwordauthentication|permitrootlogin|kbdinteractiveauthentication) "');
    expect(conf).toMatch(/passwordauthentication no/);
    expect(conf).toMatch(/permitrootlogin without-password|permitrootlogin prohibit-password/);
    expect(await sh('lab-1', 'id -nG deploy')).toMatch(/\bsudo\b/);
    // the runner still gets in with a brand-new connection after the reload
    expect((await lab.ssh('lab-1', 'true')).code).toBe(0);
  }, 300_000);
});

describe('firewall playbook on lab hosts', () => {
  it('loads the table, is idempotent, and leaves a foreign table alone over 20 replacements', async () => {
    const region = await labRegion();
    await sh('lab-2', "nft -f - <<'EOF'\ntable ip foreign {\n\tchain c {\n\t\ttype filter hook input priority 10; policy accept;\n\t\ttcp dport 9999 counter accept\n\t}\n}\nEOF");
    const foreignBefore = await sh('lab-2', 'nft list table ip foreign');
    const check = await play(firewall, region, { check: true });
    expect(check.failures).toEqual([]);
    const first = await play(firewall, region);
    expect(first.failures).toEqual([]);
    expect(checkDifferences(check, first)).toEqual([]);
    const live = await sh('lab-1', 'nft list table inet platform');
    expect(live).toMatch(/policy drop/);
    expect(live).toMatch(/tcp dport \{ 25, 465, 587 \} reject with tcp reset/);
    expect(live).toContain('169.254.169.254');
    const again = await play(firewall, region);
    expect(again.changes).toEqual([]);
    for (let i = 0; i < 20; i++) {
      // alternate between two admin lists so every run really replaces the table
      const variant: Region = { ...region, network: { ...region.network, adminCidrs: [...region.network.adminCidrs, ...(i % 2 === 0 ? ['192.0.2.0/24'] : [])] } };
      const r = await play(firewall, variant, { limit: ['lab-2'] });
      expect(r.failures).toEqual([]);
      expect(r.changed).toBeGreaterThan(0);
    }
    expect(await sh('lab-2', 'nft list table ip foreign')).toBe(foreignBefore);
    expect(await sh('lab-2', 'nft list tables')).toMatch(/table inet platform/);
  }, 600_000);

  it('a change that blocks SSH is rolled back by the host within the window and reported as not applied', async () => {
    const region = await labRegion();
    const ok = await play(firewall, region, { limit: ['lab-1'] });
    expect(ok.failures).toEqual([]);
    const before = await sh('lab-1', 'nft list table inet platform');
    // admin CIDRs that do not contain the runner: new SSH connections are dropped
    const lockout: Region = { ...region, network: { ...region.network, adminCidrs: ['192.0.2.0/24'] } };
    const t0 = Date.now();
    const res = await play(firewall, lockout, { limit: ['lab-1'] });
    expect(res.ok).toBe(false);
    expect(res.failures.join('\n')).toMatch(/firewall change NOT applied/);
    // the host answers again once its rollback timer fired (window 20 s), with the previous table
    let answered = false;
    while (Date.now() - t0 < 60_000) {
      if ((await lab.ssh('lab-1', 'true', 10)).code === 0) { answered = true; break; }
      await new Promise((r) => setTimeout(r, 2000));
    }
    expect(answered).toBe(true);
    expect(await sh('lab-1', 'nft list table inet platform')).toBe(before);
    // and the next run of the good rules changes nothing: the rollback restored exactly the confirmed table
    const after = await play(firewall, region, { limit: ['lab-1'] });
    expect(after.failures).toEqual([]);
    expect(after.changes).toEqual([]);
  }, 300_000);
});
