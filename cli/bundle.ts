/**
 * npm run bundle -- <region> [--out <dir>] [--arch amd64,arm64] [--images] [--pin] [--mirror <url>] [--registry <url>]
 *
 * Fetches everything the region's bootstrap needs for its pinned versions into one folder with a manifest (see
 * bundle/build.ts and docs/airgap.md). Exit codes: 0 done; 1 bad input, a failed download or a checksum mismatch;
 * 3 done, but some artifacts are not pinned in the repository (the playbooks refuse them until they are).
 */
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { archOf, PIN_FILE, type Arch } from '../playbooks/artifacts';
import { ValidationError } from '../playbooks/core';
import { loadRegion, REPO_ROOT } from '../regions/load';
import { buildBundle } from '../bundle/build';
import { BundleError } from '../bundle/errors';

const HELP = `Usage: npm run bundle -- <region> [options]

On a machine with internet: fetches everything <region>'s bootstrap needs for its pinned versions into one
folder with a manifest (bundle.json): the k3s binary, its checksum file and air-gap images, runsc and
containerd-shim-runsc-v1 (checked against their published sha512), the cert-manager chart, and, when the
region is air-gapped (airgap.bundleDir) or with --images, the cert-manager images. Every file is checked
against upstream's checksums and the sha256 pinned in regions/artifact-checksums.json; a mismatch is an error
naming the file and both sums. Running it again downloads nothing that is already there and verified.

Options:
  --out <dir>        bundle folder (default: the region's airgap.bundleDir, else bundles/<region>)
  --arch <list>      architectures, comma-separated: amd64, arm64 (default amd64)
  --images           also bundle the cert-manager images (default: only for air-gapped regions)
  --pin              record the sha256 of artifacts the repository does not pin yet in
                     regions/artifact-checksums.json (after they verified against upstream); commit that file
  --mirror <url>     fetch k3s, gVisor and charts from a mirror in the k3s.mirrorUrl layout
                     (<url>/<version>/k3s, <url>/gvisor/<version>/<arch>/runsc, <url>/charts/<chart>.tgz)
  --registry <url>   pull images from this registry instead of quay.io (e.g. a registry mirror)
  --timeout <s>      bound on each download (default 1800)
  --lab-dir <dir>    for region 'lab': the lab folder (default $LAB_DIR, else .lab/lab)
  -h, --help         this help

Then copy the folder to the operator machine of the air-gapped network and run
  npm run play -- <region> site --bundle <dir>     (or set airgap.bundleDir in the region)

Exit codes: 0 done, 1 error (nothing unverified is kept), 3 done but some artifacts are not pinned yet.`;

export async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      arch: { type: 'string', multiple: true, default: [] },
      images: { type: 'boolean', default: false },
      pin: { type: 'boolean', default: false },
      mirror: { type: 'string' },
      registry: { type: 'string' },
      timeout: { type: 'string' },
      'lab-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new ValidationError(`bundle: expected one <region>, got ${positionals.length ? `'${positionals.join(' ')}'` : 'nothing'} (e.g. npm run bundle -- eu-central-1; see --help)`);
  const arches: Arch[] = values.arch.flatMap((a) => a.split(',')).map((a) => a.trim()).filter(Boolean).map((a) => {
    if (a !== 'amd64' && a !== 'arm64') throw new ValidationError(`--arch '${a}' is not an architecture here (expected amd64 or arm64, comma-separated)`);
    return archOf(a);
  });
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeout !== undefined && (!Number.isFinite(timeout) || timeout <= 0)) throw new ValidationError(`--timeout '${values.timeout}' is not a positive number of seconds (expected e.g. --timeout 1800)`);
  for (const [flag, v] of [['--mirror', values.mirror], ['--registry', values.registry]] as const) {
    if (v !== undefined && !/^https?:\/\/\S+$/.test(v)) throw new ValidationError(`${flag} '${v}' is not an http(s) URL (expected e.g. https://mirror.example.com/k3s)`);
  }
  const region = await loadRegion(positionals[0]!, values['lab-dir'] ? { labDir: values['lab-dir'] } : {});
  const out = resolve(values.out ?? region.airgap?.bundleDir ?? resolve(REPO_ROOT, 'bundles', region.name));
  const log = (l: string) => void process.stdout.write(`${l}\n`);
  log(`bundle for ${region.name}: k3s ${region.versions.k3s}, gVisor ${region.versions.gvisor}, cert-manager ${region.versions.certManager} -> ${out}`);
  const mirror = values.mirror?.replace(/\/+$/, '');
  const res = await buildBundle({
    region,
    out,
    arches,
    ...(values.images ? { images: true } : {}),
    pin: values.pin,
    sources: { ...(mirror ? { k3s: mirror, gvisor: `${mirror}/gvisor`, charts: `${mirror}/charts` } : {}), ...(values.registry ? { registry: values.registry } : {}) },
    ...(timeout ? { timeoutSeconds: timeout } : {}),
    log,
  });
  log(`${res.manifest.artifacts.length} artifacts in ${res.dir}: ${res.downloaded.length} downloaded, ${res.reused.length} already there and verified`);
  const pins = relative(process.cwd(), PIN_FILE) || PIN_FILE;
  if (res.pinnedNow.length) log(`pinned in ${pins} (review and commit it): ${res.pinnedNow.join(', ')}`);
  if (res.unpinned.length) {
    process.stderr.write(`NOT PINNED in ${pins} (the playbooks refuse these for region '${region.name}'): ${res.unpinned.join(', ')}\nfix: check the sums above against the releases, then run again with --pin and commit ${pins}\n`);
    return 3;
  }
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      const err = e as Error;
      const known = err instanceof BundleError || err instanceof ValidationError || err?.name === 'RegionValidationError' || (err as NodeJS.ErrnoException)?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION';
      process.stderr.write(`${known ? err.message : (err?.stack ?? String(e))}\n`);
      process.exit(1);
    },
  );
}
