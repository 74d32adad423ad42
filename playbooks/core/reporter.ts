/**
 * Output of a run. On a TTY: a live status line per host (current task), with changed/failed results printed
 * above it. Otherwise: one plain line per task result. Always: a recap per host at the end, and (with `logFile`)
 * every event as one NDJSON line. Every string is redacted before it is written anywhere.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { EventSink, HostRecap, RunEvent } from './events';
import { redact, redactDeep } from './redaction';

export interface ReporterOptions {
  /** Where people read (process.stdout). */
  readonly out: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  /** Live progress; @default out.isTTY */
  readonly tty?: boolean;
  /** Also print ok/skipped results (plain mode always does). */
  readonly verbose?: boolean;
  /** Append NDJSON events to this file. */
  readonly logFile?: string;
}

export interface Reporter {
  readonly onEvent: EventSink;
  /** Flush and close the log file. */
  close(): void;
}

const color = (code: number) => (s: string) => `\x1b[${code}m${s}\x1b[0m`;
const green = color(32);
const yellow = color(33);
const red = color(31);
const dim = color(2);
const bold = color(1);

export function createReporter(options: ReporterOptions): Reporter {
  const tty = options.tty ?? options.out.isTTY === true;
  const paint = (f: (s: string) => string) => (tty ? f : (s: string) => s);
  const fd = options.logFile ? openSync(options.logFile, 'a', 0o600) : null;
  const progress = new Map<string, string>();
  let blockLines = 0;
  let lastDraw = 0;
  let check = false;

  const write = (text: string) => options.out.write(redact(text));
  const eraseBlock = () => {
    if (tty && blockLines > 0) options.out.write(`\x1b[${blockLines}F\x1b[J`);
    blockLines = 0;
  };
  const drawBlock = () => {
    if (!tty) return;
    const width = Math.max(40, (options.out.columns ?? 100) - 1);
    const lines = [...progress].map(([h, s]) => `${dim('▸')} ${h.padEnd(14)} ${s}`.slice(0, width + 10));
    if (lines.length) write(`${lines.join('\n')}\n`);
    blockLines = lines.length;
    lastDraw = Date.now();
  };
  const line = (text: string) => {
    eraseBlock();
    write(`${text}\n`);
    drawBlock();
  };

  const onEvent: EventSink = (event: RunEvent) => {
    if (fd !== null) writeSync(fd, `${JSON.stringify(redactDeep({ ts: new Date().toISOString(), ...event }))}\n`);
    switch (event.type) {
      case 'run.start':
        check = event.check;
        line(paint(bold)(`${event.check ? 'CHECK ' : ''}${event.playbook} on ${event.inventory}: ${event.hosts.length} host(s)${event.check ? ' (check mode: nothing is changed)' : ''}`));
        break;
      case 'play.start':
        line(paint(bold)(`PLAY [${event.play}] ${event.hosts.length} host(s), ${event.steps} step(s)`));
        for (const h of event.hosts) if (!progress.has(h)) progress.set(h, 'connecting');
        break;
      case 'task.start':
        progress.set(event.host, event.handler ? `handler: ${event.task}` : `[${event.index}/${event.total}] ${event.task}`);
        if (tty && Date.now() - lastDraw > 80) {
          eraseBlock();
          drawBlock();
        }
        break;
      case 'task.result': {
        const label = event.status === 'changed' ? (check ? 'would change' : 'changed') : event.status;
        const c = event.status === 'changed' ? yellow : event.status === 'ok' ? green : event.status === 'skipped' ? dim : red;
        const show = !tty || options.verbose || (event.status !== 'ok' && event.status !== 'skipped');
        if (show) {
          const kind = event.handler ? 'handler ' : '';
          const detail = event.status === 'failed' || event.status === 'unreachable' ? (event.error ?? event.summary) : event.summary;
          // A check-mode plan that read what an earlier unpredictable change may alter: say so, the run may differ.
          const caveat = `${event.unpredictable ? ` (cannot predict: ${event.unpredictable})` : ''}${event.uncertain ? ` (uncertain: planned against the host before that change: ${event.uncertain})` : ''}`;
          line(`${paint(c)(`${event.host} | ${label.toUpperCase()}`)} | ${kind}${event.task} | ${detail}${caveat}`);
        }
        if (event.diff) line(colorDiff(event.diff, tty));
        if (event.status === 'failed' || event.status === 'unreachable') progress.delete(event.host);
        break;
      }
      case 'host.unreachable':
        progress.delete(event.host);
        break;
      case 'play.stopped':
        line(paint(red)(`STOPPED: ${event.reason}`));
        break;
      case 'run.end':
        progress.clear();
        eraseBlock();
        write(`${recapText(event.recap, tty)}\n`);
        write(`${event.ok ? paint(green)('OK') : paint(red)('FAILED')} in ${(event.durationMs / 1000).toFixed(1)} s${event.stopped ? ` (stopped: ${event.stopped})` : ''}\n`);
        break;
      default:
        break;
    }
  };
  return {
    onEvent,
    close: () => {
      if (fd !== null) closeSync(fd);
    },
  };
}

/** The recap table: one line per host with its counts. */
export function recapText(recap: Readonly<Record<string, HostRecap>>, tty = false): string {
  const names = Object.keys(recap);
  const width = Math.max(4, ...names.map((n) => n.length));
  const rows = names.map((n) => {
    const r = recap[n]!;
    const text = `${n.padEnd(width)}  ok=${r.ok}  changed=${r.changed}  failed=${r.failed}  unreachable=${r.unreachable}  skipped=${r.skipped}`;
    if (!tty) return text;
    return r.failed || r.unreachable ? red(text) : r.changed ? yellow(text) : green(text);
  });
  return ['RECAP', ...rows].join('\n');
}

function colorDiff(diff: string, tty: boolean): string {
  const body = diff.trimEnd();
  if (!tty) return body;
  return body
    .split('\n')
    .map((l) => (l.startsWith('+') && !l.startsWith('+++') ? green(l) : l.startsWith('-') && !l.startsWith('---') ? red(l) : l))
    .join('\n');
}
