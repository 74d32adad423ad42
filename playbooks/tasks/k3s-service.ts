/**
 * `k3s.service`: the k3s (or k3s-agent) unit enabled and running with the CURRENT inputs (binary, config.yaml,
 * token files, unit file). The sha256 of the inputs is stamped when the service is (re)started; a later run
 * restarts it only when an input changed since, or when it is not running. The restart does not block on the
 * unit's readiness (servers are Type=notify with no start timeout): pair it with a bounded wait step.
 */
import { change, defineFact, ok, raw, sh, ValidationError, type Command, type Fact, type Task } from '../core';

export interface K3sServiceArgs {
  /** `k3s` or `k3s-agent`. */
  readonly unit: string;
  /** Absolute paths of the files the running service depends on. */
  readonly inputs: readonly string[];
  /** @default '/var/lib/region-bootstrapper' */
  readonly stateDir?: string;
}

/** POSIX sh that prints one sha256 over the inputs (a missing file counts as `missing`). */
export function inputsHashScript(inputs: readonly string[]): string {
  return sh`for f in ${[...inputs]}; do if [ -f "$f" ]; then sha256sum < "$f"; else echo missing; fi; done | sha256sum | cut -d' ' -f1`;
}

interface K3sServiceState {
  readonly enabled: string;
  readonly active: string;
  readonly inputs: string;
  readonly stamp: string;
}

function serviceState(unit: string, inputs: readonly string[], stamp: string): Fact<K3sServiceState> {
  const cmd = `${sh`e=$(systemctl is-enabled ${unit} 2>/dev/null) || [ -n "$e" ] || e=not-found; echo "$e"; systemctl is-active ${unit} 2>/dev/null; echo`}\n${inputsHashScript(inputs)}\n${sh`cat ${stamp} 2>/dev/null || echo none`}`;
  return defineFact(`k3s.service:${unit}:${inputs.join(',')}`, cmd, ({ stdout }) => {
    const [enabled = 'not-found', active = 'inactive', inputsSha = '', stampSha = 'none'] = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
    return { enabled, active, inputs: inputsSha, stamp: stampSha };
  });
}

export const k3sService: Task<K3sServiceArgs> = {
  id: 'k3s.service',
  probes: (_h, a) => [serviceState(a.unit, a.inputs, `${a.stateDir ?? '/var/lib/region-bootstrapper'}/${a.unit}.inputs-sha256`)],
  async plan(host, a) {
    if (!/^k3s(-agent)?$/.test(a.unit)) throw new ValidationError(`k3s.service: unit '${a.unit}' is not k3s or k3s-agent`);
    if (!host.facts.systemd.running) throw new ValidationError(`k3s.service ${a.unit} on '${host.name}': systemd is not running there (expected a systemd host)`);
    const stampFile = `${a.stateDir ?? '/var/lib/region-bootstrapper'}/${a.unit}.inputs-sha256`;
    const s = await host.fact(serviceState(a.unit, a.inputs, stampFile));
    if (s.enabled === 'not-found') throw new ValidationError(`k3s.service on '${host.name}': unit ${a.unit}.service is not installed (expected the unit step before this one)`);
    const commands: Command[] = [];
    const reasons: string[] = [];
    if (s.enabled !== 'enabled') {
      commands.push(sh`systemctl enable ${a.unit}`);
      reasons.push(`enable (was ${s.enabled})`);
    }
    const running = s.active === 'active' || s.active === 'activating' || s.active === 'reloading';
    if (!running || s.stamp !== s.inputs) {
      commands.push(sh`mkdir -p "$(dirname ${stampFile})" && systemctl daemon-reload && systemctl restart --no-block ${a.unit} && { ${raw(inputsHashScript(a.inputs))}; } > ${stampFile}`);
      reasons.push(!running ? `start (was ${s.active})` : 'restart: binary, config or token changed');
    }
    return commands.length ? change(`${a.unit}: ${reasons.join(', ')}`, commands) : ok(`${a.unit} running with the current binary and config`);
  },
};
