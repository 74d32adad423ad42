/**
 * Markdown rendering of a review for a pull-request comment: a summary table, then per region the
 * security-relevant changes and the warnings up front, and every object change in a collapsed block.
 */
import { stringify } from 'yaml';
import { formatPortSet, isEmpty } from '../reachability/port-set';
import type { ObjectChange, RegionReview, Review } from '../review-model';
import { formatChange, objectSymbol, objectTitle } from './format-value';

/** Inline code that survives backticks in the value. */
export function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return longest > 0 ? `${fence} ${text} ${fence}` : `${fence}${text}${fence}`;
}

/** A fenced block whose fence is longer than any backtick run inside. */
export function block(language: string, text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${text.replace(/\n$/, '')}\n${fence}`;
}

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function formatMarkdown(review: Review): string {
  const out: string[] = [`## Synthesized manifests: ${code(review.base)} → ${code(review.head)}`, ''];
  if (!review.different) {
    out.push(`No differences in ${review.regions.length} region${review.regions.length === 1 ? '' : 's'} (${review.regions.map((r) => code(r.region)).join(', ') || 'none'}).`);
    return `${out.join('\n')}\n`;
  }
  out.push('| Region | Status | Added | Removed | Changed | Renamed | Security-relevant | Warnings |');
  out.push('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const r of review.regions) {
    const s = r.counts;
    const security = s.security > 0 ? `**${s.security}**` : '0';
    const warnings = s.warnings > 0 ? `**${s.warnings}**` : '0';
    out.push(`| ${code(r.region)} | ${r.status} | ${s.added} | ${s.removed} | ${s.changed} | ${s.renamed} | ${security} | ${warnings} |`);
  }
  for (const region of review.regions) {
    if (region.status === 'unchanged') continue;
    out.push('', ...regionSection(region));
  }
  return `${out.join('\n')}\n`;
}

function regionSection(region: RegionReview): string[] {
  const out = [`### ${region.region}${region.status === 'added' ? ' (new region)' : region.status === 'removed' ? ' (region removed)' : ''}`];
  const security = region.objects.filter((o) => o.security.length > 0);
  const r = region.reachability;
  if (security.length > 0 || r) {
    out.push('', '#### Security-relevant', '');
    if (r) {
      for (const change of r.changes) {
        if (!isEmpty(change.opened)) out.push(`- **reachability opened**: ${code(change.from)} → ${code(change.to)} on ${formatPortSet(change.opened)} (${change.category})`);
      }
      for (const check of r.newlyFailingChecks) {
        out.push(`- **isolation check fails**: ${check.description}: ${code(check.from)} → ${code(check.to)} (open: ${formatPortSet(check.actual)})`);
      }
      for (const change of r.changes) {
        if (!isEmpty(change.closed)) out.push(`- reachability closed: ${code(change.from)} → ${code(change.to)} on ${formatPortSet(change.closed)} (${change.category})`);
      }
    }
    for (const object of security) {
      const first = object.changes.filter((c) => c.security.length > 0).slice(0, 5);
      const detail = object.status === 'changed' || object.status === 'renamed' ? first.map((c) => code(formatChange(c))).join('; ') : object.status;
      out.push(`- ${code(`${objectSymbol(object)} ${objectTitle(object)}`)} [${object.security.join(', ')}]: ${detail}`);
    }
  }
  const warned = region.objects.filter((o) => o.warnings.length > 0);
  if (warned.length > 0) {
    out.push('', '#### Warnings: fields Kubernetes will not change in place', '');
    for (const object of warned) {
      for (const w of object.warnings) out.push(`- ${code(objectTitle(object))}: ${w.message}. Fix: ${w.fix}`);
    }
  }
  if (region.objects.length > 0) out.push('', '#### Changes', '');
  for (const object of region.objects) out.push(...objectBlock(object), '');
  return out;
}

function objectBlock(object: ObjectChange): string[] {
  const tags = object.security.length > 0 ? ` — security: ${object.security.join(', ')}` : '';
  const how = object.status === 'renamed' ? `renamed, ${Math.round((object.similarity ?? 0) * 100)}% alike` : object.status;
  const summary = `<code>${html(`${objectSymbol(object)} ${objectTitle(object)}`)}</code> (${how})${tags}`;
  const body: string[] = [];
  if (object.changes.length > 0) {
    const lines: string[] = [];
    for (const change of object.changes) {
      lines.push(`${formatChange(change)}${change.security.length > 0 ? `   # security: ${change.security.join(', ')}` : ''}`);
      for (const line of change.lines ?? []) lines.push(`${line.op === ' ' ? ' ' : line.op}     ${line.text}`);
    }
    body.push(block('diff', lines.join('\n')));
  } else if (object.object) {
    body.push(block('yaml', stringify(object.object, { lineWidth: 0 })));
  }
  for (const w of object.warnings) body.push(`> **Warning:** ${w.message}. Fix: ${w.fix}`);
  for (const note of object.notes) body.push(`> Note: ${note}`);
  return ['<details>', `<summary>${summary} <sub>${html(object.file)}</sub></summary>`, '', ...body.flatMap((b) => [b, '']), '</details>'];
}

