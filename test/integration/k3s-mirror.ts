/**
 * A local k3s release mirror for integration tests: serves the k3s TEST FIXTURE (test/fixtures/k3s-test-fixture,
 * with its version filled in) as `<version>/k3s` and its checksum file `<version>/sha256sum-amd64.txt`, in the
 * GitHub release layout the product code expects from `k3s.mirrorUrl`. `corrupt()` makes the k3s checksum file lie;
 * `corruptGvisor(name)` makes the published `<name>.sha512` of one gVisor binary lie.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';

export interface K3sMirror {
  readonly url: string;
  /** Requests served, e.g. `/v1.28.15%2Bk3s1/k3s`. */
  readonly requests: string[];
  corrupt(on: boolean): void;
  /** Publish a wrong sha512 for this gVisor binary (`runsc` or `containerd-shim-runsc-v1`); null: all correct. */
  corruptGvisor(binary: string | null): void;
  close(): Promise<void>;
}

export const FIXTURE_PATH = fileURLToPath(new URL('../fixtures/k3s-test-fixture', import.meta.url));

export function fixtureBinary(version: string): Buffer {
  return Buffer.from(readFileSync(FIXTURE_PATH, 'utf8').replace('@VERSION@', version));
}

/** A stand-in for a gVisor binary: a script that says it is a fixture (never run as a runtime by the tests). */
export function gvisorFixture(name: string, version: string): Buffer {
  return Buffer.from(`#!/bin/sh\n# ${name} TEST FIXTURE ${version} -- NOT gVisor. Served by test/integration/k3s-mirror.ts.\necho '${name} test fixture ${version} (not gVisor)'\n`);
}

/** Serves any k3s version asked for (`/<version>/k3s`), and gVisor fixtures under `/gvisor/<version>/<arch>/<name>`. */
export interface K3sMirrorOptions {
  /**
   * Real binaries to serve instead of the gVisor stand-in scripts, for every version asked for (e.g. Debian's runsc
   * from the lab bundle, a real but older gVisor).
   */
  readonly gvisor?: Readonly<Partial<Record<'runsc' | 'containerd-shim-runsc-v1', Buffer>>>;
}

export async function startK3sMirror(bindAddress: string, options: K3sMirrorOptions = {}): Promise<K3sMirror> {
  let corrupt = false;
  let corruptGvisor: string | null = null;
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const path = decodeURIComponent(req.url ?? '');
    const k3s = /^\/(v[^/]+)\/(k3s|sha256sum-amd64\.txt)$/.exec(path);
    const gv = /^\/gvisor\/([^/]+)\/x86_64\/(runsc|containerd-shim-runsc-v1)(\.sha512)?$/.exec(path);
    if (k3s?.[2] === 'k3s') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(fixtureBinary(k3s[1]!));
    } else if (k3s) {
      const sum = createHash('sha256').update(corrupt ? 'not the binary' : fixtureBinary(k3s[1]!)).digest('hex');
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`${sum}  k3s\n${'0'.repeat(64)}  k3s-airgap-images-amd64.tar\n`);
    } else if (gv) {
      const body = options.gvisor?.[gv[2] as 'runsc' | 'containerd-shim-runsc-v1'] ?? gvisorFixture(gv[2]!, gv[1]!);
      const published = corruptGvisor === gv[2] ? Buffer.from('not the binary') : body;
      if (gv[3]) res.writeHead(200).end(`${createHash('sha512').update(published).digest('hex')}  ${gv[2]}\n`);
      else res.writeHead(200).end(body);
    } else {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, bindAddress, () => resolve());
  });
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('k3s mirror: no port');
  return {
    url: `http://${bindAddress}:${addr.port}`,
    requests,
    corrupt: (on) => {
      corrupt = on;
    },
    corruptGvisor: (binary) => {
      corruptGvisor = binary;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
