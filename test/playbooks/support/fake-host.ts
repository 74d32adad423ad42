/**
 * A fake HostView for task unit tests: canned facts and canned probe outputs by fact key. Asking for a probe
 * that has no canned output fails the test with the key, so tests show exactly what a plan reads.
 */
import type { Fact, HostFacts, HostView, ProbeOutput, VarValue } from '../../../playbooks/core';

export const DEBIAN_FACTS: HostFacts = {
  hostname: 'ctrl-1',
  os: { id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
  arch: 'x86_64',
  kernel: '6.1.0-28-amd64',
  memory: { totalBytes: 8 * 1024 ** 3, availableBytes: 6 * 1024 ** 3 },
  interfaces: [{ name: 'eth0', up: true, mtu: 1500, addresses: [{ family: 'inet', address: '203.0.113.11', prefixLength: 32 }] }],
  systemd: { running: true, version: 252 },
  virtualization: 'vm',
  virtualizationType: 'kvm',
  k3sVersion: null,
  effectiveUser: 'root',
};

export interface FakeHostOptions {
  readonly facts?: Partial<HostFacts>;
  /** Probe outputs by fact key; a string is stdout with exit code 0. */
  readonly probes?: Readonly<Record<string, ProbeOutput | string>>;
  readonly vars?: Readonly<Record<string, VarValue>>;
}

export interface FakeHost extends HostView {
  /** Fact keys the plan asked for, in order. */
  readonly asked: string[];
}

export function fakeHost(options: FakeHostOptions = {}): FakeHost {
  const asked: string[] = [];
  return {
    name: 'ctrl-1',
    address: '203.0.113.11',
    groups: ['all', 'ctrl'],
    vars: options.vars ?? {},
    facts: { ...DEBIAN_FACTS, ...options.facts },
    check: false,
    asked,
    async fact<T>(fact: Fact<T>): Promise<T> {
      asked.push(fact.key);
      const canned = options.probes?.[fact.key];
      if (canned === undefined) throw new Error(`fake host: no canned output for probe '${fact.key}' (command: ${fact.command})`);
      return fact.parse(typeof canned === 'string' ? { stdout: canned, exitCode: 0 } : canned);
    },
  };
}
