/**
 * What a node's containerd leaves behind once its process is gone, found by what names it: the
 * shims (their command line holds the instance's unique socket path), the containers still in
 * its runc root, and the mounts under its directory. Ended by pid (SIGKILL) and unmounted; used
 * by `stopContainerd` after the daemon stopped and by `lab clean` for a crashed lab's runtime.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isZombie, processStartTicks } from './owner.js';

/** Where an instance's leftovers are found (a subset of `ContainerdPaths`). */
export interface RuntimeFootprint {
  /** The instance's directory: mounts under it are its. */
  readonly dir: string;
  /** Its gRPC socket, named on its shims' command lines. */
  readonly socket: string;
  /** runc's `--root` of its containers. */
  readonly runcRoot: string;
}

/** Sends a signal to a pid; one already gone is fine. */
export function signalPid(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}

/** Pids of the shims of the instance at `socket`: their command line names that unique path. */
export function shimPids(socket: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (args[0]?.includes('containerd-shim') && args.includes(socket)) {
        out.push(pid);
      }
    } catch {
      // exited meanwhile
    }
  }
  return out.sort((a, b) => a - b);
}

/** Init pids of the containers runc still knows under `runcRoot` (`<ns>/<id>/state.json`). */
export function runcContainerPids(runcRoot: string): number[] {
  const out: number[] = [];
  const list = (d: string): string[] => {
    try {
      return readdirSync(d);
    } catch {
      return [];
    }
  };
  for (const ns of list(runcRoot)) {
    for (const id of list(join(runcRoot, ns))) {
      try {
        const state = JSON.parse(readFileSync(join(runcRoot, ns, id, 'state.json'), 'utf8')) as {
          init_process_pid?: unknown;
          init_process_start?: unknown;
        };
        const pid = state.init_process_pid;
        if (typeof pid === 'number' && processStartTicks(pid) === Number(state.init_process_start))
          out.push(pid);
      } catch {
        // no state (yet, or any more)
      }
    }
  }
  return out.sort((a, b) => a - b);
}

/** Mount points at or under `dir`, deepest first. */
function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => (line.split(' ')[4] ?? '').replace(/\\040/g, ' '))
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/**
 * Ends what a stopped (or crashed) instance left: its shims and any container still in its runc
 * root (SIGKILL, by pid), then unmounts what is left under its directory.
 */
export async function removeContainerdLeftovers(paths: RuntimeFootprint): Promise<void> {
  // Shims outlive containerd by design, and their containers outlive a killed shim.
  const leftovers = [...shimPids(paths.socket), ...runcContainerPids(paths.runcRoot)];
  for (const pid of leftovers) signalPid(pid, 'SIGKILL');
  const deadline = Date.now() + 5000;
  while (
    leftovers.some((pid) => processStartTicks(pid) !== undefined && !isZombie(pid)) &&
    Date.now() < deadline
  ) {
    await sleep(20);
  }
  unmountUnder(paths.dir);
}

/** Lazily unmounts every mount point at or under `dir`, deepest first. */
export function unmountUnder(dir: string): void {
  for (const m of mountsUnder(dir)) {
    try {
      execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    } catch {
      // unmounted meanwhile (a parent's lazy unmount takes its children)
    }
  }
}
