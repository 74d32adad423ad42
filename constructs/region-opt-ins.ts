import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { ConstructPropsError } from './construct-error';
import { MANAGED_BY, PART_OF } from './labels';

export interface RegionOptInsProps {
  /** Namespace the record lives in (the platform namespace). */
  readonly namespace: string;
  /** Opt-in name -> the reason the region file gives. Must not be empty. */
  readonly optIns: Readonly<Record<string, string>>;
  /** ConfigMap name. @default 'region-opt-ins' */
  readonly name?: string;
  /** `app.kubernetes.io/component` of the record; `npm run diff` recognises opt-in records by it. @default 'region-opt-ins' */
  readonly component?: string;
}

/**
 * The record of a region's dangerous opt-ins (regions/opt-ins.ts): a ConfigMap whose data is opt-in name ->
 * reason. It makes the opt-ins visible where the region runs (`kubectl -n platform get cm region-opt-ins`)
 * and in dist/, where `npm run diff` flags any change of it as a security change. Only emitted when the
 * region opts into something.
 */
export class RegionOptIns extends Construct {
  constructor(scope: Construct, id: string, props: RegionOptInsProps) {
    super(scope, id);
    const entries = Object.entries(props.optIns);
    if (entries.length === 0) {
      throw new ConstructPropsError(`RegionOptIns '${id}': optIns is empty (expected at least one opt-in; emit no record when the region has none)`);
    }
    new k8s.KubeConfigMap(this, 'Record', {
      metadata: {
        name: props.name ?? 'region-opt-ins',
        namespace: props.namespace,
        labels: {
          'app.kubernetes.io/name': 'region-opt-ins',
          'app.kubernetes.io/component': props.component ?? 'region-opt-ins',
          'app.kubernetes.io/part-of': PART_OF,
          'app.kubernetes.io/managed-by': MANAGED_BY,
        },
      },
      data: Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b))),
    });
  }
}
