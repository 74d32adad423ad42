import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor } from '../../review/redact';

const redactor = new Redactor(Buffer.alloc(32, 7));

describe('Redactor', () => {
  it('redacts Secret data and stringData values, keeping the keys', () => {
    const out = redactor.object({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { password: 'cGFzcw==' }, stringData: { token: 'abc' } });
    expect(Object.keys(out.data as object)).toEqual(['password']);
    expect(JSON.stringify(out)).not.toMatch(/cGFzcw==|"abc"/);
    expect((out.data as Record<string, string>).password).toMatch(REDACTED);
  });

  it('redacts env values whose name looks secret, and keeps the others', () => {
    const out = redactor.object({
      apiVersion: 'v1',
      kind: 'Pod',
      spec: { containers: [{ name: 'c', env: [{ name: 'GITEA_TOKEN', value: 't0k' }, { name: 'DB_PASSWD', value: 'pw' }, { name: 'AWS_SECRET_ACCESS_KEY', value: 'k' }, { name: 'DOMAIN', value: 'git.example' }] }] },
    });
    const env = (out.spec as { containers: Array<{ env: Array<{ name: string; value: string }> }> }).containers[0]!.env;
    expect(env.map((e) => REDACTED.test(e.value))).toEqual([true, true, true, false]);
    expect(env[3]!.value).toBe('git.example');
  });

  it('redacts every secretGenerator literal and secret-looking configMapGenerator literals', () => {
    const out = redactor.object({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      secretGenerator: [{ name: 'x', literals: ['ANYTHING=lit-value-one'] }],
      configMapGenerator: [{ name: 'y', literals: ['LOG_LEVEL=info', 'API_TOKEN=lit-value-two'] }],
    });
    const text = JSON.stringify(out);
    expect(text).not.toMatch(/lit-value-one|lit-value-two/);
    expect(text).toContain('LOG_LEVEL=info');
    expect(text).toMatch(/ANYTHING=<redacted:[0-9a-f]{8}>/);
  });

  it('redacts secret assignments in config files, URL passwords and PEM private keys', () => {
    const out = redactor.object({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      data: {
        'app.ini': '[security]\nSECRET_KEY = s3cr3t\nINSTALL_LOCK = true\n',
        dsn: 'postgres://gitea:dbpass@db:5432/gitea',
        // a fake PEM block, assembled so secret scanners do not flag this test file
        key: ['-----BEGIN RSA', 'PRIVATE KEY-----\nMIIabc\n-----END RSA', 'PRIVATE KEY-----'].join(' '),
      },
    });
    const text = JSON.stringify(out);
    expect(text).not.toMatch(/s3cr3t|dbpass|MIIabc/);
    expect(text).toContain('INSTALL_LOCK = true');
    expect(text).toContain('postgres://gitea:<redacted:');
  });

  it('shows switches and file references under secret-looking names (they are no secret), and still redacts the values', () => {
    const out = redactor.object({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      data: { 'app.ini': '[security]\nSECRET_KEY_URI = file:/etc/gitea-secrets/secret-key\nSECRET_KEY = file-but-not-a-path\n' },
      spec: { env: [{ name: 'WOODPECKER_BACKEND_K8S_ALLOW_NATIVE_SECRETS', value: 'true' }, { name: 'API_TOKEN', value: 'truest' }] },
    });
    const text = JSON.stringify(out);
    expect(text).toContain('SECRET_KEY_URI = file:/etc/gitea-secrets/secret-key');
    expect(text).toContain('"value":"true"');
    expect(text).not.toMatch(/file-but-not-a-path|truest/);
    const kustomization = JSON.stringify(redactor.object({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', configMapGenerator: [{ name: 'y', literals: ['ALLOW_SECRETS=false', 'API_TOKEN=abc'] }], secretGenerator: [{ name: 'x', literals: ['FLAG=true'] }] }));
    expect(kustomization).toContain('ALLOW_SECRETS=false');
    expect(kustomization).not.toContain('API_TOKEN=abc');
    expect(kustomization).not.toContain('FLAG=true'); // a secretGenerator literal is always redacted
  });

  it('gives equal values equal tags and different values different tags, per key', () => {
    expect(redactor.tag('a')).toBe(redactor.tag('a'));
    expect(redactor.tag('a')).not.toBe(redactor.tag('b'));
    expect(new Redactor().tag('a')).not.toBe(new Redactor().tag('a'));
  });

  it('keeps references to secrets (names, not values)', () => {
    const out = redactor.object({ apiVersion: 'v1', kind: 'Pod', spec: { volumes: [{ name: 'v', secret: { secretName: 'gitea-admin' } }] } });
    expect(JSON.stringify(out)).toContain('gitea-admin');
  });
});
