/**
 * The few libc calls Node has no API for (setns, unshare, mount, socket, bind), bound through
 * koffi. Loaded on first use so that importing lib/netns never fails on a machine without
 * libc; each wrapper throws `systemError(syscall, errno)` on -1.
 */
import koffi from 'koffi';
import { systemError } from '../errors/index.js';

/** clone(2) flag selecting the network namespace (linux/sched.h). */
export const CLONE_NEWNET = 0x40000000;
/** mount(2) flags (linux/mount.h). */
export const MS_BIND = 4096;
export const MS_REC = 16384;
export const MS_SHARED = 1 << 20;
/** umount2(2): lazy unmount, as `ip netns delete` does. */
export const MNT_DETACH = 2;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;
export const SO_REUSEADDR = 2;

type IntFn = (...args: unknown[]) => number;

interface Libc {
  readonly setns: IntFn;
  readonly unshare: IntFn;
  readonly mount: IntFn;
  readonly umount2: IntFn;
  readonly socket: IntFn;
  readonly bind: IntFn;
  readonly setsockopt: IntFn;
  readonly close: IntFn;
}

let libc: Libc | undefined;

function load(): Libc {
  if (libc) return libc;
  const lib = koffi.load('libc.so.6');
  const fn = (decl: string): IntFn => lib.func(decl) as unknown as IntFn;
  libc = {
    setns: fn('int setns(int fd, int nstype)'),
    unshare: fn('int unshare(int flags)'),
    mount: fn(
      'int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const void *data)',
    ),
    umount2: fn('int umount2(const char *target, int flags)'),
    socket: fn('int socket(int domain, int type, int protocol)'),
    bind: fn('int bind(int fd, const void *addr, uint32_t len)'),
    setsockopt: fn('int setsockopt(int fd, int level, int name, const void *val, uint32_t len)'),
    close: fn('int close(int fd)'),
  };
  return libc;
}

function check(syscall: string, rc: number, detail?: string): number {
  if (rc === -1) throw systemError(syscall, koffi.errno(), detail);
  return rc;
}

/** setns(2) for a network namespace fd. */
export function setns(fd: number, detail?: string): void {
  check('setns', load().setns(fd, CLONE_NEWNET), detail);
}

/** unshare(CLONE_NEWNET): moves the calling thread into a fresh network namespace. */
export function unshareNet(): void {
  check('unshare', load().unshare(CLONE_NEWNET));
}

/** mount(2); `source`/`fstype` may be null. */
export function mount(source: string | null, target: string, fstype: string | null, flags: number): void {
  check('mount', load().mount(source, target, fstype, flags, null), target);
}

/** umount2(2). */
export function umount2(target: string, flags: number): void {
  check('umount2', load().umount2(target, flags), target);
}

/** socket(2). */
export function socket(domain: number, type: number, protocol: number): number {
  return check('socket', load().socket(domain, type, protocol));
}

/** bind(2) with an encoded sockaddr. */
export function bind(fd: number, addr: Buffer, detail: string): void {
  check('bind', load().bind(fd, addr, addr.length), detail);
}

/** setsockopt(2) with an int value. */
export function setsockoptInt(fd: number, level: number, name: number, value: number): void {
  const buf = Buffer.alloc(4);
  buf.writeInt32LE(value);
  check('setsockopt', load().setsockopt(fd, level, name, buf, 4));
}

/** close(2), ignoring errors: used on cleanup paths only. */
export function closeQuietly(fd: number): void {
  load().close(fd);
}
