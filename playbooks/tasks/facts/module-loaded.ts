/** Whether a kernel module is loaded or built in (present under /sys/module). */
import { defineFact, sh, type Fact } from '../../core';

export function moduleLoaded(name: string): Fact<boolean> {
  const dir = `/sys/module/${name.replace(/-/g, '_')}`;
  return defineFact(`kernel.module-loaded:${name}`, sh`[ -d ${dir} ]`, ({ exitCode }) => exitCode === 0, { subjects: [`module:${name}`] });
}
