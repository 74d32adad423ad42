/**
 * The platform model check: one model of region + k3s configuration + k3s built-ins + synthesized objects, and
 * the cross-layer checks over it. Run by synth before anything is written, next to the validation gate.
 */
import type { K3sClusterSettings } from '../../regions/k3s-cluster';
import type { RegionManifests } from '../manifest';
import type { ManifestIssue } from '../synth-error';
import { checkHostPorts } from './check-host-ports';
import { checkImages } from './check-images';
import { checkImmutableUnderBump, type BumpDescription } from './check-immutable';
import { checkPublicPaths } from './check-public-paths';
import { checkScheduling } from './check-scheduling';
import { checkTenancy } from './check-tenancy';
import { buildPlatformModel } from './model';

export { buildPlatformModel, SIMULATED_TENANT_NAMESPACE, type PlatformModel, type ModelWorkload, type ModelNode } from './model';
export { placement } from './schedule';
export { bumpVersions } from './bump';

export interface PlatformCheckResult {
  readonly issues: readonly ManifestIssue[];
  /** Each public endpoint's path from the load balancer to the pods. */
  readonly paths: readonly string[];
}

export interface PlatformCheckOptions {
  /** The same region composed with every pinned version bumped (immutable-field check). */
  readonly bumped?: { readonly manifests: RegionManifests; readonly bump: BumpDescription };
  /** @default k3sClusterSettings(region), what the k3s playbook configures */
  readonly settings?: K3sClusterSettings;
}

export function checkPlatform(manifests: RegionManifests, options: PlatformCheckOptions = {}): PlatformCheckResult {
  const bumped = options.bumped;
  const model = buildPlatformModel(manifests, options.settings);
  const publicPaths = checkPublicPaths(model);
  const issues = [
    ...checkScheduling(model),
    ...checkHostPorts(model),
    ...publicPaths.issues,
    ...checkImages(model),
    ...checkTenancy(manifests),
    ...(bumped ? checkImmutableUnderBump(manifests, bumped.manifests, bumped.bump) : []),
  ];
  return { issues, paths: publicPaths.paths };
}
