/**
 * What the plugins accept from the runtime, as pure checks: each returns why a value is not
 * acceptable (a phrase to follow the field's name), or undefined. Every runtime-supplied string
 * that reaches a file path, an argument vector or an `ip -batch` line passes one of these
 * first; the callers pick the CNI error code (4 for CNI_* variables, 7 for the network config).
 */
import { statfsSync } from 'node:fs';
import { type NetConf, parseResult, type Result } from '../../lib/cni/index.js';
import { invalid } from '../../lib/errors/index.js';
import { addressBits, tryParseIp } from '../../lib/net/ip.js';

/** Shows a value in a message with control characters escaped, so a newline stays visible. */
export function shown(value: string): string {
  return JSON.stringify(value);
}

/** Linux's IFNAMSIZ (16) less the terminating NUL. */
const IFNAME_MAX_BYTES = 15;

/**
 * Whitespace: the kernel's isspace() works on bytes (lib/ctype.c: \t \n \v \f \r, space and
 * 0xA0), libcni's check on runes (unicode.IsSpace, which JS's \s matches). A name must pass both.
 */
function hasWhitespace(name: string): boolean {
  if (/\s/.test(name)) return true;
  // Only a non-ASCII character encodes to a byte 0xA0 (and Buffer's first use costs ~0.1 ms).
  return /[\u0080-\uffff]/.test(name) && Buffer.from(name).includes(0xa0);
}

/**
 * Why `name` is not a valid Linux interface name, or undefined. The kernel's dev_valid_name
 * (net/core/dev.c): 1–15 bytes, not `.` or `..`, no `/`, `:` or whitespace; an embedded NUL
 * would cut it short. `all` and `default` are refused too: they are the /proc/sys/net/…/conf/
 * entries that are not interfaces, and the kernel refuses to register a device by those names.
 */
export function ifnameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.includes('\0')) return `${shown(name)} contains a NUL byte`;
  const bytes = Buffer.byteLength(name);
  if (bytes > IFNAME_MAX_BYTES) return `${shown(name)} is ${bytes} bytes, longer than ${IFNAME_MAX_BYTES}`;
  if (name === '.' || name === '..') return `${shown(name)} is not allowed`;
  if (name === 'all' || name === 'default') {
    return `${shown(name)} is reserved (/proc/sys/net/*/conf/${name} is not an interface)`;
  }
  if (/[/:]/.test(name)) return `${shown(name)} contains '/' or ':'`;
  if (hasWhitespace(name)) return `${shown(name)} contains whitespace`;
  return undefined;
}

const CONTAINER_ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * Why `id` is not a valid container ID or network name, or undefined (SPEC.md §"Parameters" and
 * §"Network configuration": alphanumerics plus `_`, `.` and `-`, starting with an alphanumeric).
 */
export function containerIdProblem(id: string): string | undefined {
  if (id.length === 0) return 'is empty';
  if (!CONTAINER_ID.test(id)) {
    return `${shown(id)} must start with a letter or digit and hold only letters, digits, '_', '.' and '-'`;
  }
  return undefined;
}

/** Why `path` is not an absolute file path fit to pass on (no NUL, no line break), or undefined. */
export function absolutePathProblem(path: string): string | undefined {
  if (path.length === 0) return 'is empty';
  if (path.includes('\0')) return `${shown(path)} contains a NUL byte`;
  if (/[\n\r]/.test(path)) return `${shown(path)} contains a line break`;
  if (!path.startsWith('/')) return `${shown(path)} is not an absolute path`;
  return undefined;
}

/** statfs(2) f_type of nsfs, the file system of namespace files (linux/magic.h NSFS_MAGIC). */
const NSFS_MAGIC = 0x6e736673;

/** What is wrong with a CNI_NETNS that passed `absolutePathProblem`: missing, or not a namespace. */
export type NetnsFault = { readonly kind: 'missing' | 'not-a-namespace'; readonly problem: string };

/**
 * Checks that `path` is a namespace file (a /run/netns bind mount or /proc/PID/ns/net): statfs
 * follows it to the nsfs inode. One syscall, no exec.
 */
export function netnsFault(path: string): NetnsFault | undefined {
  let type: number;
  try {
    type = statfsSync(path).type;
  } catch (err: unknown) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return { kind: 'missing', problem: `network namespace ${path} does not exist` };
    }
    return {
      kind: 'not-a-namespace',
      problem: `${shown(path)} cannot be examined: ${(err as Error).message}`,
    };
  }
  if (type !== NSFS_MAGIC) {
    return { kind: 'not-a-namespace', problem: `${shown(path)} is not a namespace file (nsfs)` };
  }
  return undefined;
}

function cidrProblem(text: string): string | undefined {
  const [addr = '', prefix, extra] = text.split('/');
  const ip = tryParseIp(addr);
  if (!ip || extra !== undefined || prefix === undefined || !/^\d{1,3}$/.test(prefix)) {
    return `${shown(text)} is not an address with a prefix length`;
  }
  if (Number(prefix) > addressBits(ip.family)) return `${shown(text)} has a prefix length out of range`;
  return undefined;
}

function ipProblem(text: string): string | undefined {
  return tryParseIp(text) ? undefined : `${shown(text)} is not an IP address`;
}

/** A problem located at a field. */
export interface FieldProblem {
  readonly field: string;
  readonly problem: string;
}

/**
 * The first value of a result (prevResult, or a delegated IPAM's answer) that must not reach
 * the kernel: interface names (kernel rules), addresses, gateways and route destinations.
 * `sandbox` is left alone: VM-based plugins put an ID there, not a path.
 */
export function resultProblem(result: Result, field: string): FieldProblem | undefined {
  for (const [i, iface] of (result.interfaces ?? []).entries()) {
    const p = ifnameProblem(iface.name);
    if (p) return { field: `${field}.interfaces[${i}].name`, problem: p };
  }
  for (const [i, ip] of (result.ips ?? []).entries()) {
    const p = cidrProblem(ip.address);
    if (p) return { field: `${field}.ips[${i}].address`, problem: p };
    const g = ip.gateway === undefined ? undefined : ipProblem(ip.gateway);
    if (g) return { field: `${field}.ips[${i}].gateway`, problem: g };
  }
  for (const [i, r] of (result.routes ?? []).entries()) {
    const p = cidrProblem(r.dst);
    if (p) return { field: `${field}.routes[${i}].dst`, problem: p };
    const g = r.gw === undefined ? undefined : ipProblem(r.gw);
    if (g) return { field: `${field}.routes[${i}].gw`, problem: g };
  }
  return undefined;
}

/**
 * The config's prevResult, parsed (shape errors: code 6) and checked with `resultProblem`
 * (code 7, naming the field), for plugins that hand its names or addresses to the kernel.
 */
export function parsePrevResult(conf: NetConf): Result | undefined {
  if (conf.prevResult === undefined) return undefined;
  const prev = parseResult(conf.prevResult);
  const bad = resultProblem(prev, 'prevResult');
  if (bad) throw invalid(bad.field, bad.problem);
  return prev;
}
