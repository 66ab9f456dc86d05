/**
 * containerd for one lab node: a private instance (its own config, root and state dirs,
 * socket and runc root, all under one directory) started inside the node's network namespace,
 * so the CNI plugins it runs for each pod build the pod network there.
 *
 * It is started with `nsenter --net=…` rather than `ip netns exec`, which would remount /sys
 * and hide the cgroup mounts runc needs; `restrict_oom_score_adj = true` because root here has
 * no CAP_SYS_RESOURCE and runc cannot lower a sandbox's OOM score below containerd's own
 * (without it runc fails: "failed to update /proc/self/oom_score_adj"). containerd is a
 * detached child with its output in a log file, so it outlives the command that started it
 * (`switchyard up`); it is found again by pid and start time. Stopping it removes the pods it still runs (through CRI), then ends it,
 * its shims (found by the socket path on their command line) and any container left behind
 * (found in its runc root), and unmounts what it left under its directory.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CriClient, CriError, isCriNotFound } from '../lib/cri/index.js';
import { ErrorCode, invalid, messageOf, SwitchyardError } from '../lib/errors/index.js';
import { runInNetns } from '../lib/netns/index.js';
import { removeContainerdLeftovers, signalPid } from './containerd-leftovers.js';
import { isZombie, processStartTicks } from './owner.js';
import { startDetached } from './supervise.js';

/** The CRI namespace of containerd: where images must be imported for pods to use them. */
export const CRI_NAMESPACE = 'k8s.io';
/** The snapshotter used unless told otherwise (overlay on the ext4 root works here). */
export const DEFAULT_SNAPSHOTTER = 'overlayfs';
/** sockaddr_un.sun_path holds 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH = 107;

/** What a node's containerd is given. */
export interface ContainerdOptions {
  /** Absolute directory holding everything of this instance (see {@link containerdPaths}). */
  readonly dir: string;
  /** The network namespace to run in: a name under /run/netns or a path. */
  readonly netns: string;
  /** Where the CNI plugin executables are (`cni.bin_dir`). */
  readonly cniBinDir: string;
  /** Where the node's CNI config lives (`cni.conf_dir`); default `<dir>/net.d`. */
  readonly cniConfDir?: string;
  /** The pause image of every sandbox; it must be imported first (nothing is pulled). */
  readonly sandboxImage: string;
  /** Default {@link DEFAULT_SNAPSHOTTER}. */
  readonly snapshotter?: string;
}

/** The files and directories of one instance. */
export interface ContainerdPaths {
  readonly dir: string;
  readonly config: string;
  readonly root: string;
  readonly state: string;
  readonly socket: string;
  readonly ttrpcSocket: string;
  readonly log: string;
  readonly opt: string;
  /** runc's state (`--root`), per instance so leftovers can be found and ended. */
  readonly runcRoot: string;
  readonly cniConfDir: string;
}

/** The layout under `dir`. */
export function containerdPaths(dir: string, cniConfDir?: string): ContainerdPaths {
  return {
    dir,
    config: join(dir, 'config.toml'),
    root: join(dir, 'root'),
    state: join(dir, 'state'),
    socket: join(dir, 'containerd.sock'),
    ttrpcSocket: join(dir, 'containerd.sock.ttrpc'),
    log: join(dir, 'containerd.log'),
    opt: join(dir, 'opt'),
    runcRoot: join(dir, 'runc'),
    cniConfDir: cniConfDir ?? join(dir, 'net.d'),
  };
}

/** A TOML basic string; JSON's escapes are valid TOML escapes. */
const str = (s: string): string => JSON.stringify(s);

/** Checks the options; an error names the field. */
export function validateContainerdOptions(options: ContainerdOptions): ContainerdPaths {
  for (const field of ['dir', 'cniBinDir', 'cniConfDir'] as const) {
    const value = options[field];
    if (value !== undefined && !isAbsolute(value))
      throw invalid(field, `must be an absolute path, got "${value}"`);
  }
  if (!options.netns) throw invalid('netns', 'must name a network namespace');
  if (!options.sandboxImage) throw invalid('sandboxImage', 'must name an image');
  const paths = containerdPaths(options.dir, options.cniConfDir);
  if (Buffer.byteLength(paths.ttrpcSocket) > MAX_SOCKET_PATH) {
    throw invalid(
      'dir',
      `too long for a unix socket path (${paths.ttrpcSocket} exceeds ${MAX_SOCKET_PATH} bytes)`,
    );
  }
  return paths;
}

