/**
 * A fact is a read-only command plus a parser. Facts are cached per host by `key` and fetched in batches:
 * the executor collects the facts every step of a play declares (`Task.probes`) and runs them in ONE round
 * trip per host, so a no-change run costs a few round trips, not one per task.
 */

/** What a fact's command produced on the host. stderr is discarded; stdin is /dev/null. */
export interface ProbeOutput {
  readonly stdout: string;
  readonly exitCode: number;
}

/**
 * Facts of one kind that one command can fetch together (e.g. `stat` and `sha256sum` over many paths at once): on a
 * busy host every process costs tens of ms, so a batch of 10 file probes should spawn 2 processes, not 30.
 * When a batch holds two or more facts of the same group, `command(items)` runs once and `split` hands each fact
 * the stdout its own `command` would have printed; otherwise each fact runs its own command.
 */
export interface FactGroup {
  /** Facts with the same id are fetched together, e.g. `file.state`. */
  readonly id: string;
  /** This fact's item in the group (e.g. its path). */
  readonly item: string;
  command(items: readonly string[]): string;
  /** Per-item stdout, in the order of `items`, in the format the fact's `parse` expects (exit code 0). */
  split(stdout: string, items: readonly string[]): readonly string[];
}

export interface Fact<T> {
  /** Unique per parameterisation, e.g. `file.state:/etc/hosts`. Results are cached by this key. */
  readonly key: string;
  /** A read-only POSIX sh command. Runs as root inside a subshell; build it with `sh` so values are quoted. */
  readonly command: string;
  /** Turn the output into a typed value. Throw a `ValidationError`-style Error when it makes no sense. */
  parse(output: ProbeOutput): T;
  /** Optional: fetch together with other facts of the group (see FactGroup). */
  readonly group?: FactGroup;
  /**
   * What on the host this fact reads, as subjects (`path:/etc/hosts`, `unit:k3s.service`, `sysctl:net.ipv4.ip_forward`,
   * `user:deploy`, `dpkg:nftables`, `module:overlay`): a change predicted on a subject makes every other fact that
   * reads it stale until the host is probed again (see Prediction in task.ts). `[]`: reads nothing a play changes
   * (e.g. a remote checksum file). Absent: the fact may read anything, so any change before it is read makes it
   * stale (the executor then runs the pending commands and probes again before a plan sees it).
   */
  readonly subjects?: readonly string[];
}

export interface FactOptions {
  /** See Fact.subjects. */
  readonly subjects?: readonly string[];
}

/** Build a fact. `defineFact('sysctl:net.ipv4.ip_forward', sh`sysctl -n ${key}`, ({ stdout }) => stdout.trim())` */
export function defineFact<T>(key: string, command: string, parse: (output: ProbeOutput) => T, options: FactOptions = {}): Fact<T> {
  return { key, command, parse, ...(options.subjects ? { subjects: options.subjects } : {}) };
}

/** The subject of a path (see Fact.subjects). */
export const pathSubject = (path: string): string => `path:${path}`;
