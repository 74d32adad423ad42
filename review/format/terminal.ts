/**
 * Terminal rendering of a review: one block per region, security-relevant changes first, field changes
 * indented under their object. Colour only when asked (the CLI asks when stdout is a TTY and NO_COLOR is unset).
 */
import { formatPortSet, isEmpty } from '../reachability/port-set';
import type { ObjectChange, RegionReview, Review } from '../review-model';
import { countsLine, formatChange, objectSymbol, objectTitle } from './format-value';

export interface TerminalOptions {
  readonly color?: boolean;
}

type Paint = (text: string) => string;

function palette(color: boolean): Record<'red' | 'green' | 'yellow' | 'cyan' | 'bold' | 'dim', Paint> {
  const code = (open: number, close: number): Paint => (color ? (text) => `\u001b[${open}m${text}\u001b[${close}m` : (text) => text);
  return { red: code(31, 39), green: code(32, 39), yellow: code(33, 39), cyan: code(36, 39), bold: code(1, 22), dim: code(2, 22) };
}

export function formatTerminal(review: Review, options: TerminalOptions = {}): string {
  const c = palette(options.color ?? false);
  const lines: string[] = [c.bold(`Synthesized manifests: ${review.base} -> ${review.head}`)];
  if (review.regions.length === 0) lines.push('no regions found');
  for (const region of review.regions) {
    lines.push('');
    lines.push(...regionLines(region, c));
  }
  lines.push('');
  lines.push(review.different ? 'Differences found.' : 'No differences.');
  return `${lines.join('\n')}\n`;
}

function regionLines(region: RegionReview, c: ReturnType<typeof palette>): string[] {
  if (region.status === 'unchanged') return [`${c.bold(region.region)}: unchanged`];
  const state = region.status === 'added' ? ' (new region)' : region.status === 'removed' ? ' (region removed)' : '';
  const lines = [`${c.bold(region.region)}${state}: ${countsLine(region.counts)}`];
  const r = region.reachability;
  if (r) {
    const opened = r.changes.some((change) => !isEmpty(change.opened)) || r.newlyFailingChecks.length > 0;
    lines.push(opened ? `  ${c.red('! security: reachability opened')}` : '  reachability changed (paths closed):');
    for (const change of r.changes) {
      if (!isEmpty(change.opened)) lines.push(`    ${c.red('+ opened')} ${change.from} -> ${change.to}: ${formatPortSet(change.opened)}  ${c.dim(`[${change.category}]`)}`);
      if (!isEmpty(change.closed)) lines.push(`    ${c.green('- closed')} ${change.from} -> ${change.to}: ${formatPortSet(change.closed)}  ${c.dim(`[${change.category}]`)}`);
    }
    for (const check of r.newlyFailingChecks) {
      lines.push(`    ${c.red('! check fails')} ${check.description}: ${check.from} -> ${check.to} (open: ${formatPortSet(check.actual)})`);
    }
  }
  for (const object of region.objects) lines.push(...objectLines(object, c));
  return lines;
}

function objectLines(object: ObjectChange, c: ReturnType<typeof palette>): string[] {
  const symbol = objectSymbol(object);
  const paint = object.status === 'added' ? c.green : object.status === 'removed' ? c.red : c.yellow;
  const tags = object.security.length > 0 ? `  ${c.red(`[security: ${object.security.join(', ')}]`)}` : '';
  const extra = object.status === 'renamed' ? ` (renamed, ${Math.round((object.similarity ?? 0) * 100)}% alike)` : object.status === 'changed' ? '' : ` (${object.status})`;
  const lines = [`  ${paint(`${symbol} ${objectTitle(object)}`)}${extra}${tags}  ${c.dim(object.file)}`];
  for (const change of object.changes) {
    const mark = change.security.length > 0 ? `  ${c.red(`[${change.security.join(', ')}]`)}` : '';
    const changePaint = change.op === 'added' ? c.green : change.op === 'removed' ? c.red : c.yellow;
    lines.push(`      ${changePaint(formatChange(change))}${mark}`);
    for (const line of change.lines ?? []) {
      const text = `${line.op} ${line.text}`;
      lines.push(`          ${line.op === '+' ? c.green(text) : line.op === '-' ? c.red(text) : c.dim(text)}`);
    }
  }
  for (const warning of object.warnings) {
    lines.push(`      ${c.yellow(`! warning: ${warning.message}`)}`);
    lines.push(`        fix: ${warning.fix}`);
  }
  for (const note of object.notes) lines.push(`      ${c.cyan(`note: ${note}`)}`);
  return lines;
}
