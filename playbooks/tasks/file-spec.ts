/**
 * The shared core of every task that manages a file (file, template, systemd unit, sysctl, modules-load.d):
 * compare the wanted content/owner/mode with the probed state, and build the atomic write (temp + rename in the
 * same directory, owner and mode set before the rename) and the diff.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ValidationError, type Command, type Effect, type HostView, type Secret, isSecret, pathSubject, predict, sh, touches } from '../core';
import { fileContent, fileState, type FileState } from './facts/file-state';
import { pathExists } from './facts/command-status';
import { unifiedDiff } from '../core';

export interface FileSpec {
  /** Absolute path on the host. */
  readonly path: string;
  readonly content: string | Buffer | Secret;
  /** @default 'root' */
  readonly owner?: string;
  /** @default 'root' */
  readonly group?: string;
  /** Octal, e.g. '0644'. @default '0644' */
  readonly mode?: string;
}

export interface FilePlan {
  readonly changed: boolean;
  /** What changes: `create`, `update content`, `mode 600 -> 644`, ... */
  readonly reasons: readonly string[];
  readonly commands: readonly Command[];
  readonly diff?: string;
  /** The file as the commands leave it (state, content, existence); the parent directory may be created. */
  readonly predicts: readonly Effect[];
}

export function validateFileSpec(taskId: string, spec: Pick<FileSpec, 'path' | 'mode' | 'owner' | 'group'>): void {
  if (!spec.path.startsWith('/') || spec.path.endsWith('/')) {
    throw new ValidationError(`${taskId}: path '${spec.path}' is not an absolute file path (expected e.g. /etc/myapp/config.yaml)`);
  }
  if (spec.mode !== undefined && !/^0?[0-7]{3}$/.test(spec.mode)) {
    throw new ValidationError(`${taskId} ${spec.path}: mode '${spec.mode}' is not an octal mode (expected e.g. '0644' or '0600')`);
  }
  for (const [k, v] of [['owner', spec.owner], ['group', spec.group]] as const) {
    if (v !== undefined && !/^[a-z_][a-z0-9_-]*\$?$/i.test(v)) throw new ValidationError(`${taskId} ${spec.path}: ${k} '${v}' is not a user/group name (expected e.g. root)`);
  }
}

/** Probes a file plan needs (the content is fetched later, only when it differs and a diff is wanted). */
export function fileProbes(path: string) {
  return [fileState(path)];
}

export function contentBuffer(content: FileSpec['content']): Buffer {
  if (isSecret(content)) return Buffer.from(content.reveal());
  return typeof content === 'string' ? Buffer.from(content) : content;
}

/** Compare and plan. Reads the old content for the diff only when the content differs. */
export async function planFile(host: HostView, spec: FileSpec): Promise<FilePlan> {
  const state = await host.fact(fileState(spec.path));
  const want = contentBuffer(spec.content);
  const wantSha = createHash('sha256').update(want).digest('hex');
  const owner = spec.owner ?? 'root';
  const group = spec.group ?? 'root';
  const mode = normMode(spec.mode ?? '0644');
  if (state.kind !== 'absent' && state.kind !== 'file') {
    throw new ValidationError(`file ${spec.path} on '${host.name}': a ${state.kind} is in the way (expected a regular file or nothing; fix: remove it or choose another path)`);
  }
  const written = writtenFile(spec.path, want, wantSha, owner, group, mode);
  if (state.kind === 'absent') {
    return { changed: true, reasons: ['create'], commands: [writeCommand(spec.path, want, owner, group, mode)], diff: diffOf(Buffer.alloc(0), want, spec), predicts: written };
  }
  const reasons: string[] = [];
  const commands: Command[] = [];
  if (state.sha256 !== wantSha) {
    reasons.push('update content');
    const old = await host.fact(fileContent(spec.path));
    return { changed: true, reasons, commands: [writeCommand(spec.path, want, owner, group, mode)], diff: diffOf(old ?? Buffer.alloc(0), want, spec), predicts: written };
  }
  if (state.owner !== owner || state.group !== group) {
    reasons.push(`owner ${state.owner}:${state.group} -> ${owner}:${group}`);
    commands.push(sh`chown ${`${owner}:${group}`} ${spec.path}`);
  }
  if (normMode(state.mode ?? '') !== mode) {
    reasons.push(`mode ${state.mode} -> ${mode}`);
    commands.push(sh`chmod ${mode} ${spec.path}`);
  }
  return { changed: commands.length > 0, reasons, commands, predicts: [predict(fileState(spec.path), { ...state, owner, group, mode })] };
}

