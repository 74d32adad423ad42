/**
 * `download.file`: fetch a URL on the host into `path`, verified against `sha256` BEFORE it is moved into place
 * (a mismatch fails the task and leaves the old file untouched). No change when the file already has the hash.
 * Uses curl, wget or python3, whichever the host has.
 */
import { change, ok, pathSubject, predict, raw, sh, touches, ValidationError, type Task } from '../core';
import { pathExists } from './facts/command-status';
import { fileState } from './facts/file-state';
import { normMode, validateFileSpec } from './file-spec';

export interface DownloadArgs {
  readonly url: string;
  readonly path: string;
  /** Hex sha256 of the expected content. */
  readonly sha256: string;
  /** @default 'root' */
  readonly owner?: string;
  /** @default 'root' */
  readonly group?: string;
  /** @default '0644' */
  readonly mode?: string;
  /** @default 300 */
  readonly timeoutSeconds?: number;
}

export const download: Task<DownloadArgs> = {
  id: 'download.file',
  probes: (_h, a) => [fileState(a.path)],
  async plan(host, a) {
    validateFileSpec('download.file', a);
    if (!/^[0-9a-f]{64}$/.test(a.sha256)) throw new ValidationError(`download.file ${a.path}: sha256 '${a.sha256}' is not 64 hex digits (expected the release checksum)`);
    if (!/^(https?|file):\/\/\S+$/.test(a.url)) throw new ValidationError(`download.file ${a.path}: url '${a.url}' is not an http(s) or file URL`);
    const owner = a.owner ?? 'root';
    const group = a.group ?? 'root';
    const mode = normMode(a.mode ?? '0644');
    const s = await host.fact(fileState(a.path));
    const t = a.timeoutSeconds ?? 300;
    if (s.kind === 'file' && s.sha256 === a.sha256) {
      const fix = [];
      if (s.owner !== owner || s.group !== group) fix.push(sh`chown ${`${owner}:${group}`} ${a.path}`);
      if (normMode(s.mode ?? '') !== mode) fix.push(sh`chmod ${mode} ${a.path}`);
      return fix.length ? change(`${a.path}: owner/mode`, fix, { predicts: [predict(fileState(a.path), { ...s, owner, group, mode })] }) : ok(`${a.path} has sha256 ${a.sha256.slice(0, 12)}…`);
    }
    const dir = a.path.slice(0, a.path.lastIndexOf('/')) || '/';
    const fetch = [
      sh`if command -v curl >/dev/null 2>&1; then curl -fsSL --max-time ${t} -o "$tmp" ${a.url};`,
      sh`elif command -v wget >/dev/null 2>&1; then wget -q -T ${t} -O "$tmp" ${a.url};`,
      sh`else python3 -c ${'import sys,urllib.request,shutil; r=urllib.request.urlopen(sys.argv[1], timeout=int(sys.argv[3])); shutil.copyfileobj(r, open(sys.argv[2], "wb"))'} ${a.url} "$tmp" ${t}; fi`,
    ].join(' ');
    const run = [
      sh`mkdir -p ${dir} && tmp=$(mktemp ${`${dir}/.rb-dl-XXXXXX`}) || exit 1`,
      sh`{ ${raw(fetch)}; } || { printf 'download of %s failed\n' ${a.url} >&2; rm -f "$tmp"; exit 1; }`,
      `actual=$(sha256sum "$tmp" | cut -d' ' -f1)`,
      sh`if [ "$actual" != ${a.sha256} ]; then echo "sha256 mismatch for "${a.url}": expected "${a.sha256}", got $actual" >&2; rm -f "$tmp"; exit 1; fi`,
      sh`chown ${`${owner}:${group}`} "$tmp" && chmod ${mode} "$tmp" && mv -f "$tmp" ${a.path}`,
    ].join('\n');
    // A subshell, so `exit` ends only the download and the executor names this command as the failed one.
    // The size is not known before the download: the file state is touched (probed again when read), existence predicted.
    return change(`download ${a.url} -> ${a.path}${s.kind === 'file' ? ' (replacing a file with another hash)' : ''}`, [{ run: `(\n${run}\n)`, display: `download ${a.url} to ${a.path}, verify sha256 ${a.sha256}` }], {
      predicts: [touches(pathSubject(a.path)), touches(pathSubject(dir)), predict(pathExists(a.path), true)],
    });
  },
};
