/**
 * Small validators for the text formats a region uses (DNS names, Kubernetes label keys and values,
 * quantities, pinned versions, image references, e-mail, URLs, config-safe strings).
 * Each returns undefined when the text is fine, or the problem phrased to follow the value in a message
 * (`'Foo_Bar' is not a DNS label`), so regions/rules.ts can build one-line issues from it.
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** RFC 1123 label: lower case letters, digits and `-`, up to 63 characters, alphanumeric at both ends. */
export function dnsLabelProblem(text: string): string | undefined {
  if (text.length === 0) return 'is empty';
  if (text.length > 63) return `is ${text.length} characters long, longer than a DNS label may be (63)`;
  if (/[A-Z]/.test(text) && DNS_LABEL.test(text.toLowerCase())) return 'has upper case letters, not a DNS label';
  if (!DNS_LABEL.test(text)) return 'is not a DNS label';
  return undefined;
}

/** A DNS name of at least `minLabels` labels (default 1), at most 253 characters. */
export function dnsNameProblem(text: string, minLabels = 1): string | undefined {
  if (text.length === 0) return 'is empty';
  if (text.length > 253) return `is ${text.length} characters long, longer than a DNS name may be (253)`;
  if (text.endsWith('.')) return 'ends with a dot, not a DNS name as used here';
  const labels = text.split('.');
  if (labels.some((l) => dnsLabelProblem(l) !== undefined)) {
    return /[A-Z]/.test(text) && labels.every((l) => dnsLabelProblem(l.toLowerCase()) === undefined)
      ? 'has upper case letters, not a DNS name'
      : 'is not a valid DNS name';
  }
  if (labels.length < minLabels) return `has ${labels.length} label(s), not a fully qualified DNS name`;
  return undefined;
}

const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Kubernetes qualified name (label and taint keys): `[prefix/]name`, prefix a DNS subdomain, name <= 63. */
export function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'has more than one /, not a Kubernetes label key';
  const name = parts[parts.length - 1] ?? '';
  const prefix = parts.length === 2 ? (parts[0] ?? '') : undefined;
  if (prefix !== undefined && dnsNameProblem(prefix) !== undefined) return 'has a prefix that is not a DNS subdomain, not a Kubernetes label key';
  if (name.length === 0) return 'has an empty name, not a Kubernetes label key';
  if (name.length > 63) return 'has a name longer than 63 characters, not a Kubernetes label key';
  if (!QUALIFIED_NAME.test(name)) return 'is not a Kubernetes label key';
  return undefined;
}

/** Kubernetes label value: empty, or up to 63 of `[A-Za-z0-9-_.]`, alphanumeric at both ends. */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63) return 'is longer than 63 characters, not a Kubernetes label value';
  if (!QUALIFIED_NAME.test(value)) return 'is not a Kubernetes label value';
  return undefined;
}

/**
 * Node labels a kubelet may set on itself (`--node-labels`, which k3s `node-label` uses): the NodeRestriction
 * rules refuse keys in the kubernetes.io / k8s.io namespaces except these.
 */
const KUBELET_ALLOWED = new Set([
  'kubernetes.io/hostname',
  'kubernetes.io/arch',
  'kubernetes.io/os',
  'beta.kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/instance-type',
  'failure-domain.beta.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'node.kubernetes.io/instance-type',
]);

export function kubeletLabelProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  if (slash < 0) return undefined;
  const prefix = key.slice(0, slash);
  const reserved = (ns: string): boolean => prefix === ns || prefix.endsWith(`.${ns}`);
  if (!reserved('kubernetes.io') && !reserved('k8s.io')) return undefined;
  if (KUBELET_ALLOWED.has(key)) return undefined;
  if (['kubelet.kubernetes.io', 'node.kubernetes.io'].some((ns) => prefix === ns || prefix.endsWith(`.${ns}`))) return undefined;
  return 'is in the kubernetes.io/k8s.io namespace, which a kubelet may not set on its own node';
}

