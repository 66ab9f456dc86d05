/**
 * Named network namespaces, managed the way `ip netns add/delete` does it (iproute2
 * ip/ipnetns.c): /run/netns is a shared mount point so the bind mounts propagate to other
 * mount namespaces; each namespace is an empty file with the nsfs inode bind-mounted on it,
 * so it lives on without any process in it.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, unlinkSync } from 'node:fs';
import { alreadyExists, notFound, SwitchyardError, systemError } from '../errors/index.js';
import { MNT_DETACH, MS_BIND, MS_REC, MS_SHARED, mount, umount2 } from './libc.js';
import { NETNS_RUN_DIR, netnsPath, validateNetnsName } from './path.js';
import { withNewNetns } from './switch.js';

/** Called just before a namespace is deleted, so holders of sockets in it can close them. */
export type NetnsDeleteListener = (name: string) => void;

const deleteListeners = new Set<NetnsDeleteListener>();
let runDirShared = false;

/**
 * Registers `listener` to run before any `deleteNetns` in this process; returns the function
 * that unregisters it. An open socket keeps a namespace (and its links) alive after the
 * name is gone, so caches of per-namespace sockets use this to close them.
 */
export function onNetnsDelete(listener: NetnsDeleteListener): () => void {
  deleteListeners.add(listener);
  return () => deleteListeners.delete(listener);
}

function errnoOf(err: unknown): number {
  return err instanceof SwitchyardError ? (err.errno ?? 0) : 0;
}

/** Makes /run/netns a shared mount point, binding it onto itself first when it is not one. */
function ensureRunDir(): void {
  if (runDirShared) return;
  mkdirSync(NETNS_RUN_DIR, { recursive: true, mode: 0o755 });
  try {
    mount(null, NETNS_RUN_DIR, 'none', MS_SHARED | MS_REC);
  } catch (err: unknown) {
    // EINVAL: not a mount point yet (first namespace on this machine).
    if (errnoOf(err) !== 22) throw err;
    mount(NETNS_RUN_DIR, NETNS_RUN_DIR, 'none', MS_BIND | MS_REC);
    mount(null, NETNS_RUN_DIR, 'none', MS_SHARED | MS_REC);
  }
  runDirShared = true;
}

/**
 * Creates the named network namespace (loopback down, as `ip netns add`).
 * Rejects with `alreadyExists('network namespace', name)` when the name is taken.
 */
export function createNetns(name: string): void {
  validateNetnsName(name, 'name');
  ensureRunDir();
  const path = netnsPath(name);
  try {
    closeSync(openSync(path, 'wx', 0o444));
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw alreadyExists('network namespace', name, err);
    throw err;
  }
  try {
    withNewNetns(() => mount('/proc/thread-self/ns/net', path, 'none', MS_BIND));
  } catch (err: unknown) {
    unlinkSync(path);
    throw err;
  }
}

/** Options for `deleteNetns`. */
export interface DeleteNetnsOptions {
  /** Succeed when the namespace does not exist (CNI DEL semantics). Default false. */
  readonly ignoreMissing?: boolean;
}

/**
 * Deletes a named namespace: lazy unmount and unlink, as `ip netns delete`. The namespace
 * itself disappears once no process or socket holds it. Missing → `notFound` unless
 * `ignoreMissing`.
 */
export function deleteNetns(name: string, options: DeleteNetnsOptions = {}): void {
  validateNetnsName(name, 'name');
  const path = netnsPath(name);
  if (!existsSync(path)) {
    if (options.ignoreMissing) return;
    throw notFound('network namespace', name);
  }
  for (const listener of deleteListeners) listener(name);
  try {
    umount2(path, MNT_DETACH);
  } catch (err: unknown) {
    // EINVAL: not a mount point (a half-created leftover); still remove the file.
    if (errnoOf(err) !== 22) throw err;
  }
  try {
    unlinkSync(path);
  } catch (err: unknown) {
    const e = err as NodeJS.ErrnoException;
    if (e.code !== 'ENOENT') throw systemError('unlink', e.errno ?? 0, path, { cause: err });
  }
}

/** Names of the namespaces under /run/netns, sorted. */
export function listNetns(): string[] {
  try {
    return readdirSync(NETNS_RUN_DIR).sort();
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** True when the named namespace (or the namespace file at an absolute path) exists. */
export function netnsExists(ref: string): boolean {
  return existsSync(netnsPath(ref));
}
