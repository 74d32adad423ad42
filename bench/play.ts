/**
 * Bench of the runner: bench-play (playbooks/bench-play.ts) on 1, 5, 10 and 20 lab hosts, a first run (from a clean
 * host) and a no-change re-run, against the raw SSH floor (one connection + one command per host, all in parallel,
 * same library). Prints medians of --reps runs (default 3) and the target ratios.
 *
 *   npx tsx bench/play.ts [--sizes 1,5,10,20] [--reps 3] [--keep]
 *
 * Brings up its own lab (`bench-play`, as many hosts as the largest size) and takes it down at the end unless --keep.
 * Timing is in-process (no tsx start-up), wall clock around runPlaybook, connections included.
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { labDown, labUp, type LabInfo } from '../lab';
import { loadRegion } from '../regions/load';
import benchPlay from '../playbooks/bench-play';
import { KnownHosts, openSsh, runPlaybook, sshConnector, type Inventory, type SshConfig } from '../playbooks/core';
import { inventoryFromRegion } from '../playbooks/inventory';

const RESET = [
  'rm -rf /etc/rb-bench /etc/sysctl.d/60-net.ipv4.ip_forward.conf /etc/sysctl.d/60-net.ipv4.conf.all.rp_filter.conf /etc/sysctl.d/60-net.core.somaxconn.conf',
  'rm -f /etc/modules-load.d/br_netfilter.conf /etc/modules-load.d/overlay.conf /var/lib/region-bootstrapper/pending-handlers',
  'systemctl disable --now rb-bench.service >/dev/null 2>&1; rm -f /etc/systemd/system/rb-bench.service; systemctl daemon-reload',
  'userdel rbbench >/dev/null 2>&1; rm -rf /var/lib/rbbench',
  'sysctl -q -w net.ipv4.ip_forward=0 net.ipv4.conf.all.rp_filter=0',
].join('\n');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function rawFloor(inv: Inventory, ssh: SshConfig): Promise<number> {
  const kh = KnownHosts.load(ssh.knownHostsPath);
  const t0 = performance.now();
  await Promise.all(inv.hosts.map(async (h) => {
    const c = await openSsh({ name: h.name, address: h.address, port: h.port, user: h.user }, ssh, kh);
    const r = await c.execCommand('true');
    if (r.code !== 0) throw new Error(`raw floor: ${h.name}: exit ${r.code}`);
    c.dispose();
  }));
  return performance.now() - t0;
}

async function timedRun(inv: Inventory, ssh: SshConfig, expectChanges: boolean): Promise<{ ms: number; roundTrips: number }> {
  const connect = sshConnector(ssh);
  const failures: string[] = [];
  const t0 = performance.now();
  const r = await runPlaybook(benchPlay, inv, {
    connect,
    forks: 20,
    onEvent: (e) => {
      if (e.type === 'task.result' && (e.status === 'failed' || e.status === 'unreachable')) failures.push(`${e.host}: ${e.task}: ${e.error}`);
    },
  });
  const ms = performance.now() - t0;
  await connect.close();
  const changed = Object.values(r.recap).reduce((n, x) => n + x.changed, 0);
  if (!r.ok) throw new Error(`bench run failed:\n${failures.join('\n')}`);
  if (expectChanges !== changed > 0) throw new Error(`bench run: expected ${expectChanges ? 'changes' : 'no change'}, got ${changed} changes`);
  return { ms, roundTrips: Math.max(...Object.values(r.roundTrips)) };
}

async function reset(inv: Inventory, ssh: SshConfig): Promise<void> {
  const connect = sshConnector(ssh);
  await Promise.all(inv.hosts.map(async (h) => {
    const t = await connect(h);
    await t.run(RESET);
    await t.close();
  }));
  await connect.close();
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1,5,10,20' }, reps: { type: 'string', default: '3' }, keep: { type: 'boolean', default: false } } });
  const sizes = values.sizes.split(',').map(Number);
  const reps = Number(values.reps);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(reps) || reps < 1) throw new Error('usage: --sizes 1,5,10,20 --reps 3');
  const max = Math.max(...sizes);
  process.stderr.write(`bench: lab of ${max} hosts...\n`);
  const info: LabInfo = await labUp({ id: 'bench-play', hosts: max, log: (l) => process.stderr.write(`  ${l}\n`) });
  try {
    const region = await loadRegion('lab', { labDir: info.dir });
    const { inventory, ssh } = inventoryFromRegion(region);
    const rows: { n: number; floor: number; first: number; rerun: number; rt: number }[] = [];
    for (const n of sizes) {
      const inv: Inventory = { ...inventory, hosts: inventory.hosts.slice(0, n) };
      const floor: number[] = [];
      const first: number[] = [];
      const rerun: number[] = [];
      let rt = 0;
      for (let i = 0; i < reps; i++) {
        await reset(inv, ssh);
        floor.push(await rawFloor(inv, ssh));
        first.push((await timedRun(inv, ssh, true)).ms);
        const again = await timedRun(inv, ssh, false);
        rerun.push(again.ms);
        rt = again.roundTrips;
        process.stderr.write(`  n=${n} rep ${i + 1}: floor ${floor.at(-1)!.toFixed(0)} ms, first ${first.at(-1)!.toFixed(0)} ms, re-run ${rerun.at(-1)!.toFixed(0)} ms\n`);
      }
      rows.push({ n, floor: median(floor), first: median(first), rerun: median(rerun), rt });
    }
    const one = rows.find((r) => r.n === Math.min(...sizes))!;
    const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`.padStart(8);
    const lines = [
      `bench-play (${benchPlay.plays[0]!.steps.length} steps), medians of ${reps} runs, forks 20, ${cpus().length} CPUs, load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`,
      '',
      '| hosts | raw floor | first run | no-change re-run | re-run / floor | re-run / re-run@1 | floor / floor@1 | round trips (re-run) |',
      '|------:|----------:|----------:|-----------------:|---------------:|------------------:|----------------:|---------------------:|',
      ...rows.map((r) => `| ${String(r.n).padStart(5)} | ${fmt(r.floor)} | ${fmt(r.first)} | ${fmt(r.rerun)} | ${(r.rerun / r.floor).toFixed(2).padStart(13)}x | ${(r.rerun / one.rerun).toFixed(2).padStart(16)}x | ${(r.floor / one.floor).toFixed(2).padStart(14)}x | ${String(r.rt).padStart(20)} |`),
    ];
    const big = rows.find((r) => r.n === 20);
    if (big) {
      lines.push('', `target: no-change re-run on 20 hosts within 3x the raw floor: ${(big.rerun / big.floor).toFixed(2)}x ${big.rerun <= 3 * big.floor ? 'MET' : 'MISSED'}`);
      lines.push(`target: 20 hosts within 2x the time of 1 host (re-run): ${(big.rerun / one.rerun).toFixed(2)}x ${big.rerun <= 2 * one.rerun ? 'MET' : 'MISSED'}; (first run): ${(big.first / one.first).toFixed(2)}x ${big.first <= 2 * one.first ? 'MET' : 'MISSED'}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    if (!values.keep) await labDown('bench-play');
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
