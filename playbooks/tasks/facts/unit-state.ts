/** A systemd unit's state: enabled (UnitFileState), active (ActiveState), whether systemd wants a daemon-reload. */
import { defineFact, sh, type Fact } from '../../core';

export interface UnitState {
  /** `enabled`, `disabled`, `static`, `masked`, `not-found`, ... */
  readonly enabled: string;
  /** `active`, `inactive`, `failed`, `activating`, ... */
  readonly active: string;
  readonly needDaemonReload: boolean;
}

export function unitState(name: string): Fact<UnitState> {
  // One systemctl call (each systemctl start costs tens of ms on a busy host).
  const command = sh`systemctl show -p LoadState -p UnitFileState -p ActiveState -p NeedDaemonReload ${name}`;
  return defineFact(`systemd.unit-state:${name}`, command, ({ stdout }) => {
    const p = Object.fromEntries(stdout.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]));
    const enabled = p.LoadState === 'not-found' || !p.LoadState ? 'not-found' : p.UnitFileState || 'static';
    return { enabled, active: p.ActiveState || 'inactive', needDaemonReload: p.NeedDaemonReload === 'yes' };
  }, { subjects: [`unit:${name}`] });
}
