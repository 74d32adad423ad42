/** The record of a lab that is up (`<labDir>/state.json`): what `down`, `status` and host stop/start act on. */
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { labLayout, type LabLayout } from './addressing';
import { LabError } from './errors';
import { labDir } from './paths';

interface StateFile {
  readonly version: 1;
  readonly id: string;
  readonly hosts: number;
  readonly subnetIndex: number;
  readonly rootfs: string;
}

export interface LabState {
  readonly layout: LabLayout;
  readonly rootfs: string;
}

function statePath(id: string): string {
  return join(labDir(id), 'state.json');
}

export function readState(id: string): LabState | undefined {
  const path = statePath(id);
  if (!existsSync(path)) return undefined;
  let file: StateFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as StateFile;
  } catch (err) {
    throw new LabError(`lab '${id}': ${path} is not valid JSON (${(err as Error).message}); fix: remove the lab by hand (see docs/lab.md, troubleshooting)`);
  }
  if (file.version !== 1 || file.id !== id) {
    throw new LabError(`lab '${id}': ${path} has version ${String(file.version)} id '${file.id}' (expected version 1, id '${id}')`);
  }
  return { layout: labLayout(id, file.hosts, file.subnetIndex), rootfs: file.rootfs };
}

export function writeState(state: LabState): void {
  const path = statePath(state.layout.id);
  const file: StateFile = {
    version: 1,
    id: state.layout.id,
    hosts: state.layout.hosts.length,
    subnetIndex: state.layout.subnetIndex,
    rootfs: state.rootfs,
  };
  writeFileSync(`${path}.tmp`, `${JSON.stringify(file, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

export function stateFilePath(id: string): string {
  return statePath(id);
}
