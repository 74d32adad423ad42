/**
 * `sysctl.set`: a kernel parameter persisted in /etc/sysctl.d/60-<key>.conf and applied with `sysctl -w`.
 *
 * Containers (facts.virtualization === 'container', e.g. lab hosts) share the outer kernel: only net.* keys are
 * per network namespace and writable. There, other keys are persisted but NOT applied, and the summary says so;
 * this is a decision from the fact, not an ignored error. On a VM or metal a failing `sysctl -w` fails the task.
 */
import { change, ok, predict, sh, ValidationError, type Effect, type Task } from '../core';
import { fileProbes, planFile } from './file-spec';
import { normalizeSysctl, sysctlValue } from './facts/sysctl-value';

export interface SysctlArgs {
  /** e.g. `net.ipv4.ip_forward` */
  readonly key: string;
  readonly value: string | number;
}

export const sysctlPath = (key: string) => `/etc/sysctl.d/60-${key}.conf`;

/** Whether this host can set this key live (see the module comment). */
export function sysctlApplicable(virtualization: string, key: string): boolean {
  return virtualization !== 'container' || key.startsWith('net.');
}

export const sysctl: Task<SysctlArgs> = {
  id: 'sysctl.set',
  probes: (_h, a) => [...fileProbes(sysctlPath(a.key)), sysctlValue(a.key)],
  async plan(host, a) {
    if (!/^[a-z0-9_]+(\.[A-Za-z0-9_*-]+)+$/.test(a.key)) throw new ValidationError(`sysctl.set: key '${a.key}' is not a sysctl key (expected e.g. net.ipv4.ip_forward)`);
    const want = normalizeSysctl(String(a.value));
    const path = sysctlPath(a.key);
    const file = await planFile(host, { path, content: `# managed by region-bootstrapper\n${a.key} = ${want}\n`, mode: '0644' });
    const live = await host.fact(sysctlValue(a.key));
    const applicable = sysctlApplicable(host.facts.virtualization, a.key);
    if (live === null && applicable) throw new ValidationError(`sysctl.set on '${host.name}': key '${a.key}' does not exist in this kernel (${host.facts.kernel}); expected an existing key (is its module loaded?)`);
    const commands = [...file.commands];
    const reasons = file.changed ? [`${path}: ${file.reasons.join(', ')}`] : [];
    const predicts: Effect[] = file.changed ? [...file.predicts] : [];
    if (applicable && live !== want) {
      commands.push(sh`sysctl -q -w ${`${a.key}=${want}`}`);
      reasons.push(`${a.key} ${live} -> ${want}`);
      predicts.push(predict(sysctlValue(a.key), want));
    }
    const note = applicable ? '' : ` (container: ${a.key} belongs to the shared kernel, persisted only)`;
    if (commands.length === 0) return ok(`${a.key} = ${want}${note}`);
    return change(`${reasons.join('; ')}${note}`, commands, { predicts, ...(file.diff !== undefined ? { diff: file.diff } : {}) });
  },
};
