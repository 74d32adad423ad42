/**
 * Host facts: gathered ONCE per host, in one round trip, when the host joins a play. Typed, so plans and
 * `when` conditions can rely on them. The same round trip reads the pending-handler list (see handlers).
 */
import { ValidationError } from './errors';

export type Virtualization = 'container' | 'vm' | 'none';

export interface InterfaceAddress {
  readonly family: 'inet' | 'inet6';
  readonly address: string;
  readonly prefixLength: number;
}

export interface NetworkInterface {
  readonly name: string;
  readonly mac?: string;
  readonly mtu?: number;
  readonly up: boolean;
  readonly addresses: readonly InterfaceAddress[];
}

export interface HostFacts {
  readonly hostname: string;
  readonly os: {
    /** `debian`, `ubuntu`, ... (os-release ID) */
    readonly id: string;
    /** `12` */
    readonly versionId: string;
    /** `bookworm` */
    readonly codename: string;
    readonly prettyName: string;
  };
  /** `x86_64`, `aarch64` (uname -m). */
  readonly arch: string;
  /** Release as in `uname -r`. */
  readonly kernel: string;
  readonly memory: { readonly totalBytes: number; readonly availableBytes: number };
  readonly interfaces: readonly NetworkInterface[];
  readonly systemd: {
    /** systemd is PID 1 and manages services. */
    readonly running: boolean;
    /** e.g. 252 (Debian 12); null without systemd. */
    readonly version: number | null;
    /** Not gathered (a `systemctl is-system-running` per host costs more than any task reads it); always undefined. @deprecated */
    readonly state?: string;
  };
  /**
   * container: only net.* sysctls are writable, modules belong to the outer kernel (modprobe fails).
   * vm / none: a kernel of its own.
   */
  readonly virtualization: Virtualization;
  /** What systemd-detect-virt names it (`systemd-nspawn`, `kvm`, `none`, ...). */
  readonly virtualizationType: string;
  /** Installed k3s version (`v1.28.15+k3s1`), null when k3s is not installed. */
  readonly k3sVersion: string | null;
  /** User the commands run as after sudo (always `root` when the preflight passed). */
  readonly effectiveUser: string;
}

/** Marker of the sections in the gather output. */
const M = '@@rb-fact';

/**
 * The one script that gathers every fact (plus extra sections, e.g. pending handlers). Read-only. It uses shell
 * builtins to read /proc, /sys and /etc wherever it can: on a busy machine every process spawned costs more than
 * the reading itself, and a no-change run is mostly this script and the probe batch.
 */
export function factsScript(extra: Readonly<Record<string, string>> = {}): string {
  const extraSections = Object.entries(extra).map(([name, cmd]) => `echo '${M} x:${name}'; ( ${cmd} ) 2>/dev/null`);
  // print a file with builtins only
  const cat = (f: string) => `{ while IFS= read -r l || [ -n "$l" ]; do printf '%s\\n' "$l"; done < ${f}; } 2>/dev/null`;
  return [
    `echo '${M} os'; ${cat('/etc/os-release')}`,
    `echo '${M} arch'; uname -m`,
    `echo '${M} kernel'; ${cat('/proc/sys/kernel/osrelease')}`,
    `echo '${M} hostname'; ${cat('/proc/sys/kernel/hostname')}`,
    `echo '${M} mem'; while read -r k v u; do case "$k" in MemTotal:|MemAvailable:) echo "$k $v $u";; esac; done < /proc/meminfo`,
    `echo '${M} addr'; ip -o addr show 2>/dev/null`,
    `echo '${M} link'; for d in /sys/class/net/*; do n=\${d##*/}; read -r a < "$d/address"; read -r m < "$d/mtu"; read -r f < "$d/flags"; echo "$n $a $m $f"; done 2>/dev/null`,
    // The version from the name of systemd's shared library (no process); systemctl --version only when absent.
    `echo '${M} systemd'; if [ -d /run/systemd/system ]; then echo running; v=; for f in /usr/lib/systemd/libsystemd-shared-*.so /usr/lib/*/systemd/libsystemd-shared-*.so /lib/systemd/libsystemd-shared-*.so; do [ -e "$f" ] && { v=\${f##*-}; v=\${v%.so}; break; }; done; ` +
      `if [ -n "$v" ]; then echo "systemd $v"; else set -- $(systemctl --version 2>/dev/null); echo "$1 $2"; fi; fi`,
    `echo '${M} virt'; if [ -s /run/systemd/container ]; then read -r c < /run/systemd/container; echo "container=$c"; ` +
      `elif grep -q container= /proc/1/environ 2>/dev/null; then echo container=unknown; ` +
      `elif command -v systemd-detect-virt >/dev/null 2>&1; then echo "vm=$(systemd-detect-virt -v 2>/dev/null)"; ` +
      `elif grep -qw hypervisor /proc/cpuinfo 2>/dev/null; then echo vm=unknown; fi`,
    `echo '${M} k3s'; for b in /usr/local/bin/k3s /usr/bin/k3s; do if [ -x "$b" ]; then set -- $("$b" --version 2>/dev/null); echo "$1 $2 $3"; break; fi; done`,
    `echo '${M} user'; id -un`,
    ...extraSections,
    `echo '${M} end'`,
  ].join('\n');
}

