/** The live value of a sysctl key (whitespace normalised), null when the key does not exist. */
import { defineFact, sh, type Fact } from '../../core';

export function sysctlValue(key: string): Fact<string | null> {
  // Not a shell-builtin `read` of /proc/sys: it reads byte by byte, and integer sysctls answer a read at an offset
  // with end-of-file (somaxconn 4096 would read as '4').
  const command = sh`sysctl -n ${key}`;
  const fact = defineFact(`sysctl.value:${key}`, command, ({ stdout, exitCode }) => (exitCode === 0 && stdout.trim() !== '' ? normalizeSysctl(stdout) : null), { subjects: [`sysctl:${key}`] });
  return { ...fact, group: { id: 'sysctl.value', item: key, command: groupCommand, split: groupSplit } };
}

/** One `sysctl` for every key of the batch; `key = value` lines, unknown keys simply missing. */
function groupCommand(keys: readonly string[]): string {
  return sh`sysctl -e ${keys}; true`;
}

function groupSplit(stdout: string, keys: readonly string[]): string[] {
  const values = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const i = line.indexOf(' = ');
    if (i > 0) values.set(line.slice(0, i), line.slice(i + 3));
  }
  return keys.map((k) => (values.has(k) ? `${values.get(k)}\n` : ''));
}

export function normalizeSysctl(value: string): string {
  return value.trim().split(/\s+/).join(' ');
}
