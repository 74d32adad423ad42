/**
 * first-contact: the first run on a fresh Hetzner or Contabo machine, as the provider's initial login
 * (`ssh.initialUser`, root with the key chosen when the machine was ordered). It creates the deploy user the
 * region's later runs log in as (`ssh.user`), authorizes the operator key for it, allows it passwordless sudo
 * (checked with visudo -cf) and hardens sshd (keys only; AllowUsers the initial user and the deploy user), then
 * checks the hand-over on the host (the key is in place, the deploy user may `sudo -n`).
 *
 * Root keeps key login after this run on purpose: if the deploy login did not work, the operator could still get
 * in. The next run as the deploy user (`base`, part of `site`) turns it off (PermitRootLogin no, AllowUsers deploy),
 * which it can only do after it got in as deploy. So: `npm run play -- <region> first-contact`, then
 * `npm run play -- <region> site`.
 *
 * Needs from the region: ssh.user (not the initial user), ssh.initialUser (default root), ssh.privateKeyPath (its
 * `.pub`) or the var operatorPublicKey.
 */
import type { Region } from '../regions/types';
import { operatorPublicKey, renderSshd, SSHD_DROP_IN, SSHD_RELOAD } from './base';
import { definePlaybook, handler, sh, step, ValidationError } from './core';
import { defineRegionPlaybook } from './region-playbook';
import { authorizedKey, command, sudoersDropIn, user } from './tasks';
import { sshdDropIn } from './tasks/sshd-drop-in';
import { readFileSync } from 'node:fs';
import { renderTemplate } from './core';
import { templatePath } from './template-path';

export function firstContactPreflight(region: Region): void {
  if (region.ssh.user === region.ssh.initialUser) {
    throw new ValidationError(
      `region '${region.name}': first-contact creates ssh.user and hands over from ssh.initialUser, but both are '${region.ssh.user}' (expected ssh: { user: 'deploy', initialUser: 'root' }; a region that keeps logging in as root needs no first contact)`,
    );
  }
}

export function buildFirstContact(region: Region) {
  const deploy = region.ssh.user;
  return definePlaybook({
    name: 'first-contact',
    description: `As ${region.ssh.initialUser}: create ${deploy}, authorize the operator key, sudo, harden sshd`,
    plays: [
      {
        name: `First contact as ${region.ssh.initialUser}: hand over to ${deploy}`,
        hosts: 'all',
        steps: [
          step(`Ensure the user ${deploy} exists`, user, { name: deploy, shell: '/bin/bash', groups: ['sudo'] }, { tags: ['users'] }),
          step(`Ensure the operator key is authorized for ${deploy}`, authorizedKey, (h) => ({ user: deploy, key: operatorPublicKey(region, h) }), { tags: ['users'] }),
          step(`Ensure ${deploy} may sudo without a password (checked with visudo -cf)`, sudoersDropIn, {
            path: `/etc/sudoers.d/90-${deploy}`,
            content: renderTemplate(readFileSync(templatePath('sudoers-deploy.hbs'), 'utf8'), { region: region.name, user: deploy }, 'templates/sudoers-deploy.hbs'),
          }, { tags: ['users'] }),
          step(`Ensure sshd allows keys only, for ${region.ssh.initialUser} and ${deploy} (validated with sshd -t)`, sshdDropIn, (h) => ({
            path: SSHD_DROP_IN,
            content: renderSshd(region, h, region.ssh.initialUser),
          }), { tags: ['ssh'], notify: 'Reload sshd' }),
          step(`Check the hand-over: ${deploy} has the key and may sudo -n`, command, (h) => ({
            command: sh`h=$(getent passwd ${deploy} | cut -d: -f6) && grep -qxF -e ${operatorPublicKey(region, h)} "$h/.ssh/authorized_keys" && su -s /bin/sh ${deploy} -c 'sudo -n true'`,
            unless: sh`h=$(getent passwd ${deploy} | cut -d: -f6) && grep -qxF -e ${operatorPublicKey(region, h)} "$h/.ssh/authorized_keys" && su -s /bin/sh ${deploy} -c 'sudo -n true'`,
            summary: `${deploy}: key in authorized_keys, sudo -n works`,
          }), { tags: ['users'] }),
        ],
        handlers: [handler('Reload sshd', command, { command: SSHD_RELOAD, summary: 'reload sshd, then wait until it listens again' })],
      },
    ],
  });
}

export default defineRegionPlaybook({
  name: 'first-contact',
  description: 'First run on a fresh machine as the provider login (root): deploy user, operator key, sudo, sshd; later runs use the deploy user',
  connectAs: (region) => region.ssh.initialUser,
  preflight: (region) => firstContactPreflight(region),
  build: buildFirstContact,
});