/** Parse the gather output. `host` names the host in errors. */
export function parseFacts(host: string, stdout: string): { facts: HostFacts; extra: Record<string, string> } {
  const sections = new Map<string, string>();
  let current: string | null = null;
  let buf: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith(`${M} `)) {
      if (current !== null) sections.set(current, buf.join('\n'));
      current = line.slice(M.length + 1).trim();
      buf = [];
    } else if (current !== null) buf.push(line);
  }
  if (!sections.has('user') || current !== 'end') {
    throw new ValidationError(`host '${host}': fact gathering returned incomplete output (expected sections up to 'end', got ${[...sections.keys()].join(', ') || 'none'}); is /bin/sh a POSIX shell?`);
  }
  const get = (k: string): string => sections.get(k) ?? '';
  const osRelease = parseOsRelease(get('os'));
  const mem = Object.fromEntries(
    get('mem').split('\n').map((l) => l.match(/^(\w+):\s+(\d+)\s*kB/)).filter((m): m is RegExpMatchArray => !!m).map((m) => [m[1], Number(m[2]) * 1024]),
  );
  const systemdLines = get('systemd').split('\n').map((l) => l.trim()).filter(Boolean);
  const virt = Object.fromEntries(get('virt').split('\n').map((l) => l.trim().split('=')).filter((p) => p.length === 2) as [string, string][]);
  const container = virt.container && virt.container !== 'none' ? virt.container : null;
  const vm = virt.vm && virt.vm !== 'none' ? virt.vm : null;
  const k3s = get('k3s').match(/k3s version (\S+)/);
  const extra: Record<string, string> = {};
  for (const [k, v] of sections) if (k.startsWith('x:')) extra[k.slice(2)] = v;
  const facts: HostFacts = {
    hostname: get('hostname').trim(),
    os: {
      id: osRelease.ID ?? 'unknown',
      versionId: osRelease.VERSION_ID ?? '',
      codename: osRelease.VERSION_CODENAME ?? '',
      prettyName: osRelease.PRETTY_NAME ?? '',
    },
    arch: get('arch').trim(),
    kernel: get('kernel').trim(),
    memory: { totalBytes: mem.MemTotal ?? 0, availableBytes: mem.MemAvailable ?? 0 },
    interfaces: parseInterfaces(get('link'), get('addr')),
    systemd: {
      running: systemdLines[0] === 'running',
      version: Number(systemdLines[1]?.match(/^systemd (\d+)/)?.[1] ?? NaN) || null,
    },
    virtualization: container ? 'container' : vm ? 'vm' : 'none',
    virtualizationType: container ?? vm ?? 'none',
    k3sVersion: k3s?.[1] ?? null,
    effectiveUser: get('user').trim(),
  };
  return { facts, extra };
}

function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = line.match(/^([A-Z_]+)=(.*)$/);
    if (m?.[1] && m[2] !== undefined) out[m[1]] = m[2].replace(/^["']|["']$/g, '');
  }
  return out;
}

/** /sys/class/net lines (name, address, mtu, flags) and `ip -o addr` lines into interfaces. */
export function parseInterfaces(linkText: string, addrText: string): NetworkInterface[] {
  const byName = new Map<string, { name: string; mac?: string; mtu?: number; up: boolean; addresses: InterfaceAddress[] }>();
  for (const line of linkText.split('\n')) {
    // /sys/class/net: "eth0 0a:00:00:00:00:01 1500 0x1003" (IFF_UP = 0x1)
    const m = line.match(/^(\S+) ([0-9a-f:]*) (\d+) (0x[0-9a-f]+)$/);
    if (!m?.[1]) continue;
    const mac = m[2] && m[2] !== '00:00:00:00:00:00' ? m[2] : undefined;
    byName.set(m[1], { name: m[1], up: (Number.parseInt(m[4] ?? '0', 16) & 1) === 1, mtu: Number(m[3]), addresses: [], ...(mac ? { mac } : {}) });
  }
  for (const line of addrText.split('\n')) {
    // 2: eth0    inet 10.0.0.2/24 brd 10.0.0.255 scope global eth0
    const m = line.match(/^\d+:\s+(\S+)\s+(inet6?)\s+([^/\s]+)\/(\d+)/);
    if (!m?.[1]) continue;
    const iface = byName.get(m[1]) ?? { name: m[1], up: true, addresses: [] };
    iface.addresses.push({ family: m[2] as 'inet' | 'inet6', address: m[3] ?? '', prefixLength: Number(m[4]) });
    byName.set(m[1], iface);
  }
  return [...byName.values()];
}
