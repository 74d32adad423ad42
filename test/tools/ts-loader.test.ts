/**
 * The CLIs' TypeScript loader (tools/ts): modules run from a content-addressed compile cache, so a changed source is
 * compiled again (never run stale), specifiers resolve as tsconfig's bundler resolution says, JSON imports work
 * without an import attribute, and a module keeps its own URL (paths relative to import.meta.url stay right).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript module without types
import { cachePath } from '../../tools/ts/compile.mjs';

const REGISTER = join(__dirname, '..', '..', 'tools', 'ts', 'register.mjs');
const dir = mkdtempSync(join(tmpdir(), 'rb-ts-loader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(entry: string): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, ['--import', REGISTER, entry], { encoding: 'utf8', timeout: 60_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

describe('tools/ts loader', () => {
  it('runs .ts modules with extensionless, directory and JSON imports, keeping their own URLs', () => {
    mkdirSync(join(dir, 'lib'), { recursive: true });
    writeFileSync(join(dir, 'lib', 'index.ts'), "export const fromIndex: string = 'index';\n");
    writeFileSync(join(dir, 'data.json'), '{ "n": 42 }\n');
    writeFileSync(join(dir, 'dep.ts'), "import type { Missing } from './nowhere';\nexport const value: number = 1;\nexport type T = Missing;\n");
    writeFileSync(join(dir, 'main.ts'), [
      "import { value } from './dep';",
      "import { fromIndex } from './lib';",
      "import data from './data.json';",
      "interface Shape { readonly n: number }",
      "const d: Shape = data;",
      'console.log(JSON.stringify({ value, fromIndex, n: d.n, url: import.meta.url }));',
    ].join('\n'));
    const r = run(join(dir, 'main.ts'));
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ value: 1, fromIndex: 'index', n: 42, url: `file://${join(dir, 'main.ts')}` });
  });

  it('never runs a stale module: a changed source has another cache entry and is compiled again', () => {
    const file = join(dir, 'changing.ts');
    const v1 = "const v: string = 'one';\nconsole.log(v);\n";
    const v2 = "const v: string = 'two';\nconsole.log(v);\n";
    writeFileSync(file, v1);
    expect(run(file).stdout).toBe('one\n');
    expect(existsSync(cachePath(v1))).toBe(true);
    writeFileSync(file, v2);
    expect(cachePath(v2)).not.toBe(cachePath(v1));
    expect(run(file).stdout).toBe('two\n');
    expect(existsSync(cachePath(v2))).toBe(true);
  });

  it('reports a syntax error with the file, and a runtime error with the .ts line', () => {
    const bad = join(dir, 'bad.ts');
    writeFileSync(bad, 'const x: number = ;\n');
    const r = run(bad);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('bad.ts');
    const thrower = join(dir, 'thrower.ts');
    writeFileSync(thrower, 'interface A { a: number }\n\n\nfunction boom(a: A): never {\n  throw new Error(`boom ${a.a}`);\n}\nboom({ a: 1 });\n');
    const t = run(thrower);
    expect(t.stderr).toContain('boom 1');
    expect(t.stderr).toContain('thrower.ts:5');
  });
});
