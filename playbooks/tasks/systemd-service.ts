/**
 * `systemd.service`: a unit's enabled and running state. `restart: true` (for handlers) restarts it every time
 * the task runs; `reload: true` reloads it. A pending daemon-reload (a unit file changed) is done first.
 */
import { change, ok, predict, sh, ValidationError, type Command, type Task } from '../core';
import { unitState } from './facts/unit-state';

export interface SystemdServiceArgs {
  readonly name: string;
  /** @default unchanged */
  readonly enabled?: boolean;
  /** @default unchanged */
  readonly state?: 'started' | 'stopped';
  /** Restart now (handlers). @default false */
  readonly restart?: boolean;
  /** Reload now (handlers). @default false */
  readonly reload?: boolean;
}

export const systemdService: Task<SystemdServiceArgs> = {
  id: 'systemd.service',
  probes: (_h, a) => [unitState(a.name)],
  async plan(host, a) {
    if (!host.facts.systemd.running) throw new ValidationError(`systemd.service ${a.name} on '${host.name}': systemd is not running there (expected a systemd host)`);
    const s = await host.fact(unitState(a.name));
    if (s.enabled === 'not-found' && host.check) {
      // In check mode an earlier step that would install the unit has not run; report what would happen.
      const would = [...(a.enabled ? [sh`systemctl enable ${a.name}`] : []), ...(a.state === 'started' || a.restart ? [sh`systemctl start ${a.name}`] : [])];
      if (would.length) return change(`${a.name}: not installed yet (check mode: an earlier step would install it); would ${would.map((c) => c.split(' ')[1]).join(' and ')}`, would);
    }
    if (s.enabled === 'not-found') throw new ValidationError(`systemd.service on '${host.name}': unit '${a.name}' does not exist (expected an installed unit; fix: add a systemd.unit step before it)`);
    const commands: Command[] = [];
    const reasons: string[] = [];
    let enabled = s.enabled;
    let active = s.active;
    if (s.needDaemonReload) {
      commands.push('systemctl daemon-reload');
      reasons.push('daemon-reload');
    }
    if (a.enabled === true && s.enabled !== 'enabled' && s.enabled !== 'static' && s.enabled !== 'alias') {
      commands.push(sh`systemctl enable ${a.name}`);
      reasons.push(`enable (was ${s.enabled})`);
      enabled = 'enabled';
    }
    if (a.enabled === false && s.enabled === 'enabled') {
      commands.push(sh`systemctl disable ${a.name}`);
      reasons.push('disable');
      enabled = 'disabled';
    }
    const running = s.active === 'active' || s.active === 'activating' || s.active === 'reloading';
    if (a.restart) {
      commands.push(sh`systemctl restart ${a.name}`);
      reasons.push('restart');
      active = 'active';
    } else if (a.state === 'started' && !running) {
      commands.push(sh`systemctl start ${a.name}`);
      reasons.push(`start (was ${s.active})`);
      active = 'active';
    } else if (a.reload && running) {
      commands.push(sh`systemctl reload ${a.name}`);
      reasons.push('reload');
    }
    if (a.state === 'stopped' && running) {
      commands.push(sh`systemctl stop ${a.name}`);
      reasons.push('stop');
      active = 'inactive';
    }
    // A started unit is predicted `active` (a oneshot without RemainAfterExit is `inactive` again at once: the next
    // run starts it again, as it would without the prediction).
    const predicts = [predict(unitState(a.name), { enabled, active, needDaemonReload: false })];
    return commands.length ? change(`${a.name}: ${reasons.join(', ')}`, commands, { predicts }) : ok(`${a.name} ${s.enabled}, ${s.active}`);
  },
};