/** The config.toml (version 2) of an instance. Pure. */
export function containerdConfig(options: ContainerdOptions): string {
  const p = validateContainerdOptions(options);
  const snapshotter = options.snapshotter ?? DEFAULT_SNAPSHOTTER;
  const unused = ['aufs', 'btrfs', 'devmapper', 'zfs'].filter((s) => s !== snapshotter);
  const cri = '[plugins."io.containerd.grpc.v1.cri"';
  return `# Written by switchyard (lab/containerd.ts): one node's private containerd.
version = 2
root = ${str(p.root)}
state = ${str(p.state)}
disabled_plugins = [${unused.map((s) => str(`io.containerd.snapshotter.v1.${s}`)).join(', ')}]

[grpc]
  address = ${str(p.socket)}

[ttrpc]
  address = ${str(p.ttrpcSocket)}

[plugins]
  ${cri}]
    sandbox_image = ${str(options.sandboxImage)}
    restrict_oom_score_adj = true
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
  ${cri}.containerd]
    snapshotter = ${str(snapshotter)}
    default_runtime_name = "runc"
  ${cri}.containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
  ${cri}.containerd.runtimes.runc.options]
    Root = ${str(p.runcRoot)}
  ${cri}.cni]
    bin_dir = ${str(options.cniBinDir)}
    conf_dir = ${str(p.cniConfDir)}
    max_conf_num = 1
  [plugins."io.containerd.internal.v1.opt"]
    path = ${str(p.opt)}
`;
}

/** A started containerd: its pid and start time identify it across restarts of its starter. */
export interface ContainerdProcess {
  readonly pid: number;
  /** Clock ticks since boot (proc(5) field 22): a reused pid does not match. */
  readonly startTicks: number;
  readonly paths: ContainerdPaths;
}

/** True while the instance's process runs. */
export function isContainerdRunning(proc: ContainerdProcess): boolean {
  return processStartTicks(proc.pid) === proc.startTicks && !isZombie(proc.pid);
}

function logTail(log: string): string {
  try {
    return readFileSync(log, 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return '';
  }
}

/**
 * Writes the config, starts containerd in `options.netns` and waits until its socket answers
 * CRI Version. Rejects (after ending the process) when it exits or does not answer within
 * `timeoutMs`; the error names the log.
 */
export async function startContainerd(
  options: ContainerdOptions,
  { timeoutMs = 30_000 }: { readonly timeoutMs?: number } = {},
): Promise<ContainerdProcess> {
  const config = containerdConfig(options);
  const paths = containerdPaths(options.dir, options.cniConfDir);
  for (const d of [paths.dir, paths.cniConfDir]) mkdirSync(d, { recursive: true });
  writeFileSync(paths.config, config);
  const started = await startDetached(
    'containerd',
    options.netns,
    { cmd: 'containerd', args: ['--config', paths.config] },
    paths.log,
  );
  const proc: ContainerdProcess = { ...started, paths };
  try {
    await waitContainerdReady(proc, timeoutMs);
  } catch (err) {
    await stopContainerd(proc, { removePodSandboxes: false });
    throw err;
  }
  return proc;
}

/** Why the CRI plugin did not load, from containerd's log line saying so. */
function criLoadError(log: string): string {
  let text = '';
  try {
    text = readFileSync(log, 'utf8');
  } catch {
    return 'the CRI plugin did not load';
  }
  const line = text.split('\n').find((l) => l.includes('failed to load plugin io.containerd.grpc.v1.cri'));
  const why = line === undefined ? undefined : /error="((?:[^"\\]|\\.)*)"/.exec(line)?.[1];
  return why === undefined ? 'the CRI plugin did not load' : why.replace(/\\"/g, '"');
}