const QUANTITY = /^([0-9]+(\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

/** A positive Kubernetes quantity as used for sizes: `20Gi`, `500M`, `1.5Ti`. */
export function quantityProblem(text: string): string | undefined {
  const m = QUANTITY.exec(text);
  if (!m) return /^[0-9.]+\s*(gb|mb|tb|g|m|gib|mib)$/i.test(text) ? 'is not a Kubernetes quantity (units are Ki, Mi, Gi, Ti or k, M, G, T)' : 'is not a Kubernetes quantity';
  if (Number(m[1]) <= 0) return 'is not a positive size';
  return undefined;
}

/** A Go duration (`1h`, `30m`, `1h30m`), as Zot's gcDelay takes it. */
export function durationProblem(text: string): string | undefined {
  return /^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$/.test(text) ? undefined : 'is not a Go duration';
}

/** Moving tags and channels that are never a pin. */
const MOVING = new Set(['latest', 'stable', 'testing', 'main', 'master', 'edge', 'nightly', 'next', 'dev', 'rolling', 'release']);

export function isMovingName(text: string): boolean {
  return MOVING.has(text.toLowerCase());
}

/** Checks a pinned version against a pattern; a channel or moving tag gets its own problem text. */
export function pinnedVersionProblem(text: string, pattern: RegExp): string | undefined {
  if (pattern.test(text)) return undefined;
  if (isMovingName(text)) return 'is a moving release channel, not a pinned version';
  if (/^v?[0-9]+(\.[0-9]+)?$/.test(text)) return 'names a release line, not a pinned version';
  return 'is not a pinned version';
}

const IMAGE_NAME = /^(([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:[0-9]+)?\/)?[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export interface ImageReference {
  readonly name: string;
  readonly tag?: string;
  readonly digest?: string;
}

export function parseImageReference(text: string): ImageReference | undefined {
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!IMAGE_TAG.test(tag)) return undefined;
  }
  if (!IMAGE_NAME.test(rest)) return undefined;
  return { name: rest, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** An image pinned by a tag that is not a moving one, or by digest. */
export function pinnedImageProblem(text: string): string | undefined {
  const ref = parseImageReference(text);
  if (!ref) return 'is not an image reference';
  if (ref.digest) return undefined;
  if (ref.tag === undefined) return 'has no tag or digest, which means latest';
  if (isMovingName(ref.tag)) return `is pinned to the moving tag '${ref.tag}'`;
  return undefined;
}

/** A plain mailbox `local@domain` (what ACME accounts accept). */
export function emailProblem(text: string): string | undefined {
  const at = text.lastIndexOf('@');
  if (at <= 0) return 'is not an e-mail address';
  const local = text.slice(0, at);
  const domain = text.slice(at + 1).toLowerCase();
  if (!/^[A-Za-z0-9!#%&*+/=?^_{|}~.-]{1,64}$/.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    return 'is not an e-mail address';
  }
  if (dnsNameProblem(domain, 2) !== undefined) return 'is not an e-mail address (its domain is not a DNS name)';
  return undefined;
}

export function urlProblem(text: string, schemes: readonly string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a URL';
  }
  if (!schemes.includes(url.protocol.replace(/:$/, ''))) return `is not an ${schemes.join(' or ')} URL`;
  if (url.username || url.password) return 'carries credentials in the URL';
  return undefined;
}

/**
 * Characters that must never reach a generated config file (app.ini, config.json, config.yaml, systemd
 * units, shell): they break quoting or smuggle in settings. Returns a description of the first one found.
 */
export function configUnsafeProblem(text: string): string | undefined {
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\n' || ch === '\r') return 'contains a line break';
    if (ch === '"' || ch === "'" || ch === '`') return `contains a quote (${ch})`;
    if (ch === '\\') return 'contains a backslash';
    if (ch === '$') return 'contains a $';
    if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0) || code === 0x2028 || code === 0x2029) {
      return `contains the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    }
  }
  return undefined;
}
