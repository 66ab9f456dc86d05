/**
 * Kernel error mapping shared by the adapter and the fake. lib/errors maps ENOENT/ENODEV to
 * NotFound; rtnetlink also answers "nothing to delete" with ESRCH (route, RTM_DELROUTE in
 * fib_table_delete) and EADDRNOTAVAIL (address, inet_rtm_deladdr), which callers want to treat
 * like any other missing thing (CNI DEL, reconcilers).
 */
import { EADDRNOTAVAIL, ErrorCode, SwitchyardError, systemError } from '../errors/index.js';

/** ESRCH (asm-generic/errno-base.h). */
export const ESRCH = 3;
/** ENETDOWN / ENETUNREACH / EBUSY / EOPNOTSUPP / EINVAL for the fake's kernel-like answers. */
export const ENETDOWN = 100;

const DELETE_MISSING = new Set([ESRCH, EADDRNOTAVAIL]);

/** `systemError(syscall, errno, detail)`, with delete-of-missing errnos coded as NotFound. */
export function kernelError(syscall: string, errno: number, detail: string): SwitchyardError {
  const abs = Math.abs(errno);
  const err = systemError(syscall, abs, detail);
  if (syscall.startsWith('RTM_DEL') && DELETE_MISSING.has(abs)) {
    return new SwitchyardError(ErrorCode.NotFound, err.message, { syscall, errno: abs });
  }
  return err;
}
