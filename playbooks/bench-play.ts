/**
 * bench-play: a representative play for the runner's tests and bench (bench/play.ts), 15 steps of the kinds the
 * real playbooks use: a directory, files, templates (one with a secret), net.* sysctls, kernel modules (on a
 * container the modules-load.d file is persisted and loading is skipped, see tasks/kernel-module.ts), a system
 * user, packages already in the base image, a systemd unit with its service, and a guarded command.
 * It writes only below /etc/rb-bench, /etc/sysctl.d, /etc/modules-load.d and /etc/systemd/system.
 *
 * Vars: `benchToken` (a secret, e.g. `--secret-var benchToken=BENCH_TOKEN`), `benchLiteral` (any text; written
 * verbatim to /etc/rb-bench/literal.txt), `benchMotd` (text of motd.txt; change it to see a diff).
 */
import { definePlaybook, handler, sh, step, type HostView } from './core';
import { aptPackages, command, directory, file, kernelModule, sysctl, systemdService, systemdUnit, template, user } from './tasks';

export const BENCH_DIR = '/etc/rb-bench';
export const BENCH_UNIT = 'rb-bench.service';

const str = (h: HostView, k: string, fallback: string): string => {
  const v = h.vars[k];
  return v === undefined ? fallback : typeof v === 'object' ? v.reveal() : String(v);
};

export default definePlaybook({
  name: 'bench-play',
  description: 'Representative play for the runner tests and bench (files, templates, sysctls, modules, user, packages, unit)',
  plays: [
    {
      name: 'Bench host setup',
      hosts: 'all',
      steps: [
        step('Ensure the bench directory exists', directory, { path: BENCH_DIR, mode: '0755' }, { tags: ['files'] }),
        step('Write the motd', file, (h) => ({ path: `${BENCH_DIR}/motd.txt`, content: `${str(h, 'benchMotd', 'Managed by region-bootstrapper.')}\n` }), { tags: ['files'] }),
        step('Write the limits file', file, { path: `${BENCH_DIR}/limits.conf`, content: '* soft nofile 65536\n* hard nofile 65536\n', mode: '0600' }, { tags: ['files'] }),
        step('Render the host description', template, (h) => ({
          path: `${BENCH_DIR}/host.conf`,
          source: '# {{name}} in pool {{pool}}\nname={{name}}\npool={{pool}}\nos={{os}} {{version}}\narch={{arch}}\nvirtualization={{virt}}\n',
          vars: { name: h.name, pool: str(h, 'pool', 'none'), os: h.facts.os.id, version: h.facts.os.versionId, arch: h.facts.arch, virt: h.facts.virtualization },
        }), { tags: ['files', 'templates'] }),
        step('Render the token file', template, (h) => ({
          path: `${BENCH_DIR}/token.env`,
          source: 'BENCH_TOKEN={{token}}\n',
          vars: { token: h.vars.benchToken ?? 'none' },
          mode: '0600',
        }), { tags: ['files', 'templates', 'secrets'] }),
        step('Enable IPv4 forwarding', sysctl, { key: 'net.ipv4.ip_forward', value: 1 }, { tags: ['sysctl'] }),
        step('Use loose reverse-path filtering', sysctl, { key: 'net.ipv4.conf.all.rp_filter', value: 2 }, { tags: ['sysctl'] }),
        step('Raise the listen backlog', sysctl, { key: 'net.core.somaxconn', value: 4096 }, { tags: ['sysctl'] }),
        step('Ensure br_netfilter is loaded', kernelModule, { name: 'br_netfilter' }, { tags: ['modules'] }),
        step('Ensure overlay is loaded', kernelModule, { name: 'overlay' }, { tags: ['modules'] }),
        step('Ensure the bench user exists', user, { name: 'rbbench', system: true, shell: '/usr/sbin/nologin', home: '/var/lib/rbbench' }, { tags: ['users'] }),
        step('Ensure base packages are installed', aptPackages, { names: ['openssh-server', 'nftables', 'iproute2', 'sudo'] }, { tags: ['packages'] }),
        step('Install the bench unit', systemdUnit, {
          name: BENCH_UNIT,
          content: '[Unit]\nDescription=region-bootstrapper bench unit\n\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n\n[Install]\nWantedBy=multi-user.target\n',
        }, { tags: ['systemd'], notify: 'Restart the bench unit' }),
        step('Start and enable the bench unit', systemdService, { name: BENCH_UNIT, enabled: true, state: 'started' }, { tags: ['systemd'] }),
        step('Write the literal value once', command, (h) => ({
          command: sh`printf '%s\n' ${str(h, 'benchLiteral', `it's "quoted" $(not run) \`nor this\``)} > ${`${BENCH_DIR}/literal.txt`}`,
          creates: `${BENCH_DIR}/literal.txt`,
          summary: `write ${BENCH_DIR}/literal.txt`,
          predicts: [], // it writes only the path it creates
        }), { tags: ['files'] }),
      ],
      handlers: [handler('Restart the bench unit', systemdService, { name: BENCH_UNIT, restart: true })],
    },
  ],
});
