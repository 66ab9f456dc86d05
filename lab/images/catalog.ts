/**
 * The lab's three images and their names. Everything is built here from Debian packages and
 * the built project; nothing is pulled. The references are fully qualified under the
 * `switchyard.local` registry name (which no registry answers for), so containerd's CRI
 * resolves them exactly as written and finds them among the imported images:
 *
 * - `switchyard.local/busybox:1`   workloads (also imported as `docker.io/library/busybox:latest`
 *                                  and `:1`, which is what a pod that says `image: busybox` or
 *                                  `busybox:1` asks for: Debian's busybox is 1.x);
 * - `switchyard.local/pause:1`     the sandbox image (containerd's `sandbox_image`);
 * - `switchyard.local/switchyard:<package.json version>`   the suite, for system pods.
 *
 * The `:1` tags are the version of the recipe below; the digests change with the content.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageSpec, LayerSpec } from './build.js';
import {
  busyboxEntries,
  distEntries,
  nodeModulesEntries,
  nodeRuntimeEntries,
  pauseEntries,
  SUITE_DIR,
} from './sources.js';

export const BUSYBOX_IMAGE = 'switchyard.local/busybox:1';
/** The names under which `busybox` and `busybox:1` in a pod spec find the busybox image. */
export const BUSYBOX_ALIASES: readonly string[] = [
  'docker.io/library/busybox:latest',
  'docker.io/library/busybox:1',
];
export const PAUSE_IMAGE = 'switchyard.local/pause:1';
export const SUITE_REPOSITORY = 'switchyard.local/switchyard';

/** The PATH of every image's containers. */
export const IMAGE_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The suite image's reference for the project at `root` (tagged with its package.json version). */
export function suiteImage(root: string): string {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown };
  return `${SUITE_REPOSITORY}:${typeof pkg.version === 'string' ? pkg.version : 'dev'}`;
}

/** Where the host's pieces come from (tests and other machines may point elsewhere). */
export interface CatalogOptions {
  /** The project root: package.json, package-lock.json, node_modules and dist/. */
  readonly root: string;
  readonly busybox?: string;
  readonly node?: string;
}

/** The images `switchyard images build` writes: busybox, pause and the suite, in that order. */
export function imageCatalog(options: CatalogOptions): ImageSpec[] {
  const busybox: LayerSpec = { name: 'busybox', entries: () => busyboxEntries(options.busybox) };
  const pause: LayerSpec = { name: 'pause', entries: pauseEntries };
  const node: LayerSpec = { name: 'node', entries: () => nodeRuntimeEntries(options.node) };
  const modules: LayerSpec = { name: 'node_modules', entries: () => nodeModulesEntries(options.root) };
  const dist: LayerSpec = { name: 'dist', entries: () => distEntries(options.root) };
  return [
    {
      name: 'busybox',
      refs: [BUSYBOX_IMAGE, ...BUSYBOX_ALIASES],
      layers: [busybox],
      run: { env: [IMAGE_PATH], cmd: ['sh'] },
    },
    {
      name: 'pause',
      refs: [PAUSE_IMAGE],
      layers: [busybox, pause],
      run: { env: [IMAGE_PATH], entrypoint: ['/pause'] },
    },
    {
      name: 'switchyard',
      refs: [suiteImage(options.root)],
      layers: [busybox, node, modules, dist],
      run: {
        env: [IMAGE_PATH],
        entrypoint: ['/usr/bin/node', `/${SUITE_DIR}/dist/switchyard.mjs`],
        cmd: ['--help'],
        workingDir: `/${SUITE_DIR}`,
      },
    },
  ];
}
