/**
 * The lab: local throw-away test hosts for playbooks and integration tests.
 * See docs/lab.md. Everything here needs root (netns, bridges, overlayfs, systemd-nspawn).
 */
export type { LabHost, LabInfo, LabUpOptions, LabHostStatus, LabStatus } from './types';
export { LabError } from './errors';
export { labDir, labRoot, DEFAULT_LAB_ID } from './paths';
export { labUp } from './lab-up';
export { labDown } from './lab-down';
export { labStatus, labInfo } from './lab-status';
export { stopHost, startHost } from './host-power';
export { labSsh } from './ssh';
export type { LabSshResult } from './ssh';
export { ensureRootfs as buildRootfs, rootfsPath, ROOTFS_PACKAGES } from './rootfs';
