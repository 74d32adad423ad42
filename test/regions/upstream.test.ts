/**
 * The upstream facts the region rules use (regions/upstream.ts) stay true to the repository: the k3s
 * versions the rules accept are exactly those synth has Kubernetes schemas for, and the port table has
 * no duplicates that would make a message name one owner twice.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../regions/load';
import { K3S_PORTS, kubernetesMinorOf, SUPPORTED_KUBERNETES_MINORS, WEB_PORTS } from '../../regions/upstream';

describe('regions/upstream.ts', () => {
  it('accepts only Kubernetes minors whose schemas synth validates against', () => {
    const { from, to } = SUPPORTED_KUBERNETES_MINORS;
    expect(from).toBeLessThanOrEqual(to);
    for (let minor = from; minor <= to; minor++) {
      const file = join(REPO_ROOT, 'schemas', `kubernetes-v1.${minor}.0-definitions.json`);
      expect(existsSync(file), `${file} (SUPPORTED_KUBERNETES_MINORS says 1.${minor} is supported)`).toBe(true);
    }
  });

  it('reads the Kubernetes minor of a k3s version', () => {
    expect(kubernetesMinorOf('v1.28.15+k3s1')).toBe(28);
    expect(kubernetesMinorOf('v1.35.8+k3s1')).toBe(35);
    expect(kubernetesMinorOf('latest')).toBeUndefined();
  });

  it('lists each port and protocol once', () => {
    const keys = [...K3S_PORTS, ...WEB_PORTS].map((p) => `${p.protocol}/${p.port}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
