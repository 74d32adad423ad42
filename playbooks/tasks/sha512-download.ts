/**
 * `download.sha512`: a release binary whose publisher ships `<file>.sha512` (`<hex>  <name>`), as gVisor does.
 * The host fetches the checksum file, downloads the binary to a temp file, verifies it with sha512sum BEFORE it
 * is moved into place (a mismatch fails and leaves the old file), and sets the mode. No change when the installed
 * file already has the published sha512.
 */
import { change, defineFact, ok, pathSubject, predict, raw, sh, touches, ValidationError, type Fact, type Task } from '../core';

export interface Sha512DownloadArgs {
  readonly url: string;
  readonly checksumUrl: string;
  readonly path: string;
  /** @default '0755' */
  readonly mode?: string;
  /** @default 300 */
  readonly timeoutSeconds?: number;
}

function fetchScript(url: string, out: string, t: number): string {
  return [
    sh`if command -v curl >/dev/null 2>&1; then curl -fsSL --max-time ${t} -o ${raw(out)} ${url};`,
    sh`else python3 -c ${'import sys,urllib.request,shutil; shutil.copyfileobj(urllib.request.urlopen(sys.argv[1], timeout=int(sys.argv[3])), open(sys.argv[2], "wb"))'} ${url} ${raw(out)} ${t}; fi`,
  ].join(' ');
}

interface State {
  readonly published: string | null;
  readonly installed: string | null;
  readonly mode: string | null;
}

function state(a: Sha512DownloadArgs): Fact<State> {
  const cmd = `${sh`if command -v curl >/dev/null 2>&1; then s=$(curl -fsSL --max-time 30 ${a.checksumUrl}) || s=; else s=$(python3 -c ${'import sys,urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=30).read().decode())'} ${a.checksumUrl}) || s=; fi`}
printf 'published %s\\n' "$(printf '%s' "$s" | head -n 1 | cut -d' ' -f1)"
${sh`if [ -f ${a.path} ]; then printf 'installed %s\\nmode %s\\n' "$(sha512sum < ${a.path} | cut -d' ' -f1)" "$(stat -c %a ${a.path})"; fi`}`;
  return defineFact(`download.sha512:${a.checksumUrl}:${a.path}`, cmd, ({ stdout }) => {
    const get = (k: string) => stdout.split('\n').find((l) => l.startsWith(`${k} `))?.slice(k.length + 1).trim() || null;
    const published = get('published');
    return { published: published && /^[0-9a-f]{128}$/.test(published) ? published : null, installed: get('installed'), mode: get('mode') };
  }, { subjects: [pathSubject(a.path)] });
}

export const sha512Download: Task<Sha512DownloadArgs> = {
  id: 'download.sha512',
  probes: (_h, a) => [state(a)],
  async plan(host, a) {
    if (!a.path.startsWith('/')) throw new ValidationError(`download.sha512: path '${a.path}' is not absolute`);
    const mode = (a.mode ?? '0755').replace(/^0(?=[0-7]{3}$)/, '');
    const s = await host.fact(state(a));
    if (!s.published) throw new ValidationError(`download.sha512 ${a.path} on '${host.name}': could not read a sha512 from ${a.checksumUrl} (expected '<128 hex>  <name>'; check the version or the mirror layout)`);
    if (s.installed === s.published) {
      return s.mode === mode ? ok(`${a.path} has the published sha512`) : change(`${a.path}: mode ${s.mode} -> ${mode}`, [sh`chmod ${mode} ${a.path}`], { predicts: [predict(state(a), { ...s, mode })] });
    }
    const dir = a.path.slice(0, a.path.lastIndexOf('/')) || '/';
    const t = a.timeoutSeconds ?? 300;
    const run = [
      sh`mkdir -p ${dir} && tmp=$(mktemp ${`${dir}/.rb-dl-XXXXXX`}) || exit 1`,
      sh`{ ${raw(fetchScript(a.url, '"$tmp"', t))}; } || { printf 'download of %s failed\n' ${a.url} >&2; rm -f "$tmp"; exit 1; }`,
      `actual=$(sha512sum < "$tmp" | cut -d' ' -f1)`,
      sh`if [ "$actual" != ${s.published} ]; then echo "sha512 mismatch for "${a.url}": expected "${s.published}", got $actual" >&2; rm -f "$tmp"; exit 1; fi`,
      sh`chmod ${mode} "$tmp" && mv -f "$tmp" ${a.path}`,
    ].join('\n');
    return change(`download ${a.url} -> ${a.path}`, [{ run: `(\n${run}\n)`, display: `download ${a.url} to ${a.path}, verify sha512 ${s.published.slice(0, 16)}…` }], {
      predicts: [predict(state(a), { published: s.published, installed: s.published, mode }), touches(pathSubject(dir))],
    });
  },
};
