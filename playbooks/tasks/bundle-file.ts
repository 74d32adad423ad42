/**
 * `bundle.file`: a file of an air-gap bundle (on the runner's machine) put on the host over the existing SSH
 * connection, verified ON THE HOST against the manifest's sha256 BEFORE it is moved into place (a mismatch fails and
 * leaves the old file). The copy lands in a staging folder beside the target's folder, not in it: k3s imports every
 * file of its images folder, a half-written one included. No change (and no transfer) when the host already has a
 * file with that sha256; owner/mode drift is fixed without a copy.
 */
import { statSync } from 'node:fs';
import { change, ok, pathSubject, predict, sh, touches, ValidationError, type Task } from '../core';
import { pathExists } from './facts/command-status';
import { fileState } from './facts/file-state';
import { normMode, validateFileSpec } from './file-spec';

export interface BundleFileArgs {
  /** Absolute path of the bundle file on the runner's machine (already verified against the manifest). */
  readonly localPath: string;
  readonly sha256: string;
  /** Target path on the host. */
  readonly path: string;
  /** What it is, for output, e.g. `k3s v1.28.15+k3s1 (amd64) [STAND-IN: ...]`. */
  readonly label: string;
  /** @default '0644' */
  readonly mode?: string;
}

/** Staging folder for `path`: `<parent of its folder>/.rb-incoming` (same file system in practice, outside the folder). */
export function stagingDir(path: string): string {
  const dir = path.slice(0, path.lastIndexOf('/')) || '/';
  const parent = dir.slice(0, dir.lastIndexOf('/')) || '/';
  return `${parent === '/' ? '' : parent}/.rb-incoming`;
}

function human(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} B`;
}

export const bundleFile: Task<BundleFileArgs> = {
  id: 'bundle.file',
  probes: (_h, a) => [fileState(a.path)],
  async plan(host, a) {
    validateFileSpec('bundle.file', a);
    if (!/^[0-9a-f]{64}$/.test(a.sha256)) throw new ValidationError(`bundle.file ${a.path}: sha256 '${a.sha256}' is not 64 hex digits (expected the bundle manifest's sum)`);
    if (!a.localPath.startsWith('/')) throw new ValidationError(`bundle.file ${a.path}: local path '${a.localPath}' is not absolute`);
    const mode = normMode(a.mode ?? '0644');
    const s = await host.fact(fileState(a.path));
    if (s.kind === 'file' && s.sha256 === a.sha256) {
      const fix = [];
      if (s.owner !== 'root' || s.group !== 'root') fix.push(sh`chown root:root ${a.path}`);
      if (normMode(s.mode ?? '') !== mode) fix.push(sh`chmod ${mode} ${a.path}`);
      return fix.length ? change(`${a.path}: owner/mode`, fix, { predicts: [predict(fileState(a.path), { ...s, owner: 'root', group: 'root', mode })] }) : ok(`${a.path} is ${a.label} (sha256 ${a.sha256.slice(0, 12)}…)`);
    }
    if (s.kind !== 'file' && s.kind !== 'absent') throw new ValidationError(`bundle.file ${a.path} on '${host.name}': the path is a ${s.kind} (expected a regular file or nothing; fix: remove it by hand after checking what it is)`);
    const size = statSync(a.localPath).size;
    const staging = stagingDir(a.path);
    const tmp = `${staging}/${a.sha256.slice(0, 16)}.part`;
    const dir = a.path.slice(0, a.path.lastIndexOf('/')) || '/';
    return change(`push ${a.label} (${human(size)}) -> ${a.path}${s.kind === 'file' ? ' (replacing a file with another sha256)' : ''}`, [
      { run: sh`umask 077 && mkdir -p ${staging} && cat > ${tmp}`, stdinFile: a.localPath, display: `push ${a.localPath} (${human(size)}) over SSH to ${tmp}` },
      {
        run: [
          sh`actual=$(sha256sum < ${tmp} | cut -d' ' -f1)`,
          sh`if [ "$actual" != ${a.sha256} ]; then echo "sha256 mismatch for "${a.path}" after the transfer: expected "${a.sha256}", got $actual; the old file is kept" >&2; rm -f ${tmp}; exit 1; fi`,
          sh`mkdir -p ${dir} && chown root:root ${tmp} && chmod ${mode} ${tmp} && mv -f ${tmp} ${a.path}`,
        ].join('\n'),
        display: `verify sha256 ${a.sha256} on the host, then move it to ${a.path} (mode ${mode})`,
      },
    ], {
      // Exactly the manifest's file (size and sha256 known), so later steps and check mode plan against it.
      predicts: [
        predict(fileState(a.path), { kind: 'file', mode, owner: 'root', group: 'root', size, sha256: a.sha256 }),
        predict(pathExists(a.path), true),
        touches(pathSubject(dir)),
        touches(pathSubject(staging)),
      ],
    });
  },
};
