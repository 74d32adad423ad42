/** The lab works with network namespaces, bridges, overlayfs, cgroups and systemd-nspawn: root only. */
import { LabError } from './errors';

export function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) {
    throw new LabError(`lab: ${what} needs root (uid is ${String(process.getuid?.())}, expected 0): network namespaces, bridges, overlayfs and systemd-nspawn; run it as root`);
  }
}
