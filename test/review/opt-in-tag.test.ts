/**
 * The region's dangerous opt-ins (regions/opt-ins.ts) are recorded in dist/ as the ConfigMap
 * region-opt-ins; `npm run diff` tags it appearing, changing and going away as `opt-in`, first of all tags.
 */
import { describe, expect, it } from 'vitest';
import { OPT_INS_COMPONENT, OPT_INS_CONFIGMAP } from '../../regions/opt-ins';
import type { SourcedObject } from '../../review/k8s-object';
import { Redactor } from '../../review/redact';
import { diffRegion } from '../../review/review-diff';
import { isOptInRecord, SECURITY_TAG_ORDER } from '../../review/security';

function record(data: Record<string, string>, component = OPT_INS_COMPONENT): SourcedObject {
  return {
    ref: { group: '', kind: 'ConfigMap', namespace: 'platform', name: OPT_INS_CONFIGMAP, scope: '' },
    file: '10-namespaces.yaml',
    object: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: OPT_INS_CONFIGMAP, namespace: 'platform', labels: { 'app.kubernetes.io/component': component } },
      data,
    },
  };
}

const diff = (before: SourcedObject[], after: SourcedObject[]) =>
  diffRegion('eu-test', { region: 'eu-test', objects: before }, { region: 'eu-test', objects: after }, new Redactor());

describe('the opt-in tag', () => {
  const web = { webFromTheWholeInternet: 'origin served directly while the CDN contract is renewed' };

  it('is the first tag in reading order', () => {
    expect(SECURITY_TAG_ORDER[0]).toBe('opt-in');
  });

  it('flags an opt-in that appears', () => {
    const review = diff([], [record(web)]);
    expect(review.objects[0]?.status).toBe('added');
    expect(review.objects[0]?.security).toEqual(['opt-in']);
    expect(review.counts.security).toBe(1);
  });

  it('flags a changed reason and a new opt-in in the record', () => {
    const review = diff([record(web)], [record({ ...web, sshFromTheWholeInternet: 'no fixed egress during the office move' })]);
    expect(review.objects[0]?.status).toBe('changed');
    expect(review.objects[0]?.security).toEqual(['opt-in']);
    expect(review.objects[0]?.changes.every((c) => c.security.includes('opt-in'))).toBe(true);
  });

  it('flags an opt-in that goes away', () => {
    const review = diff([record(web)], []);
    expect(review.objects[0]?.status).toBe('removed');
    expect(review.objects[0]?.security).toEqual(['opt-in']);
  });

  it('does not flag another ConfigMap', () => {
    const other = record(web, 'server');
    expect(isOptInRecord('ConfigMap', other.object)).toBe(false);
    const review = diff([], [other]);
    expect(review.objects[0]?.security).toEqual([]);
  });
});
