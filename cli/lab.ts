/**
 * `npm run lab -- up <n> | down | status [--id <name>]`: local throw-away test hosts (see docs/lab.md).
 */
import { LabError, labDown, labStatus, labUp, DEFAULT_LAB_ID, startHost, stopHost, buildRootfs } from '../lab';

const HELP = `Usage: npm run lab -- <command> [options]

Local test hosts: systemd-nspawn containers booting Debian bookworm (systemd, sshd with its own host key),
each in its own network namespace with a public (10.213.<k>.0/24) and a private (10.214.<k>.0/24) interface.
Needs root, debootstrap, systemd-container, nftables, openssh-client, iproute2. See docs/lab.md.

Commands:
  up <n>          bring n hosts (lab-1..lab-n, 1..40) up and wait until each is ready over SSH;
                  writes .lab/<id>/lab.region.json, known_hosts and id_ed25519 (first run builds the rootfs, ~100 s)
  down            stop every host and remove all the lab made (processes, mounts, netns, veths, bridges,
                  cgroups, nft table); keeps the client key and console logs
  status          each host: running?, address, ready over SSH?
  stop <host>     power one host off (unreachable until started)
  start <host>    boot a stopped host again from the same disk and wait until ready
  build           only build (or find) the cached rootfs, e.g. in CI before the tests

Options:
  --id <name>     lab id (default '${DEFAULT_LAB_ID}'); several ids can be up at once, each on its own subnets
  --timeout <s>   up/start: bound on the wait until hosts are ready (default 120 / 60)
  --bundle <dir>  up: a bundle made by 'npm run bundle' whose real artifacts go into the lab's bundle
                  (default $LAB_BUNDLE); without one, k3s, gVisor and the cert-manager chart are clearly
                  labelled stand-ins (the k3s TEST FIXTURE, Debian's runsc, fixture files)
  -h, --help      this help

The lab hosts have no internet: 'up' writes an air-gap bundle (.lab/<id>/bundle/) and the lab region
delivers every file from it, so 'npm run lab -- up 4 && npm run play -- lab site' runs offline.
Use a lab from the runner: LAB_DIR=.lab/<id> (or loadRegion('lab', { labDir })).
`;

interface Parsed {
  readonly command: string | undefined;
  readonly args: string[];
  readonly id: string;
  readonly timeout: number | undefined;
  readonly bundle: string | undefined;
  readonly help: boolean;
}

function usageError(message: string): never {
  throw new LabError(`${message}\n\n${HELP}`);
}

function parse(argv: readonly string[]): Parsed {
  const args: string[] = [];
  let id = DEFAULT_LAB_ID;
  let timeout: number | undefined;
  let bundle: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '-h' || a === '--help') help = true;
    else if (a === '--id' || a === '--timeout' || a === '--bundle') {
      const v = argv[++i];
      if (v === undefined) usageError(`lab: ${a} needs a value`);
      if (a === '--id') id = v;
      else if (a === '--bundle') bundle = v;
      else {
        timeout = Number(v);
        if (!Number.isFinite(timeout) || timeout <= 0) usageError(`lab: --timeout '${v}' is not a positive number of seconds`);
      }
    } else if (a.startsWith('--id=')) id = a.slice(5);
    else if (a.startsWith('-')) usageError(`lab: unknown option '${a}'`);
    else args.push(a);
  }
  const [command, ...rest] = args;
  return { command, args: rest, id, timeout, bundle, help };
}

async function main(): Promise<void> {
  const p = parse(process.argv.slice(2));
  if (p.help || !p.command) {
    process.stdout.write(HELP);
    if (!p.help) process.exitCode = 2;
    return;
  }
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  switch (p.command) {
    case 'up': {
      const n = Number(p.args[0]);
      if (p.args.length !== 1 || !Number.isInteger(n)) usageError(`lab up: expected one host count, e.g. 'npm run lab -- up 3' (got '${p.args.join(' ')}')`);
      const info = await labUp({ id: p.id, hosts: n, log, ...(p.timeout ? { readyTimeoutSeconds: p.timeout } : {}), ...(p.bundle ? { bundle: p.bundle } : {}) });
      for (const h of info.hosts) process.stdout.write(`${h.name}\t${h.pool}\t${h.publicIp}\t${h.privateIp}\n`);
      process.stdout.write(`bundle: ${info.dir}/bundle (the hosts have no internet; stand-ins are listed above and in every play's output)\n`);
      process.stdout.write(`region: ${info.regionPath}\nssh: ssh -i ${info.privateKeyPath} -o UserKnownHostsFile=${info.knownHostsPath} root@${info.hosts[0]?.publicIp ?? ''}\n`);
      return;
    }
    case 'build':
      process.stdout.write(`${await buildRootfs({ log })}\n`);
      return;
    case 'down':
      await labDown(p.id);
      log(`lab '${p.id}': down`);
      return;
    case 'status': {
      const s = await labStatus(p.id);
      if (!s.up) {
        process.stdout.write(`lab '${p.id}' is not up\n`);
        return;
      }
      process.stdout.write(`lab '${p.id}': public ${s.publicCidr ?? ''}, private ${s.privateCidr ?? ''}, dir ${s.dir}\n`);
      process.stdout.write('HOST\tPOOL\tRUNNING\tPUBLIC\tPRIVATE\tSSH\n');
      for (const h of s.hosts) {
        process.stdout.write(`${h.name}\t${h.pool}\t${h.running ? 'yes' : 'no'}\t${h.publicIp}\t${h.privateIp}\t${h.sshReady ? 'ready' : 'no'} (${h.detail})\n`);
      }
      return;
    }
    case 'stop':
    case 'start': {
      const host = p.args[0];
      if (!host || p.args.length !== 1) usageError(`lab ${p.command}: expected one host name, e.g. 'npm run lab -- ${p.command} lab-2'`);
      if (p.command === 'stop') await stopHost(p.id, host);
      else await startHost(p.id, host, p.timeout ?? 60);
      log(`lab '${p.id}': ${host} ${p.command === 'stop' ? 'stopped' : 'started and ready'}`);
      return;
    }
    default:
      usageError(`lab: unknown command '${p.command}' (expected up, down, status, stop, start or build)`);
  }
}

main().catch((err: unknown) => {
  if (err instanceof LabError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
