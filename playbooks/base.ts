/**
 * base: what every host needs before k3s: packages, kernel modules and sysctls k3s relies on, time sync, a deploy
 * user with the operator's key and passwordless sudo, and SSH hardening (a validated drop-in) that keeps the
 * runner's own way in (key login for the user the runner connects as).
 *
 * Needs from the region: ssh.user, ssh.privateKeyPath (its `.pub` is the operator key) or the host/pool var
 * `operatorPublicKey`, k3s.flannelBackend. Optional var `deployUser` (default `deploy`).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Region } from '../regions/types';
import { definePlaybook, handler, renderTemplate, step, ValidationError, type HostView } from './core';
import { defineRegionPlaybook } from './region-playbook';
import { aptPackages, authorizedKey, command, kernelModule, sudoersDropIn, sysctl, systemdService, user } from './tasks';
import { sshdDropIn } from './tasks/sshd-drop-in';
import { templatePath } from './template-path';

/** Packages k3s and the playbooks use on every host. */
export const BASE_PACKAGES = ['nftables', 'iptables', 'curl', 'ca-certificates', 'kmod', 'procps', 'iproute2', 'systemd-timesyncd', 'sudo', 'openssh-server'] as const;

/** Kernel modules k3s needs; the flannel backend adds its own. */
export function baseModules(region: Region): string[] {
  return ['br_netfilter', 'overlay', region.k3s.flannelBackend === 'vxlan' ? 'vxlan' : 'wireguard'];
}

/** Sysctls for k3s (forwarding, bridged traffic through netfilter) and for many pods (inotify). */
export const BASE_SYSCTLS: readonly { key: string; value: string }[] = [
  { key: 'net.ipv4.ip_forward', value: '1' },
  { key: 'net.ipv6.conf.all.forwarding', value: '1' },
  { key: 'net.bridge.bridge-nf-call-iptables', value: '1' },
  { key: 'net.bridge.bridge-nf-call-ip6tables', value: '1' },
  { key: 'fs.inotify.max_user_instances', value: '8192' },
  { key: 'fs.inotify.max_user_watches', value: '524288' },
  { key: 'vm.overcommit_memory', value: '1' },
  { key: 'kernel.panic', value: '10' },
];

export const SSHD_DROP_IN = '/etc/ssh/sshd_config.d/10-platform.conf';

/**
 * Reload sshd, then wait (bounded) until it listens again: on SIGHUP sshd re-executes itself and closes its
 * listening socket for a moment, and the runner's next connection (a later play, the firewall's confirmation,
 * the next run) must not land in that gap.
 */
export const SSHD_RELOAD = [
  'systemctl reload ssh || exit 1',
  'port=$(sshd -T 2>/dev/null | awk \'$1 == "port" { print $2; exit }\')',
  // the old listener may still answer right after the SIGHUP: give the re-exec a moment, then require a banner
  'sleep 0.5',
  'deadline=$(( $(date +%s) + 30 ))',
  'until timeout 3 bash -c \'exec 3<>"/dev/tcp/127.0.0.1/$0" && head -c 8 <&3\' "${port:-22}" 2>/dev/null | grep -q "^SSH-2.0"; do',
  '  if [ "$(date +%s)" -ge "$deadline" ]; then echo "sshd does not answer on port ${port:-22} 30 s after its reload" >&2; exit 1; fi',
  '  sleep 0.2',
  'done',
].join('\n');

export function deployUserOf(host: HostView): string {
  const v = host.vars.deployUser;
  return typeof v === 'string' && v ? v : 'deploy';
}

