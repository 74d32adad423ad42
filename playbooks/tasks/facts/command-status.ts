/** The exit status of a read-only check command (0 = true). Used by guards such as `unless` and `onlyIf`. */
import { defineFact, pathSubject, sh, type Fact } from '../../core';

export function commandStatus(command: string): Fact<number> {
  return defineFact(`command.status:${command}`, `${command}\n`, ({ exitCode }) => exitCode);
}

/** Whether a path exists (any kind). */
export function pathExists(path: string): Fact<boolean> {
  return defineFact(`path.exists:${path}`, sh`[ -e ${path} ] || [ -L ${path} ]`, ({ exitCode }) => exitCode === 0, { subjects: [pathSubject(path)] });
}
