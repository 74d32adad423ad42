/**
 * The two floors of bench/play.ts, each a whole process as a user would wait for it (plain JavaScript: nothing to
 * compile): one node process that opens one SSH connection per host (node-ssh, as the runner does, strict host
 * keys from the lab's known_hosts) in parallel and runs
 *   raw:   `true` (the raw SSH floor: connect + one command), or
 *   ideal: bench-play's changes written as one plain shell script (the ideal-script floor: the work itself).
 *
 *   node bench/floor.mjs raw|ideal|reset <hosts.json>   hosts.json: { knownHostsPath, privateKeyPath, hosts: [{ name, address, port, user }] }
 *
 * `reset` (not timed) undoes what bench-play and the ideal script did, so the next first run starts from scratch.
 */
import { readFileSync } from 'node:fs';
import { NodeSSH } from 'node-ssh';

/** bench-play (playbooks/bench-play.ts) by hand: the same files, sysctls, modules-load files, user, unit and restart. */
export function idealScript(host) {
  const unit = '[Unit]\nDescription=region-bootstrapper bench unit\n\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n\n[Install]\nWantedBy=multi-user.target\n';
  const files = [
    ['/etc/rb-bench/motd.txt', '644', 'Managed by region-bootstrapper.\n'],
    ['/etc/rb-bench/limits.conf', '600', '* soft nofile 65536\n* hard nofile 65536\n'],
    ['/etc/rb-bench/host.conf', '644', `# ${host} in pool none\nname=${host}\npool=none\nos=debian 12\narch=x86_64\nvirtualization=container\n`],
    ['/etc/rb-bench/token.env', '600', 'BENCH_TOKEN=none\n'],
    ['/etc/sysctl.d/60-net.ipv4.ip_forward.conf', '644', '# managed by region-bootstrapper\nnet.ipv4.ip_forward = 1\n'],
    ['/etc/sysctl.d/60-net.ipv4.conf.all.rp_filter.conf', '644', '# managed by region-bootstrapper\nnet.ipv4.conf.all.rp_filter = 2\n'],
    ['/etc/sysctl.d/60-net.core.somaxconn.conf', '644', '# managed by region-bootstrapper\nnet.core.somaxconn = 4096\n'],
    ['/etc/modules-load.d/br_netfilter.conf', '644', '# managed by region-bootstrapper\nbr_netfilter\n'],
    ['/etc/modules-load.d/overlay.conf', '644', '# managed by region-bootstrapper\noverlay\n'],
    ['/etc/systemd/system/rb-bench.service', '644', unit],
    ['/etc/rb-bench/literal.txt', '644', 'it\'s "quoted" $(not run) `nor this`\n'],
  ];
  const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  return [
    'set -e',
    'mkdir -p /etc/rb-bench && chmod 755 /etc/rb-bench',
    ...files.map(([path, mode, content]) => `(umask ${(0o777 & ~Number.parseInt(mode, 8)).toString(8).padStart(3, '0')}; printf '%s' ${q(content)} > ${path})`),
    'sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=2 net.core.somaxconn=4096',
    'useradd --system --shell /usr/sbin/nologin --home-dir /var/lib/rbbench --create-home rbbench',
    'systemctl daemon-reload',
    'systemctl enable --now rb-bench.service',
    'systemctl restart rb-bench.service',
  ].join('\n');
}

const RESET = [
  'systemctl disable --now rb-bench.service >/dev/null 2>&1; rm -f /etc/systemd/system/rb-bench.service; systemctl daemon-reload',
  'rm -rf /etc/rb-bench /etc/sysctl.d/60-net.ipv4.ip_forward.conf /etc/sysctl.d/60-net.ipv4.conf.all.rp_filter.conf /etc/sysctl.d/60-net.core.somaxconn.conf',
  'rm -f /etc/modules-load.d/br_netfilter.conf /etc/modules-load.d/overlay.conf /var/lib/region-bootstrapper/pending-handlers',
  'userdel rbbench >/dev/null 2>&1; rm -rf /var/lib/rbbench',
  'sysctl -q -w net.ipv4.ip_forward=0 net.ipv4.conf.all.rp_filter=0 net.core.somaxconn=128',
  'true',
].join('\n');

async function main() {
  const [mode, file] = process.argv.slice(2);
  if (!['raw', 'ideal', 'reset'].includes(mode) || !file) throw new Error('usage: node bench/floor.mjs raw|ideal|reset <hosts.json>');
  const { knownHostsPath, privateKeyPath, hosts } = JSON.parse(readFileSync(file, 'utf8'));
  const known = readFileSync(knownHostsPath, 'utf8');
  await Promise.all(hosts.map(async (h) => {
    const ssh = new NodeSSH();
    const name = h.port === 22 ? h.address : `[${h.address}]:${h.port}`;
    const keys = known.split('\n').filter((l) => l.split(' ')[0]?.split(',').includes(name)).map((l) => Buffer.from(l.split(' ')[2] ?? '', 'base64'));
    await ssh.connect({ host: h.address, port: h.port, username: h.user, privateKeyPath, readyTimeout: 30_000, hostVerifier: (key) => keys.some((k) => k.equals(key)) });
    const r = await ssh.execCommand(mode === 'raw' ? 'true' : '/bin/sh -s', mode === 'raw' ? {} : { stdin: mode === 'ideal' ? idealScript(h.name) : RESET });
    ssh.dispose();
    if (r.code !== 0) throw new Error(`${h.name}: ${mode} floor exited ${r.code}: ${r.stderr}`);
  }));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  main().catch((e) => {
    process.stderr.write(`${e.stack ?? e}\n`);
    process.exit(1);
  });
}
