import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { checkDnsLabel, fail } from './construct-error';
import { appLabels } from './labels';
import { tolerationFor, type TaintSpec } from './placement';

export interface GvisorRuntimeClassProps {
  /** gVisor release installed on the run pool (for the version label), e.g. `20241104`. */
  readonly gvisorVersion: string;
  /** Node labels of the run pool, e.g. `{ 'node.platform/pool': 'run' }`. */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** Taints of the run pool: the RuntimeClass carries their tolerations, so only gVisor pods land there. */
  readonly runPoolTaints: readonly TaintSpec[];
  /** @default 'gvisor' */
  readonly name?: string;
  /** containerd runtime handler. @default 'runsc' */
  readonly handler?: string;
}

/**
 * RuntimeClass `gvisor` (handler runsc). Its scheduling section pins every pod that uses it to the run
 * pool and adds the tolerations for the run pool's taints, so the taint keeps every other pod away.
 */
export class GvisorRuntimeClass extends Construct {
  readonly runtimeClass: k8s.KubeRuntimeClass;
  readonly name: string;

  constructor(scope: Construct, id: string, props: GvisorRuntimeClassProps) {
    super(scope, id);
    this.name = props.name ?? 'gvisor';
    const where = `GvisorRuntimeClass '${this.name}'`;
    checkDnsLabel(where, 'name', this.name);
    if (Object.keys(props.nodeSelector).length === 0) {
      fail(where, 'nodeSelector', props.nodeSelector, 'is empty', "the run pool's label, e.g. { 'node.platform/pool': 'run' }", 'pin gVisor pods to the nodes that have runsc installed');
    }
    if (props.runPoolTaints.length === 0) {
      fail(where, 'runPoolTaints', props.runPoolTaints, 'is empty', "at least one taint on the run pool, e.g. { key: 'platform/run', value: 'gvisor', effect: 'NoSchedule' }", 'taint the run pool in the region file, otherwise pods without gVisor can land on it');
    }
    this.runtimeClass = new k8s.KubeRuntimeClass(this, 'Resource', {
      metadata: { name: this.name, labels: appLabels({ name: 'gvisor', component: 'runtime', version: props.gvisorVersion }) },
      handler: props.handler ?? 'runsc',
      scheduling: {
        nodeSelector: { ...props.nodeSelector },
        tolerations: props.runPoolTaints.map(tolerationFor),
      },
    });
  }
}
