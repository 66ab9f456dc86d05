/**
 * The plugin's view of its invocation: CNI_* environment variables validated per SPEC.md
 * §"Parameters" (container ID rule), the kernel's interface-name rules and, for CNI_NETNS and
 * CNI_PATH, absolute paths without NUL or line breaks (see input.ts). Whether CNI_NETNS exists
 * is checked later, by the skel, for the commands that enter it.
 */
import { CNI_COMMANDS, CniCode, type CniCommand, CniError } from '../../lib/cni/index.js';
import { absolutePathProblem, containerIdProblem, ifnameProblem } from './input.js';

/** The validated CNI_* parameters of one invocation. */
export interface CniEnv {
  readonly command: CniCommand;
  /** CNI_CONTAINERID ('' for STATUS, GC, VERSION). */
  readonly containerId: string;
  /** CNI_NETNS; may be '' on DEL (the runtime's second DEL has none). */
  readonly netns: string;
  /** CNI_IFNAME ('' for STATUS, GC, VERSION). */
  readonly ifname: string;
  /** CNI_ARGS as key/value pairs, in the order given. */
  readonly args: ReadonlyMap<string, string>;
  /** CNI_PATH split on ':' (empty entries dropped; each one absolute). */
  readonly path: readonly string[];
}

/** Which variables each command needs (spec §"Parameters"; CNI_NETNS is optional for DEL). */
const REQUIRED: Readonly<Record<CniCommand, readonly string[]>> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME'],
  GC: ['CNI_PATH'],
  STATUS: [],
  VERSION: [],
};

function envError(message: string, field: string): CniError {
  return new CniError(CniCode.InvalidEnvironment, message, { field });
}

/** Parses CNI_ARGS (`K1=V1;K2=V2`); a pair without '=' is a code-4 error. */
export function parseCniArgs(raw: string): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  for (const pair of raw.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw envError(`CNI_ARGS: invalid pair "${pair}", want KEY=VALUE`, 'CNI_ARGS');
    out.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return out;
}

/**
 * Reads and validates the CNI_* variables for the command in CNI_COMMAND. Returns undefined
 * when CNI_COMMAND is unset (the caller prints the "about" line).
 */
export function readEnv(env: Readonly<Record<string, string | undefined>>): CniEnv | undefined {
  const raw = env.CNI_COMMAND;
  if (raw === undefined || raw === '') return undefined;
  if (!(CNI_COMMANDS as readonly string[]).includes(raw)) {
    throw envError(`unknown CNI_COMMAND: ${raw}`, 'CNI_COMMAND');
  }
  const command = raw as CniCommand;
  const missing = REQUIRED[command].filter((name) => !env[name]);
  if (missing.length > 0) {
    throw envError(`required env variables [${missing.join(',')}] missing`, missing[0] ?? 'CNI_COMMAND');
  }
  const containerId = env.CNI_CONTAINERID ?? '';
  const ifname = env.CNI_IFNAME ?? '';
  if (REQUIRED[command].includes('CNI_CONTAINERID')) {
    const p = containerIdProblem(containerId);
    if (p) throw envError(`CNI_CONTAINERID: ${p}`, 'CNI_CONTAINERID');
  }
  if (REQUIRED[command].includes('CNI_IFNAME')) {
    const p = ifnameProblem(ifname);
    if (p) throw envError(`CNI_IFNAME: ${p}`, 'CNI_IFNAME');
  }
  const netns = env.CNI_NETNS ?? '';
  // Optional for DEL (the runtime's second DEL sends none); checked whenever it is given there.
  if (netns !== '' && (command === 'ADD' || command === 'CHECK' || command === 'DEL')) {
    const p = absolutePathProblem(netns);
    if (p) throw envError(`CNI_NETNS: ${p}`, 'CNI_NETNS');
  }
  const path = (env.CNI_PATH ?? '').split(':').filter((p) => p !== '');
  for (const dir of path) {
    const p = absolutePathProblem(dir);
    if (p) throw envError(`CNI_PATH: entry ${p}`, 'CNI_PATH');
  }
  return {
    command,
    containerId,
    netns,
    ifname,
    args: parseCniArgs(env.CNI_ARGS ?? ''),
    path,
  };
}
