import { describe, expect, it } from 'vitest';
import { GvisorRuntimeClass } from '../../constructs/gvisor-runtime-class';
import { find, synth } from './fixture';

const props = {
  gvisorVersion: '20241104',
  nodeSelector: { 'node.platform/pool': 'run' },
  runPoolTaints: [
    { key: 'platform/run', value: 'gvisor', effect: 'NoSchedule' as const },
    { key: 'platform/dedicated', effect: 'NoExecute' as const },
  ],
};

describe('GvisorRuntimeClass', () => {
  const objects = synth((chart) => new GvisorRuntimeClass(chart, 'gvisor', props));

  it('uses the runsc handler and pins pods to the run pool with tolerations for its taints', () => {
    const rc = find(objects, 'RuntimeClass', 'gvisor');
    expect(rc.apiVersion).toBe('node.k8s.io/v1');
    expect(rc.handler).toBe('runsc');
    expect(rc.metadata.namespace).toBeUndefined();
    expect(rc.scheduling.nodeSelector).toEqual({ 'node.platform/pool': 'run' });
    expect(rc.scheduling.tolerations).toEqual([
      { key: 'platform/run', operator: 'Equal', value: 'gvisor', effect: 'NoSchedule' },
      { key: 'platform/dedicated', operator: 'Exists', effect: 'NoExecute' },
    ]);
  });

  it('matches the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  it('fails when the run pool has no taint (pods without gVisor could land there)', () => {
    expect(() => synth((chart) => new GvisorRuntimeClass(chart, 'gvisor', { ...props, runPoolTaints: [] }))).toThrow(
      /^GvisorRuntimeClass 'gvisor': runPoolTaints \[\] is empty/,
    );
  });

  it('fails when the node selector is empty', () => {
    expect(() => synth((chart) => new GvisorRuntimeClass(chart, 'gvisor', { ...props, nodeSelector: {} }))).toThrow(
      /^GvisorRuntimeClass 'gvisor': nodeSelector \{\} is empty/,
    );
  });
});
