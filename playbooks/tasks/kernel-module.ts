/**
 * `kernel.module`: a module loaded now (modprobe) and at boot (/etc/modules-load.d/<name>.conf).
 *
 * Containers (facts.virtualization === 'container', e.g. lab hosts) cannot load modules: they belong to the
 * outer kernel and modprobe fails. There the file is still persisted, loading is skipped, and the summary says
 * whether the outer kernel provides the module (/sys/module/<name>). On a VM or metal a failing modprobe fails.
 */
import { change, ok, predict, sh, ValidationError, type Effect, type Task } from '../core';
import { fileProbes, planFile } from './file-spec';
import { moduleLoaded } from './facts/module-loaded';

export interface KernelModuleArgs {
  /** e.g. `br_netfilter` */
  readonly name: string;
}

export const modulesLoadPath = (name: string) => `/etc/modules-load.d/${name}.conf`;

export const kernelModule: Task<KernelModuleArgs> = {
  id: 'kernel.module',
  probes: (_h, a) => [...fileProbes(modulesLoadPath(a.name)), moduleLoaded(a.name)],
  async plan(host, { name }) {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new ValidationError(`kernel.module: '${name}' is not a module name (expected e.g. br_netfilter)`);
    const file = await planFile(host, { path: modulesLoadPath(name), content: `# managed by region-bootstrapper\n${name}\n`, mode: '0644' });
    const loaded = await host.fact(moduleLoaded(name));
    const container = host.facts.virtualization === 'container';
    const commands = [...file.commands];
    const reasons = file.changed ? [`${modulesLoadPath(name)}: ${file.reasons.join(', ')}`] : [];
    const predicts: Effect[] = file.changed ? [...file.predicts] : [];
    if (!container && !loaded) {
      commands.push(sh`modprobe ${name}`);
      reasons.push(`load ${name}`);
      predicts.push(predict(moduleLoaded(name), true));
    }
    const note = container ? ` (container: not loaded here, modules belong to the host kernel; ${name} ${loaded ? 'is available' : 'is NOT available'})` : '';
    if (commands.length === 0) return ok(`${name} ${container ? 'persisted' : 'loaded'}${note}`);
    return change(`${reasons.join('; ')}${note}`, commands, { predicts, ...(file.diff !== undefined ? { diff: file.diff } : {}) });
  },
};
