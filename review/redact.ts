/**
 * Redaction of secret-like values, applied to every object before it is diffed, so no formatter ever
 * holds a secret. A secret value becomes `<redacted:1a2b3c4d>`: the tag is an HMAC under a key that is
 * random per run, so within one run an equal tag means an equal value (a change is still visible as
 * a change) while nothing about the value can be recovered from the output.
 *
 * Secret-like: Secret data/stringData; `value` of a name/value pair (env) whose name looks like a token,
 * password, secret or key; every literal of a Kustomize secretGenerator (and configMapGenerator literals
 * whose key looks secret); map entries whose key looks like a password or token; lines of multi-line
 * strings (config files) that assign such a key; passwords in URLs; PEM private key blocks anywhere.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { isRecord, type K8sObject } from './k8s-object';

/** Names of env vars (and other name/value pairs) whose value is secret. */
export const SECRET_NAME = /(TOKEN|PASSW(OR)?D|SECRET|KEY|CREDENTIAL|PRIVATE|SALT|COOKIE|DSN)/i;
/** Map keys whose string value is secret (`password: x`); `passwordSecretRef`, `secretName` are references, not values. */
const SECRET_MAP_KEY = /(^|[_.-])(password|passwd|pass|secret|token|api[_-]?key|private[_-]?key|secret[_-]?key|client[_-]?secret|credentials?)$/i;
/** `KEY = value` / `key: value` / `export KEY=value` lines in config files. */
const SECRET_LINE = /^(\s*(?:export\s+)?["']?[\w.-]*(?:TOKEN|PASSW(?:OR)?D|SECRET|PRIVATE_KEY|API_?KEY|SECRET_KEY|CREDENTIAL|SALT)[\w.-]*["']?\s*[=:]\s*)(\S.*)$/i;
/** The password of a URL's user info: `postgres://user:pw@host`. */
const URL_PASSWORD = /(\b[a-z][\w+.-]*:\/\/[^:/\s@]+:)([^@\s]+)(@)/gi;
const PEM_PRIVATE = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;
/**
 * Values that say something about a secret but are none: a switch (`WOODPECKER_BACKEND_K8S_ALLOW_NATIVE_SECRETS=true`)
 * or a reference to where the secret lives (`SECRET_KEY_URI = file:/etc/gitea-secrets/secret-key`). Shown, so a
 * reviewer sees the switch flip or the path move; anything else under a secret-looking name stays redacted.
 */
const NOT_A_SECRET = /^(true|false|file:\/[\w./-]+)$/i;
/** The shape every redacted value has; formatters and tests can recognise it. */
export const REDACTED = /<redacted:[0-9a-f]{8}>/;

export class Redactor {
  private readonly key: Buffer;

  constructor(key: Buffer = randomBytes(32)) {
    this.key = key;
  }

  tag(value: unknown): string {
    const text = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
    return `<redacted:${createHmac('sha256', this.key).update(text).digest('hex').slice(0, 8)}>`;
  }

  /** A redacted deep copy of a manifest. */
  object(object: K8sObject): K8sObject {
    const copy = this.walk(object, undefined) as Record<string, unknown>;
    if (object.kind === 'Secret') {
      for (const field of ['data', 'stringData']) {
        const map = copy[field];
        if (isRecord(map)) copy[field] = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, this.tag(v)]));
      }
    }
    if (object.kind === 'Kustomization' || object.kind === 'Component') {
      for (const field of ['secretGenerator', 'configMapGenerator']) {
        const generators = copy[field];
        if (!Array.isArray(generators)) continue;
        copy[field] = generators.map((generator: unknown) => {
          if (!isRecord(generator) || !Array.isArray(generator.literals)) return generator;
          const all = field === 'secretGenerator';
          return { ...generator, literals: generator.literals.map((literal: unknown) => this.literal(literal, all)) };
        });
      }
    }
    return copy as K8sObject;
  }

  /** `KEY=value` -> `KEY=<redacted:..>` (every literal of a secretGenerator, secret-looking ones elsewhere). */
  private literal(literal: unknown, all: boolean): unknown {
    if (typeof literal !== 'string') return this.tag(literal);
    const eq = literal.indexOf('=');
    if (eq < 0) return this.tag(literal);
    const name = literal.slice(0, eq);
    const value = literal.slice(eq + 1);
    return all || (SECRET_NAME.test(name) && !NOT_A_SECRET.test(value)) ? `${name}=${this.tag(value)}` : literal;
  }

  private walk(value: unknown, key: string | undefined): unknown {
    if (typeof value === 'string') {
      if (key !== undefined && SECRET_MAP_KEY.test(key)) return this.tag(value);
      return this.text(value);
    }
    if (Array.isArray(value)) return value.map((item) => this.walk(item, undefined));
    if (!isRecord(value)) return value;
    const out: Record<string, unknown> = {};
    const secretPair = typeof value.name === 'string' && SECRET_NAME.test(value.name);
    for (const [k, v] of Object.entries(value)) {
      const secretValue = secretPair && k === 'value' && v !== undefined && v !== null && !(typeof v === 'string' && NOT_A_SECRET.test(v));
      out[k] = secretValue ? this.tag(v) : this.walk(v, k);
    }
    return out;
  }

  /** Redacts PEM private keys and secret assignments inside free text (config files). */
  private text(value: string): string {
    let text = value
      .replace(PEM_PRIVATE, (block) => this.tag(block))
      .replace(URL_PASSWORD, (_all, head: string, password: string, at: string) => `${head}${this.tag(password)}${at}`);
    if (text.includes('\n') || SECRET_LINE.test(text)) {
      text = text
        .split('\n')
        .map((line) => {
          const match = SECRET_LINE.exec(line);
          return match && !REDACTED.test(match[2]!) && !NOT_A_SECRET.test(match[2]!.trim()) ? `${match[1]}${this.tag(match[2])}` : line;
        })
        .join('\n');
    }
    return text;
  }
}
