/**
 * A small evaluator for the subset of CEL (github.com/google/cel-spec, doc/langdef.md) the synthesized
 * ValidatingAdmissionPolicies use, so tests can run the real expressions from dist/ against admission requests
 * (there is no API server here). Supported: literals ('single-quoted' strings with \\ \' escapes, integers, true,
 * false, null), identifiers, field selection, indexing (`m['k']`, `l[0]`), `has(e.f)`, `k in map`, `==`, `!=`,
 * `!`, `&&`, `||` (commutative over errors, as in CEL: `error || true` is true), `c ? a : b`, and the methods
 * `startsWith`, `endsWith`, `size`. Anything else is a parse error, never a silent pass.
 */

type Value = unknown;
class CelError extends Error {}

type Node =
  | { t: 'lit'; v: Value }
  | { t: 'id'; name: string }
  | { t: 'sel'; of: Node; field: string }
  | { t: 'idx'; of: Node; index: Node }
  | { t: 'call'; of: Node; method: string; args: Node[] }
  | { t: 'has'; of: Node; field: string }
  | { t: 'un'; op: '!'; e: Node }
  | { t: 'bin'; op: '==' | '!=' | '&&' | '||' | 'in'; l: Node; r: Node }
  | { t: 'cond'; c: Node; a: Node; b: Node };

function tokenize(src: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === "'") {
      let j = i + 1;
      let text = '';
      while (j < src.length && src[j] !== "'") {
        if (src[j] === '\\') { text += src[j + 1]; j += 2; continue; }
        text += src[j];
        j++;
      }
      if (j >= src.length) throw new CelError(`unterminated string at ${i} in ${src}`);
      out.push(`'${text}`);
      i = j + 1;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['==', '!=', '&&', '||'].includes(two)) { out.push(two); i += 2; continue; }
    if ('()[].,?:!'.includes(c)) { out.push(c); i++; continue; }
    const word = /^[A-Za-z_][A-Za-z0-9_]*|^[0-9]+/.exec(src.slice(i));
    if (!word) throw new CelError(`unexpected '${c}' at ${i} in ${src}`);
    out.push(word[0]);
    i += word[0].length;
  }
  return out;
}

function parse(src: string): Node {
  const toks = tokenize(src);
  let p = 0;
  const peek = (): string | undefined => toks[p];
  const take = (want?: string): string => {
    const t = toks[p++];
    if (t === undefined || (want !== undefined && t !== want)) throw new CelError(`expected ${want ?? 'a token'} at token ${p - 1} ('${t}') in ${src}`);
    return t;
  };
  const cond = (): Node => {
    const c = or();
    if (peek() !== '?') return c;
    take('?');
    const a = cond();
    take(':');
    return { t: 'cond', c, a, b: cond() };
  };
  const or = (): Node => { let l = and(); while (peek() === '||') { take(); l = { t: 'bin', op: '||', l, r: and() }; } return l; };
  const and = (): Node => { let l = rel(); while (peek() === '&&') { take(); l = { t: 'bin', op: '&&', l, r: rel() }; } return l; };
  const rel = (): Node => {
    const l = unary();
    const op = peek();
    if (op === '==' || op === '!=' || op === 'in') { take(); return { t: 'bin', op, l, r: unary() }; }
    return l;
  };
  const unary = (): Node => (peek() === '!' ? (take(), { t: 'un', op: '!', e: unary() }) : member());
  const member = (): Node => {
    let n = primary();
    for (;;) {
      if (peek() === '.') {
        take();
        const name = take();
        if (peek() === '(') {
          take('(');
          const args: Node[] = [];
          while (peek() !== ')') { args.push(cond()); if (peek() === ',') take(','); }
          take(')');
          n = { t: 'call', of: n, method: name, args };
        } else n = { t: 'sel', of: n, field: name };
      } else if (peek() === '[') {
        take('[');
        const index = cond();
        take(']');
        n = { t: 'idx', of: n, index };
      } else return n;
    }
  };
  const primary = (): Node => {
    const t = take();
    if (t === '(') { const e = cond(); take(')'); return e; }
    if (t.startsWith("'")) return { t: 'lit', v: t.slice(1) };
    if (/^[0-9]+$/.test(t)) return { t: 'lit', v: Number(t) };
    if (t === 'true' || t === 'false') return { t: 'lit', v: t === 'true' };
    if (t === 'null') return { t: 'lit', v: null };
    if (t === 'has') {
      take('(');
      const e = member();
      take(')');
      if (e.t !== 'sel') throw new CelError(`has() needs a field selection in ${src}`);
      return { t: 'has', of: e.of, field: e.field };
    }
    if (/^[A-Za-z_]/.test(t)) return { t: 'id', name: t };
    throw new CelError(`unexpected '${t}' in ${src}`);
  };
  const tree = cond();
  if (p !== toks.length) throw new CelError(`trailing tokens from ${p} in ${src}`);
  return tree;
}