/** The operator's public key: host/pool var `operatorPublicKey`, else `<ssh.privateKeyPath>.pub`. */
export function operatorPublicKey(region: Region, host: HostView): string {
  const v = host.vars.operatorPublicKey;
  if (typeof v === 'string' && v.trim()) return v.trim();
  const pub = region.ssh.privateKeyPath ? `${region.ssh.privateKeyPath}.pub` : undefined;
  if (pub && existsSync(pub)) return readFileSync(pub, 'utf8').trim();
  throw new ValidationError(
    `region '${region.name}', host '${host.name}': no operator public key (expected the var operatorPublicKey in the region's pool/host vars, or a key file ${pub ?? '<ssh.privateKeyPath>.pub'}; fix: add vars: { operatorPublicKey: 'ssh-ed25519 AAAA... ops' } to the pool)`,
  );
}

/** sshd hardening vars: root keeps key-only login only when the runner (`runner`, default ssh.user) logs in as root. */
export function sshdVars(region: Region, host: HostView, runner: string = region.ssh.user): Record<string, string> {
  const deploy = deployUserOf(host);
  return {
    region: region.name,
    runnerUser: runner,
    permitRootLogin: runner === 'root' ? 'prohibit-password' : 'no',
    allowUsers: [...new Set([runner, deploy])].join(' '),
  };
}

export default defineRegionPlaybook({
  name: 'base',
  description: 'Packages, kernel modules, sysctls, time sync, deploy user and SSH hardening on every host',
  build: (region) =>
    definePlaybook({
      name: 'base',
      description: 'Packages, kernel modules, sysctls, time sync, deploy user and SSH hardening on every host',
      plays: [
        {
          name: 'Base system',
          hosts: 'all',
          steps: [
            step('Ensure the base packages are installed', aptPackages, { names: [...BASE_PACKAGES], updateCache: true }, { tags: ['packages'] }),
            ...baseModules(region).map((name) => step(`Ensure kernel module ${name} is loaded`, kernelModule, { name }, { tags: ['kernel'] })),
            ...BASE_SYSCTLS.map((s) => step(`Ensure ${s.key} = ${s.value}`, sysctl, s, { tags: ['kernel'] })),
            step('Ensure systemd-timesyncd is enabled', systemdService, { name: 'systemd-timesyncd', enabled: true }, { tags: ['time'] }),
            step('Ensure systemd-timesyncd is running', systemdService, { name: 'systemd-timesyncd', state: 'started' }, {
              tags: ['time'],
              // In a container the clock is the outer machine's: systemd-timesyncd refuses to run there (ConditionVirtualization=!container).
              when: (h) => h.facts.virtualization !== 'container',
            }),
            step('Ensure the deploy user exists', user, (h) => ({ name: deployUserOf(h), shell: '/bin/bash', groups: ['sudo'] }), { tags: ['users'] }),
            step('Ensure the operator key is authorized for the deploy user', authorizedKey, (h) => ({ user: deployUserOf(h), key: operatorPublicKey(region, h) }), { tags: ['users'] }),
            step('Ensure the deploy user may sudo without a password (checked with visudo -cf)', sudoersDropIn, (h) => ({
              path: `/etc/sudoers.d/90-${deployUserOf(h)}`,
              content: renderTemplate(readFileSync(templatePath('sudoers-deploy.hbs'), 'utf8'), { region: region.name, user: deployUserOf(h) }, 'templates/sudoers-deploy.hbs'),
            }), { tags: ['users'] }),
            step('Ensure sshd allows keys only (validated with sshd -t)', sshdDropIn, (h) => ({
              path: SSHD_DROP_IN,
              content: renderSshd(region, h),
            }), { tags: ['ssh'], notify: 'Reload sshd' }),
          ],
          // (a reload changes no file, unit state or setting a later step reads: predicts nothing)
          handlers: [handler('Reload sshd', command, { command: SSHD_RELOAD, summary: 'reload sshd, then wait until it listens again', predicts: [] })],
        },
      ],
    }),
});

const sshdSource = () => readFileSync(templatePath('sshd-hardening.conf.hbs'), 'utf8');
export function renderSshd(region: Region, h: HostView, runner?: string): string {
  return renderTemplate(sshdSource(), sshdVars(region, h, runner), 'templates/sshd-hardening.conf.hbs');
}
