/**
 * What goes into each layer, gathered from this machine's Debian packages and the built
 * project: busybox-static with its applets, the sandbox's pause script, Node.js with the shared
 * libraries `ldd` names, the runtime node_modules (package-lock.json's non-dev packages: the
 * bundle's externals and what they need) and dist/.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { dataEntry, type TarEntry } from './tar.js';

/** Where the suite lives inside its image. */
export const SUITE_DIR = 'switchyard';

/** The file modes a layer keeps: executable or not (the host's umask and owner do not matter). */
function fileMode(mode: number): number {
  return mode & 0o111 ? 0o755 : 0o644;
}

function fileEntry(path: string, file: string): TarEntry {
  const st = statSync(file);
  return { kind: 'file', path, mode: fileMode(st.mode), size: st.size, source: { file } };
}

/**
 * Every file, symlink and directory under `dir`, placed under `into` in the image. `skip` is
 * asked about each path relative to `dir`.
 */
export function treeEntries(
  dir: string,
  into: string,
  skip: (rel: string) => boolean = () => false,
): TarEntry[] {
  const out: TarEntry[] = [{ kind: 'dir', path: into, mode: 0o755 }];
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const child = rel === '' ? name : `${rel}/${name}`;
      if (skip(child)) continue;
      const file = join(dir, child);
      const st = lstatSync(file);
      const path = `${into}/${child}`;
      if (st.isDirectory()) {
        out.push({ kind: 'dir', path, mode: 0o755 });
        walk(child);
      } else if (st.isSymbolicLink()) out.push({ kind: 'symlink', path, target: readlinkSync(file) });
      else if (st.isFile())
        out.push({ kind: 'file', path, mode: fileMode(st.mode), size: st.size, source: { file } });
    }
  };
  walk('');
  return out;
}

/** The shared objects an `ldd` listing names (absolute paths), the vDSO left out; a missing one throws. */
export function parseLdd(text: string): string[] {
  const paths: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('linux-vdso') || line.startsWith('linux-gate')) continue;
    if (line.includes('not a dynamic executable') || line.includes('statically linked')) continue;
    const arrow = /^(\S+) => (.*?)(?: \(0x[0-9a-f]+\))?$/.exec(line);
    if (arrow) {
      if (arrow[2] === 'not found') throw new Error(`images: ldd cannot find ${arrow[1]}`);
      if (arrow[2]) paths.push(arrow[2]);
      continue;
    }
    const direct = /^(\/\S+)(?: \(0x[0-9a-f]+\))?$/.exec(line);
    if (direct?.[1]) paths.push(direct[1]);
  }
  return paths;
}

const BASE_FILES: readonly TarEntry[] = [
  dataEntry(
    'etc/passwd',
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  ),
  dataEntry('etc/group', 'root:x:0:\nnogroup:x:65534:\n'),
  { kind: 'dir', path: 'tmp', mode: 0o1777 },
  { kind: 'dir', path: 'root', mode: 0o700 },
  ...['proc', 'sys', 'dev', 'etc', 'var', 'bin', 'sbin', 'usr/bin', 'usr/sbin'].map(
    (path): TarEntry => ({ kind: 'dir', path, mode: 0o755 }),
  ),
];

/**
 * The busybox layer: a static busybox (Debian's busybox-static) at /bin/busybox with every
 * applet it lists as a symlink to it, /etc/passwd, /etc/group and /tmp. A dynamic busybox (the
 * `busybox` package) is refused: the image has no libc for it.
 */
