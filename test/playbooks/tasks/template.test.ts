import { describe, expect, it } from 'vitest';
import { secret } from '../../../playbooks/core';
import { template } from '../../../playbooks/tasks';
import { fakeHost } from '../support/fake-host';

describe('file.template', () => {
  const host = () => fakeHost({ probes: { 'file.state:/etc/app.conf': 'absent\n' } });

  it('renders with noEscape and plans the file', async () => {
    const p = await template.plan(host(), { path: '/etc/app.conf', source: 'url={{url}}\n', vars: { url: 'https://a.b/?x=1&y=<2>' } });
    expect(p.kind === 'change' && p.diff).toContain('+url=https://a.b/?x=1&y=<2>');
  });

  it('strict: a missing variable is an error naming it', async () => {
    await expect(template.plan(host(), { path: '/etc/app.conf', source: '{{missing}}', vars: {} })).rejects.toThrow(/template for \/etc\/app.conf: "missing" not defined/);
  });

  it('renders secrets with their real value (the output redacts them)', async () => {
    const p = await template.plan(host(), { path: '/etc/app.conf', source: 't={{t}}\n', vars: { t: secret('tmpl-secret-1') } });
    expect(p.kind === 'change' && p.diff).toContain('+t=tmpl-secret-1');
  });

  it('needs exactly one of src and source', async () => {
    await expect(template.plan(host(), { path: '/etc/app.conf', vars: {} })).rejects.toThrow(/give exactly one of src/);
  });
});
