/**
 * IPAM delegation (SPEC.md §"Delegated plugins"): exec CNI_PATH/<ipam.type> with the same
 * config and environment — except when the type is our own host-local (a Node bundle in
 * CNI_PATH, or none there at all), which runs in this process to save a Node start-up.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import {
  type Attachment,
  findPlugin,
  type InvokeOptions,
  invokeAdd,
  invokeVoid,
  type Result,
} from '../../lib/cni/index.js';
import { ipamAdd, ipamCheck, ipamDel, ipamGc, ipamStatus } from '../host-local/index.js';
import type { PluginCall } from '../skel/index.js';
import type { BridgeConfig } from './config.js';

/** The IPAM operations the bridge needs, whichever plugin serves them. */
export interface IpamDelegate {
  /** How the IPAM runs, for logs and tests: 'in-process' or the executable's path. */
  readonly via: string;
  add(): Promise<Result>;
  /** Releases the attachment's addresses; returns them when known (in-process only). */
  del(): Promise<readonly string[]>;
  check(prev: Result | undefined): Promise<void>;
  status(): Promise<void>;
  gc(valid: readonly Attachment[]): Promise<readonly string[]>;
}

const OUR_SHEBANG = '#!/usr/bin/env node';

function isOurBundle(file: string): boolean {
  const buf = Buffer.alloc(OUR_SHEBANG.length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, buf.length, 0);
  } finally {
    closeSync(fd);
  }
  return buf.toString() === OUR_SHEBANG;
}

function findOptional(type: string, path: readonly string[]): string | undefined {
  try {
    return findPlugin(type, path);
  } catch {
    return undefined;
  }
}

/** Picks in-process host-local or an exec delegate for the call. */
export function ipamFor(call: PluginCall<BridgeConfig>): IpamDelegate | undefined {
  const { conf, env, raw } = call;
  if (conf.ipamType === undefined) return undefined;
  const att = { containerId: env.containerId, ifname: env.ifname };
  const hostLocal = conf.hostLocal;
  const found = findOptional(conf.ipamType, env.path);
  if (hostLocal && (found === undefined || isOurBundle(found))) {
    return {
      via: 'in-process',
      add: () => ipamAdd(hostLocal, att),
      del: () => ipamDel(hostLocal, att),
      check: (prev) => ipamCheck(hostLocal, { ...att, prev }),
      status: () => ipamStatus(hostLocal),
      gc: (valid) => ipamGc(hostLocal, { valid }),
    };
  }
  const binary = found ?? findPlugin(conf.ipamType, env.path);
  const base: Omit<InvokeOptions, 'command'> = {
    binary,
    config: raw,
    containerId: env.containerId,
    netns: env.netns,
    ifname: env.ifname,
    args: [...env.args.entries()],
    path: env.path,
  };
  return {
    via: binary,
    add: () => invokeAdd(base),
    del: async () => {
      await invokeVoid({ ...base, command: 'DEL' });
      return [];
    },
    check: (prev) =>
      invokeVoid({ ...base, command: 'CHECK', config: prev ? { ...raw, prevResult: prev } : raw }),
    status: () => invokeVoid({ ...base, command: 'STATUS' }),
    gc: async (valid) => {
      await invokeVoid({ ...base, command: 'GC', config: { ...raw, 'cni.dev/valid-attachments': valid } });
      return [];
    },
  };
}