/** What writeCommand leaves behind: exactly this file (what fileState/fileContent/pathExists then read), maybe a new parent. */
export function writtenFile(path: string, content: Buffer, sha256: string, owner: string, group: string, mode: string): Effect[] {
  const dir = path.slice(0, path.lastIndexOf('/')) || '/';
  return [
    predict(fileState(path), { kind: 'file', mode, owner, group, size: content.length, sha256 }),
    predict(fileContent(path), content),
    predict(pathExists(path), true),
    touches(pathSubject(dir)),
  ];
}

/**
 * The atomic write: the payload into a new temp file in the same directory, then rename. Few processes (each costs
 * tens of ms on a busy host): text (UTF-8 without NUL, up to 64 KiB) is written by the shell's printf builtin from
 * one single-quoted word (no expansion of any kind inside it); anything else is base64 in a here-document through
 * `base64 -d`. The mode comes from umask when it has no execute or special bits (else chmod), chown only for an
 * owner other than root:root, the temp name is chosen here.
 */
export function writeCommand(path: string, content: Buffer, owner: string, group: string, mode: string): Command {
  const dir = path.slice(0, path.lastIndexOf('/')) || '/';
  const m = Number.parseInt(mode, 8);
  const viaUmask = (m & 0o7111) === 0;
  const tmp = `${dir}/.rb-tmp-${randomBytes(6).toString('hex')}`;
  const umask = viaUmask ? (~m & 0o777).toString(8).padStart(4, '0') : '0077';
  const text = content.length <= 64 * 1024 && !content.includes(0) && Buffer.from(content.toString('utf8'), 'utf8').equals(content) ? content.toString('utf8') : null;
  const write = text !== null
    ? [`(umask ${umask}; set -C; printf '%s' '${text.replace(/'/g, `'\\''`)}' > "$tmp") || { rm -f "$tmp"; exit 1; }`]
    : [`(umask ${umask}; set -C; base64 -d > "$tmp") <<'RB_PAYLOAD_EOF' || { rm -f "$tmp"; exit 1; }`, `${content.toString('base64').replace(/.{1,76}/g, '$&\n')}RB_PAYLOAD_EOF`];
  const run = [
    sh`[ -d ${dir} ] || mkdir -p ${dir} || exit 1`,
    sh`tmp=${tmp}`,
    ...write,
    ...(owner === 'root' && group === 'root' ? [] : [sh`chown ${`${owner}:${group}`} "$tmp" || { rm -f "$tmp"; exit 1; }`]),
    ...(viaUmask ? [] : [sh`chmod ${mode} "$tmp" || { rm -f "$tmp"; exit 1; }`]),
    sh`mv -f "$tmp" ${path} || { rm -f "$tmp"; exit 1; }`,
  ].join('\n');
  return { run: `(\n${run}\n)`, display: `write ${path} (${content.length} bytes, ${owner}:${group} ${mode})` };
}

function diffOf(old: Buffer, want: Buffer, spec: FileSpec): string {
  if (isSecret(spec.content)) return `--- ${spec.path}\n+++ ${spec.path} (planned)\n(secret content, diff hidden)\n`;
  if (isBinary(old) || isBinary(want)) return `--- ${spec.path}\n+++ ${spec.path} (planned)\nBinary content differs (${old.length} -> ${want.length} bytes)\n`;
  return unifiedDiff(old.toString('utf8'), want.toString('utf8'), spec.path);
}

function isBinary(b: Buffer): boolean {
  return b.subarray(0, 8000).includes(0);
}

export function normMode(mode: string): string {
  return mode === '' ? '' : Number.parseInt(mode, 8).toString(8).padStart(3, '0');
}

