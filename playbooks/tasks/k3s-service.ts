/**
 * `k3s.service`: the k3s (or k3s-agent) unit enabled and running with the CURRENT inputs (binary, config.yaml,
 * token files, unit file). The sha256 of the inputs is stamped when the service is (re)started; a later run
 * restarts it only when an input changed since, or when it is not running. The restart does not block on the
 * unit's readiness (servers are Type=notify with no start timeout): pair it with a bounded wait step.
 */
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { change, defineFact, ok, pathSubject, predict, raw, sh, touches, ValidationError, type Command, type Fact, type Task } from '../core';
import { fileContent, fileState, type FileState } from './facts/file-state';
import { unitState } from './facts/unit-state';

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

/** The input hash of inputsHashScript, computed here from the inputs' file states (predicted or probed). */
export function inputsHash(states: readonly FileState[]): string | null {
  let lines = '';
  for (const st of states) {
    if (st.kind === 'file' && st.sha256) lines += `${st.sha256}  -\n`; // what `sha256sum < f` prints
    else if (st.kind === 'absent') lines += 'missing\n';
    else return null; // a link or a directory: only the host's own script can say
  }
  return createHash('sha256').update(lines).digest('hex');
}

/** The stamped hash on the host, or the hash the host computes over the inputs (when they are not plain files). */
function remoteInputsHash(inputs: readonly string[]): Fact<string> {
  return defineFact(`k3s.inputs-sha256:${inputs.join(',')}`, inputsHashScript(inputs), ({ stdout }) => stdout.trim());
}

const stampPath = (a: K3sServiceArgs) => `${a.stateDir ?? '/var/lib/region-bootstrapper'}/${a.unit}.inputs-sha256`;

/**
 * Reads the unit's state (systemd.unit predicts it after installing the unit), the inputs' file states (the steps
 * that write them predict those) and the stamp, so a plan made before any of them ran (check mode, or the same
 * batch) is exact; the change predicts a running, enabled unit and the new stamp.
 */
export const k3sService: Task<K3sServiceArgs> = {
  id: 'k3s.service',
  probes: (_h, a) => [unitState(`${a.unit}.service`), ...a.inputs.map((f) => fileState(f)), fileContent(stampPath(a))],
  async plan(host, a) {
    if (!/^k3s(-agent)?$/.test(a.unit)) throw new ValidationError(`k3s.service: unit '${a.unit}' is not k3s or k3s-agent`);
    if (!host.facts.systemd.running) throw new ValidationError(`k3s.service ${a.unit} on '${host.name}': systemd is not running there (expected a systemd host)`);
    const stampFile = stampPath(a);
    const [unit, states, stampBuf] = await Promise.all([host.fact(unitState(`${a.unit}.service`)), Promise.all(a.inputs.map((f) => host.fact(fileState(f)))), host.fact(fileContent(stampFile))]);
    if (unit.enabled === 'not-found') throw new ValidationError(`k3s.service on '${host.name}': unit ${a.unit}.service is not installed (expected the unit step before this one)`);
    const inputs = inputsHash(states) ?? (await host.fact(remoteInputsHash(a.inputs)));
    const stamp = stampBuf === null ? 'none' : stampBuf.toString('utf8').trim() || 'none';
    const commands: Command[] = [];
    const reasons: string[] = [];
    if (unit.enabled !== 'enabled') {
      commands.push(sh`systemctl enable ${a.unit}`);
      reasons.push(`enable (was ${unit.enabled})`);
    }
    const running = unit.active === 'active' || unit.active === 'activating' || unit.active === 'reloading';
    if (!running || stamp !== inputs) {
      commands.push(sh`mkdir -p "$(dirname ${stampFile})" && systemctl daemon-reload && systemctl restart --no-block ${a.unit} && { ${raw(inputsHashScript(a.inputs))}; } > ${stampFile}`);
      reasons.push(!running ? `start (was ${unit.active})` : 'restart: binary, config or token changed');
    }
    if (commands.length === 0) return ok(`${a.unit} running with the current binary and config`);
    return change(`${a.unit}: ${reasons.join(', ')}`, commands, {
      predicts: [
        // `restart --no-block`: activating at first (Type=notify), which every plan treats as running
        predict(unitState(`${a.unit}.service`), { enabled: 'enabled', active: running && stamp === inputs ? unit.active : 'active', needDaemonReload: false }),
        predict(fileContent(stampFile), Buffer.from(`${inputs}\n`)),
        touches(pathSubject(dirname(stampFile))),
      ],
    });
  },
};