const isMap = (v: Value): v is Record<string, Value> => typeof v === 'object' && v !== null && !Array.isArray(v);

function evaluate(n: Node, env: Record<string, Value>): Value {
  switch (n.t) {
    case 'lit': return n.v;
    case 'id':
      if (!(n.name in env)) throw new CelError(`undeclared reference to '${n.name}'`);
      return env[n.name];
    case 'sel': {
      const of = evaluate(n.of, env);
      if (!isMap(of) || !(n.field in of)) throw new CelError(`no such key: ${n.field}`);
      return of[n.field];
    }
    case 'has': {
      const of = evaluate(n.of, env);
      if (!isMap(of)) throw new CelError(`has() on a non-map (${of === null ? 'null' : typeof of})`);
      return n.field in of;
    }
    case 'idx': {
      const of = evaluate(n.of, env);
      const i = evaluate(n.index, env);
      if (Array.isArray(of) && typeof i === 'number') { if (i >= of.length) throw new CelError('index out of range'); return of[i]; }
      if (isMap(of) && typeof i === 'string') { if (!(i in of)) throw new CelError(`no such key: ${i}`); return of[i]; }
      throw new CelError('bad index');
    }
    case 'call': {
      const of = evaluate(n.of, env);
      const args = n.args.map((a) => evaluate(a, env));
      if (n.method === 'startsWith' && typeof of === 'string' && typeof args[0] === 'string') return of.startsWith(args[0]);
      if (n.method === 'endsWith' && typeof of === 'string' && typeof args[0] === 'string') return of.endsWith(args[0]);
      if (n.method === 'size' && (typeof of === 'string' || Array.isArray(of))) return of.length;
      if (n.method === 'size' && isMap(of)) return Object.keys(of).length;
      throw new CelError(`no matching overload for ${n.method}`);
    }
    case 'un': {
      const v = evaluate(n.e, env);
      if (typeof v !== 'boolean') throw new CelError('! on a non-bool');
      return !v;
    }
    case 'cond': {
      const c = evaluate(n.c, env);
      if (typeof c !== 'boolean') throw new CelError('condition is not a bool');
      return evaluate(c ? n.a : n.b, env);
    }
    case 'bin': {
      if (n.op === '&&' || n.op === '||') {
        const short = n.op === '||';
        let err: unknown;
        for (const side of [n.l, n.r]) {
          try {
            const v = evaluate(side, env);
            if (typeof v !== 'boolean') throw new CelError(`${n.op} on a non-bool`);
            if (v === short) return short;
          } catch (e) {
            err = e;
          }
        }
        if (err) throw err;
        return !short;
      }
      const l = evaluate(n.l, env);
      const r = evaluate(n.r, env);
      if (n.op === 'in') {
        if (isMap(r)) return typeof l === 'string' && l in r;
        if (Array.isArray(r)) return r.includes(l);
        throw new CelError("'in' on a non-container");
      }
      const eq = JSON.stringify(l) === JSON.stringify(r);
      return n.op === '==' ? eq : !eq;
    }
  }
}

/** Evaluates one expression; `{ error }` when CEL would report an evaluation error. */
export function celEval(expression: string, env: Record<string, Value>): { value: Value } | { error: string } {
  const tree = parse(expression); // parse errors throw: a malformed expression is a test failure, not a denial
  try {
    return { value: evaluate(tree, env) };
  } catch (e) {
    if (e instanceof CelError) return { error: e.message };
    throw e;
  }
}