async function waitContainerdReady(proc: ContainerdProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'socket not there yet';
  while (Date.now() < deadline) {
    if (!isContainerdRunning(proc)) {
      throw new SwitchyardError(
        ErrorCode.System,
        `containerd (pid ${proc.pid}) exited: ${logTail(proc.paths.log)}; see ${proc.paths.log}`,
      );
    }
    if (existsSync(proc.paths.socket)) {
      const client = new CriClient(proc.paths.socket, { timeoutMs: 1000 });
      try {
        await client.version();
        return;
      } catch (err) {
        // Serving without the CRI service means its plugin failed to load; it will not come later.
        if (err instanceof CriError && err.grpcStatus === 'UNIMPLEMENTED') {
          throw new SwitchyardError(
            ErrorCode.System,
            `containerd (pid ${proc.pid}) runs without CRI: ${criLoadError(proc.paths.log)}; see ${proc.paths.log}`,
          );
        }
        last = messageOf(err);
      } finally {
        client.close();
      }
    }
    await sleep(100);
  }
  throw new SwitchyardError(
    ErrorCode.Timeout,
    `containerd (pid ${proc.pid}) did not answer CRI within ${timeoutMs} ms (${last}); see ${proc.paths.log}`,
  );
}

/**
 * Imports an OCI or Docker image archive into the instance (`ctr images import`), into the CRI
 * namespace unless told otherwise, unpacked for the instance's snapshotter.
 */
export async function importImage(
  socket: string,
  archive: string,
  options: { readonly namespace?: string; readonly snapshotter?: string; readonly timeoutMs?: number } = {},
): Promise<void> {
  await runInNetns(
    undefined,
    {
      cmd: 'ctr',
      args: [
        '--address',
        socket,
        '--namespace',
        options.namespace ?? CRI_NAMESPACE,
        'images',
        'import',
        '--snapshotter',
        options.snapshotter ?? DEFAULT_SNAPSHOTTER,
        archive,
      ],
    },
    { check: true, timeoutMs: options.timeoutMs ?? 120_000 },
  );
}

/**
 * Stops and removes every pod sandbox of the runtime behind `client` (its containers go with
 * it). Resolves with the ids removed; one already gone is fine. A sandbox that fails (a CNI DEL
 * that times out on a loaded machine) does not stop the others; failures are tried once more,
 * and what still fails is thrown together, naming each sandbox.
 */
export async function removeAllPodSandboxes(client: CriClient): Promise<string[]> {
  const { items } = await client.listPodSandbox();
  const removed: string[] = [];
  const attempt = async (ids: readonly string[]): Promise<Map<string, unknown>> => {
    const failed = new Map<string, unknown>();
    for (const id of ids) {
      try {
        await client.stopPodSandbox({ podSandboxId: id });
        await client.removePodSandbox({ podSandboxId: id });
        removed.push(id);
      } catch (err) {
        if (!isCriNotFound(err)) failed.set(id, err);
      }
    }
    return failed;
  };
  const first = await attempt(items.map((i) => i.id));
  const still = await attempt([...first.keys()]);
  if (still.size > 0) {
    const why = [...still].map(([id, err]) => `${id.slice(0, 12)}: ${messageOf(err)}`).join('; ');
    throw new SwitchyardError(ErrorCode.System, `could not remove ${still.size} pod sandbox(es): ${why}`);
  }
  return removed;
}

/** Options for {@link stopContainerd}. */
export interface StopContainerdOptions {
  /** Stop and remove the pods first through CRI (their IPs and veths are released). Default true. */
  readonly removePodSandboxes?: boolean;
  /** How long SIGTERM gets before SIGKILL. Default 5000 ms. */
  readonly graceMs?: number;
}

/**
 * Stops an instance and what it left: its pods (through CRI, unless told not to), then the
 * process (SIGTERM, SIGKILL after the grace period), its shims and any container still in its
 * runc root (SIGKILL), and the mounts under its directory. Files stay; a stopped one is fine.
 */
export async function stopContainerd(
  proc: ContainerdProcess,
  options: StopContainerdOptions = {},
): Promise<void> {
  if ((options.removePodSandboxes ?? true) && isContainerdRunning(proc)) {
    const client = new CriClient(proc.paths.socket, { timeoutMs: 30_000 });
    try {
      await removeAllPodSandboxes(client);
    } catch {
      // An unresponsive runtime is ended below all the same.
    } finally {
      client.close();
    }
  }
  if (isContainerdRunning(proc)) {
    signalPid(proc.pid, 'SIGTERM');
    const deadline = Date.now() + (options.graceMs ?? 5000);
    while (isContainerdRunning(proc) && Date.now() < deadline) await sleep(50);
    if (isContainerdRunning(proc)) signalPid(proc.pid, 'SIGKILL');
    while (isContainerdRunning(proc)) await sleep(20);
  }
  await removeContainerdLeftovers(proc.paths);
}
