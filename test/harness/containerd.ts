/**
 * A node's runtime for kernel tests: a throwaway `sy-` network namespace, our CNI plugins
 * behind a bridge + host-local conflist, a private containerd 1.6 started there as a lab node
 * runs it (lab/containerd.ts), the lab's images imported (lab/images), and a CRI client. The
 * run id in the temp dir's name lets the suite's guard find containerd and its shims if a test
 * file dies. `stop()` removes all of it, pods first (through CRI), also after a failed test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addNetns,
  buildPlugins,
  delNetns,
  removePlugins,
  writePodConflist,
} from '../../cni/testing/index.js';
import {
  type ContainerdProcess,
  containerdPaths,
  importImage,
  startContainerd,
  stopContainerd,
} from '../../lab/containerd.js';
import { buildImages, imageCatalog, PAUSE_IMAGE } from '../../lab/images/index.js';
import { CriClient } from '../../lib/cri/index.js';
import { repoRoot } from './cli.js';
import { uniqueName } from './kernel.js';

/** What `startTestRuntime` sets up. */
export interface TestRuntimeOptions {
  /** A short tag for the namespace and temp dir names. */
  readonly tag: string;
  readonly bridge: string;
  /** The pods' subnet, e.g. `10.85.0.0/24`. */
  readonly subnet: string;
  /** Chain portmap after the bridge. */
  readonly portmap?: boolean;
  /** The lab images to import (by catalog name): default the pause image only. */
  readonly images?: readonly string[];
}

/** A running test runtime. */
export interface TestRuntime {
  /** The namespace containerd (the "node") runs in. */
  readonly host: string;
  readonly dir: string;
  /** host-local's store: one file per address handed out. */
  readonly ipamDir: string;
  readonly containerd: ContainerdProcess;
  readonly cri: CriClient;
  /** Stops containerd (pods, shims, mounts) and removes the namespace, the dir and the plugins. */
  stop(): Promise<void>;
}

/** Starts containerd with our plugins in a new namespace and imports the images asked for. */
export async function startTestRuntime(o: TestRuntimeOptions): Promise<TestRuntime> {
  const bin = buildPlugins();
  const host = uniqueName(o.tag);
  addNetns(host);
  const dir = mkdtempSync(join(tmpdir(), `${uniqueName(`${o.tag}t`)}-`));
  let containerd: ContainerdProcess | undefined;
  const cleanUp = async (): Promise<void> => {
    if (containerd) await stopContainerd(containerd);
    delNetns(host);
    rmSync(dir, { recursive: true, force: true });
    removePlugins();
  };
  try {
    const paths = containerdPaths(join(dir, 'ctrd'));
    const ipamDir = join(dir, 'ipam');
    writePodConflist(paths.cniConfDir, {
      bridge: o.bridge,
      subnet: o.subnet,
      ipamDir,
      ...(o.portmap ? { portmap: true } : {}),
    });
    containerd = await startContainerd({
      dir: paths.dir,
      netns: host,
      cniBinDir: bin,
      sandboxImage: PAUSE_IMAGE,
    });
    const wanted = new Set(o.images ?? ['pause']);
    const images = buildImages(
      imageCatalog({ root: repoRoot }).filter((s) => wanted.has(s.name)),
      { out: join(dir, 'images') },
    );
    for (const image of images) await importImage(containerd.paths.socket, image.archive);
    const cri = new CriClient(containerd.paths.socket);
    const running = containerd;
    return {
      host,
      dir,
      ipamDir,
      containerd: running,
      cri,
      async stop() {
        cri.close();
        await cleanUp();
      },
    };
  } catch (err) {
    await cleanUp();
    throw err;
  }
}
