/** What is at a path: absent, a regular file (sha256, mode, owner, group, size), a directory, a link or other. */
import { defineFact, pathSubject, sh, type Fact } from '../../core';

export interface FileState {
  readonly kind: 'absent' | 'file' | 'directory' | 'link' | 'other';
  /** Octal permission bits as `stat -c %a` prints them, e.g. `644`. */
  readonly mode?: string;
  readonly owner?: string;
  readonly group?: string;
  readonly size?: number;
  /** Hex sha256 of a regular file's content. */
  readonly sha256?: string;
}

export function fileState(path: string): Fact<FileState> {
  const command = sh`p=${path}; if [ -L "$p" ]; then echo link; elif [ -f "$p" ]; then echo file; stat -c '%a %U %G %s' "$p"; sha256sum < "$p"; elif [ -d "$p" ]; then echo directory; stat -c '%a %U %G %s' "$p"; elif [ -e "$p" ]; then echo other; else echo absent; fi`;
  const fact = defineFact(`file.state:${path}`, command, ({ stdout }) => {
    const [kind = 'absent', stat = '', sha = ''] = stdout.trim().split('\n');
    const [mode, owner, group, size] = stat.split(' ');
    if (!['absent', 'file', 'directory', 'link', 'other'].includes(kind)) throw new Error(`file.state ${path}: unexpected probe output '${stdout.slice(0, 80)}'`);
    return {
      kind: kind as FileState['kind'],
      ...(mode ? { mode, owner: owner ?? '', group: group ?? '', size: Number(size) } : {}),
      ...(sha ? { sha256: sha.trim().split(/\s+/)[0]! } : {}),
    };
  }, { subjects: [pathSubject(path)] });
  // Paths a line-based listing cannot carry are probed on their own.
  return /[\n\\]/.test(path) ? fact : { ...fact, group: { id: 'file.state', item: path, command: groupCommand, split: groupSplit } };
}

/** One `stat` and one `sha256sum` for every path of the batch (kinds come from shell builtins). */
function groupCommand(paths: readonly string[]): string {
  return [
    sh`set -- ${paths}`,
    `for p do if [ -L "$p" ]; then echo link; elif [ -f "$p" ]; then echo file; elif [ -d "$p" ]; then echo directory; elif [ -e "$p" ]; then echo other; else echo absent; fi; done`,
    `echo @@rb-stat; stat -c 'S %a %U %G %s %n' -- "$@" 2>/dev/null`,
    `n=$#; for p do if [ -f "$p" ] && [ ! -L "$p" ]; then set -- "$@" "$p"; fi; done; shift "$n"`,
    `echo @@rb-sha; if [ $# -gt 0 ]; then sha256sum -- "$@" 2>/dev/null; fi; true`,
  ].join('\n');
}

function groupSplit(stdout: string, paths: readonly string[]): string[] {
  const [kindsText = '', rest = ''] = stdout.split('@@rb-stat\n');
  const [statText = '', shaText = ''] = rest.split('@@rb-sha\n');
  const kinds = kindsText.split('\n');
  const stats = new Map<string, string>();
  for (const line of statText.split('\n')) {
    const m = /^S (\S+) (\S+) (\S+) (\d+) (.*)$/.exec(line);
    if (m) stats.set(m[5]!, `${m[1]} ${m[2]} ${m[3]} ${m[4]}`);
  }
  const shas = new Map<string, string>();
  for (const line of shaText.split('\n')) {
    const m = /^([0-9a-f]{64}) [ *](.*)$/.exec(line);
    if (m) shas.set(m[2]!, m[1]!);
  }
  return paths.map((p, i) => {
    const kind = kinds[i] ?? 'absent';
    if (kind === 'file') return `file\n${stats.get(p) ?? ''}\n${shas.get(p) ?? ''}\n`;
    if (kind === 'directory') return `directory\n${stats.get(p) ?? ''}\n`;
    return `${kind}\n`;
  });
}

/** A file's content (base64 over the wire), fetched only when a plan needs a diff. null when absent. */
export function fileContent(path: string): Fact<Buffer | null> {
  return defineFact(`file.content:${path}`, sh`if [ -f ${path} ]; then echo present; base64 < ${path}; else echo absent; fi`, ({ stdout }) => {
    const nl = stdout.indexOf('\n');
    const head = nl < 0 ? stdout.trim() : stdout.slice(0, nl);
    return head === 'present' ? Buffer.from(stdout.slice(nl + 1).replace(/\s+/g, ''), 'base64') : null;
  }, { subjects: [pathSubject(path)] });
}
