/**
 * `systemd.unit`: a unit file in /etc/systemd/system with this content; when it changes, the same apply runs
 * `systemctl daemon-reload`. Pair it with `systemd.service` (enabled/started) and notify a restart handler.
 */
import { change, ok, predict, ValidationError, type Task } from '../core';
import { fileProbes, planFile } from './file-spec';
import { unitState, type UnitState } from './facts/unit-state';

export interface SystemdUnitArgs {
  /** Unit name with its suffix, e.g. `k3s.service`. */
  readonly name: string;
  readonly content: string;
}

export const UNIT_DIR = '/etc/systemd/system';

export const systemdUnit: Task<SystemdUnitArgs> = {
  id: 'systemd.unit',
  probes: (_h, a) => [...fileProbes(`${UNIT_DIR}/${a.name}`), unitState(a.name)],
  async plan(host, a) {
    if (!/^[A-Za-z0-9:_.@\\-]+\.(service|socket|timer|mount|path|target)$/.test(a.name)) {
      throw new ValidationError(`systemd.unit: name '${a.name}' is not a unit name (expected e.g. k3s.service or backup.timer)`);
    }
    if (!host.facts.systemd.running) throw new ValidationError(`systemd.unit ${a.name} on '${host.name}': systemd is not running there (expected a systemd host)`);
    const path = `${UNIT_DIR}/${a.name}`;
    const p = await planFile(host, { path, content: a.content, mode: '0644' });
    if (!p.changed) return ok(`${a.name} up to date`);
    // After the write and daemon-reload the unit is loaded with its enablement and activity unchanged; a unit new
    // to systemd is `disabled` when it has an [Install] section, `static` otherwise (systemctl show UnitFileState).
    const before = await host.fact(unitState(a.name));
    const after: UnitState = before.enabled === 'not-found'
      ? { enabled: /^\[Install\]\s*$/m.test(a.content) ? 'disabled' : 'static', active: 'inactive', needDaemonReload: false }
      : { ...before, needDaemonReload: false };
    return change(`${a.name}: ${p.reasons.join(', ')}`, [...p.commands, 'systemctl daemon-reload'], {
      predicts: [...p.predicts, predict(unitState(a.name), after)],
      ...(p.diff !== undefined ? { diff: p.diff } : {}),
    });
  },
};