export function busyboxEntries(busybox = '/bin/busybox'): TarEntry[] {
  if (!existsSync(busybox)) throw new Error(`images: ${busybox} is missing (apt-get install busybox-static)`);
  const ldd = spawnSync('ldd', [busybox], { encoding: 'utf8' });
  if ((ldd.stdout ?? '').includes('=>')) {
    throw new Error(`images: ${busybox} is dynamically linked; the images need busybox-static`);
  }
  const applets = execFileSync(busybox, ['--list-full'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== 'bin/busybox');
  return [
    ...BASE_FILES,
    fileEntry('bin/busybox', busybox),
    ...[...new Set(applets)].map((path): TarEntry => ({ kind: 'symlink', path, target: '/bin/busybox' })),
  ];
}

/**
 * The sandbox's process: busybox sh running a script that sleeps until SIGTERM or SIGINT and
 * then exits 0 at once. `wait` returns as soon as a trapped signal arrives, and while it waits
 * busybox's ash reaps every child (waitpid(-1)), the orphans a PID 1 inherits included.
 */
export const PAUSE_SCRIPT = `#!/bin/sh
# The pod sandbox: hold the namespaces until told to stop (switchyard lab/images).
trap 'kill $! 2>/dev/null; exit 0' TERM INT
while :; do sleep 2147483647 & wait $!; done
`;

/** The pause layer: /pause (run on top of the busybox layer). */
export function pauseEntries(): TarEntry[] {
  return [dataEntry('pause', PAUSE_SCRIPT, 0o755)];
}

/**
 * The Node.js layer: the running node binary at /usr/bin/node (and /usr/bin/nodejs), each
 * shared library `ldd` names at the path it names (the dynamic loader included), and
 * /etc/ssl/certs (symlinks resolved) when the host has it.
 */
export function nodeRuntimeEntries(node: string = process.execPath): TarEntry[] {
  const binary = realpathSync(node);
  const libs = parseLdd(execFileSync('ldd', [binary], { encoding: 'utf8' }));
  const entries: TarEntry[] = [
    fileEntry('usr/bin/node', binary),
    { kind: 'symlink', path: 'usr/bin/nodejs', target: 'node' },
    ...libs.map((lib) => fileEntry(lib.slice(1), realpathSync(lib))),
  ];
  const certs = '/etc/ssl/certs';
  if (existsSync(certs)) {
    entries.push({ kind: 'dir', path: 'etc/ssl/certs', mode: 0o755 });
    for (const name of readdirSync(certs).sort()) {
      const file = join(certs, name);
      if (existsSync(file) && statSync(file).isFile()) entries.push(fileEntry(`etc/ssl/certs/${name}`, file));
    }
  }
  return entries;
}

interface LockPackage {
  readonly dev?: boolean;
  readonly link?: boolean;
}

/**
 * The packages the built CLI loads at run time: package-lock.json's non-dev packages (the
 * bundle's externals of scripts/build.mjs and their dependencies) that are installed, as
 * paths relative to `root` (`node_modules/a`, `node_modules/a/node_modules/b`).
 */
export function runtimePackages(root: string): string[] {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages?: Record<string, LockPackage>;
  };
  return Object.entries(lock.packages ?? {})
    .filter(([path, p]) => path !== '' && p.dev !== true && p.link !== true && existsSync(join(root, path)))
    .map(([path]) => path)
    .sort();
}

/** The node_modules layer: the runtime packages under /switchyard, and its package.json. */
export function nodeModulesEntries(root: string): TarEntry[] {
  const entries: TarEntry[] = [fileEntry(`${SUITE_DIR}/package.json`, join(root, 'package.json'))];
  for (const pkg of runtimePackages(root)) {
    // A package's own node_modules holds nested packages, each listed (or not) on its own.
    entries.push(...treeEntries(join(root, pkg), `${SUITE_DIR}/${pkg}`, (rel) => rel === 'node_modules'));
  }
  return entries;
}

/** The command inside the suite image: `switchyard ARGS…` on its PATH. */
const SUITE_WRAPPER = `#!/bin/sh
exec /usr/bin/node /${SUITE_DIR}/dist/switchyard.mjs "$@"
`;

/**
 * The project layer: dist/ (the CLI bundle, its chunks and the CNI plugins) under /switchyard,
 * without the build stamp and V8 code caches (they differ per build and per run), and
 * /usr/local/bin/switchyard.
 */
export function distEntries(root: string): TarEntry[] {
  const dist = join(root, 'dist');
  if (!existsSync(join(dist, 'switchyard.mjs'))) {
    throw new Error(`images: ${dist}/switchyard.mjs is missing (run node scripts/build.mjs)`);
  }
  return [
    ...treeEntries(dist, `${SUITE_DIR}/dist`, (rel) => rel === '.stamp' || rel.endsWith('.v8cache')),
    dataEntry('usr/local/bin/switchyard', SUITE_WRAPPER, 0o755),
  ];
}
