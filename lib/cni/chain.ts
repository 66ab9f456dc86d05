/**
 * The runtime side of a network configuration list (SPEC.md §"Network configuration lists"
 * and §"Attachment"): ADD runs the plugins in order, each receiving the previous result as
 * `prevResult`; DEL runs them in reverse with the final ADD result; CHECK in order; GC and STATUS
 * for every plugin. Capability arguments go into `runtimeConfig` only for plugins that declare
 * them in `capabilities` (SPEC.md §"Deriving runtimeConfig"). The kubelet uses this.
 */
import { CniCode, CniError } from './errors.js';
import { type ExecFn, findPlugin, invokeAdd, invokeVoid } from './invoke.js';
import type { Attachment, NetConfList, Result } from './types.js';

/** One attachment of a container to the network (the runtime's view). */
export interface RuntimeConf {
  readonly containerId: string;
  readonly netns: string;
  readonly ifname: string;
  /** CNI_ARGS pairs (e.g. K8S_POD_NAME). */
  readonly args?: readonly (readonly [string, string])[];
  /** Capability arguments by capability name (portMappings, ips, mac, bandwidth, dns…). */
  readonly capabilityArgs?: Readonly<Record<string, unknown>>;
}

/** Where plugins live and how to run them. */
export interface ChainOptions {
  readonly path: readonly string[];
  readonly exec?: ExecFn;
}

/** Validates a parsed conflist: cniVersion, name and a non-empty plugins list with types. */
export function parseNetConfList(raw: unknown): NetConfList {
  const o = raw as Partial<NetConfList> | null;
  const fail = (field: string, problem: string) =>
    new CniError(CniCode.InvalidNetworkConfig, `${field}: ${problem}`, { field });
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw fail('conflist', 'must be an object');
  if (typeof o.cniVersion !== 'string') throw fail('cniVersion', 'is required');
  if (typeof o.name !== 'string' || o.name === '') throw fail('name', 'is required');
  if (!Array.isArray(o.plugins) || o.plugins.length === 0) throw fail('plugins', 'must be a non-empty list');
  o.plugins.forEach((p, i) => {
    if (typeof p?.type !== 'string' || p.type === '') throw fail(`plugins[${i}].type`, 'is required');
  });
  return o as NetConfList;
}

/** The stdin config of one plugin of the list (SPEC.md §"Deriving execution configuration"). */
export function pluginConfig(
  list: NetConfList,
  opts: {
    readonly index: number;
    readonly capabilityArgs?: RuntimeConf['capabilityArgs'];
    /** Keys the runtime adds: prevResult, cni.dev/valid-attachments. */
    readonly extra?: Readonly<Record<string, unknown>>;
  },
): Record<string, unknown> {
  const plugin = list.plugins[opts.index] ?? {};
  const extra = opts.extra ?? {};
  const rt = { capabilityArgs: opts.capabilityArgs };
  const conf: Record<string, unknown> = { ...plugin, cniVersion: list.cniVersion, name: list.name, ...extra };
  const caps = plugin.capabilities as Readonly<Record<string, unknown>> | undefined;
  const runtimeConfig: Record<string, unknown> = {};
  for (const [cap, value] of Object.entries(rt.capabilityArgs ?? {})) {
    if (caps?.[cap] === true) runtimeConfig[cap] = value;
  }
  // The runtime must not pass `capabilities` itself; it becomes `runtimeConfig`.
  delete conf.capabilities;
  if (Object.keys(runtimeConfig).length > 0) conf.runtimeConfig = runtimeConfig;
  return conf;
}

function capsOf(rt: RuntimeConf): { capabilityArgs?: RuntimeConf['capabilityArgs'] } {
  return rt.capabilityArgs === undefined ? {} : { capabilityArgs: rt.capabilityArgs };
}

function base(list: NetConfList, index: number, rt: RuntimeConf, opts: ChainOptions) {
  const type = String(list.plugins[index]?.type);
  return {
    binary: findPlugin(type, opts.path),
    containerId: rt.containerId,
    netns: rt.netns,
    ifname: rt.ifname,
    ...(rt.args ? { args: rt.args } : {}),
    path: opts.path,
    ...(opts.exec ? { exec: opts.exec } : {}),
  };
}

/** ADD: every plugin in order; returns the final result. */
export async function addNetworkList(
  list: NetConfList,
  rt: RuntimeConf,
  opts: ChainOptions,
): Promise<Result> {
  let prev: Result | undefined;
  for (let i = 0; i < list.plugins.length; i++) {
    const config = pluginConfig(list, { index: i, ...capsOf(rt), extra: prev ? { prevResult: prev } : {} });
    prev = await invokeAdd({ ...base(list, i, rt, opts), config });
  }
  return prev as Result;
}

/**
 * DEL: every plugin in reverse order with the cached ADD result (if any). All plugins run even
 * if one fails (DEL is best effort); the first failure is thrown at the end.
 */
export async function delNetworkList(
  list: NetConfList,
  rt: RuntimeConf,
  opts: ChainOptions & { readonly prevResult?: Result },
): Promise<void> {
  let first: unknown;
  for (let i = list.plugins.length - 1; i >= 0; i--) {
    const config = pluginConfig(list, {
      index: i,
      ...capsOf(rt),
      extra: opts.prevResult ? { prevResult: opts.prevResult } : {},
    });
    try {
      await invokeVoid({ ...base(list, i, rt, opts), command: 'DEL', config });
    } catch (err: unknown) {
      first ??= err;
    }
  }
  if (first !== undefined) throw first;
}

/** CHECK: every plugin in order with the cached ADD result. */
export async function checkNetworkList(
  list: NetConfList,
  rt: RuntimeConf,
  opts: ChainOptions & { readonly prevResult: Result },
): Promise<void> {
  if (list.disableCheck) return;
  for (let i = 0; i < list.plugins.length; i++) {
    const config = pluginConfig(list, { index: i, ...capsOf(rt), extra: { prevResult: opts.prevResult } });
    await invokeVoid({ ...base(list, i, rt, opts), command: 'CHECK', config });
  }
}

/** GC: every plugin, with the attachments that are still valid (SPEC.md §"GC"). */
export async function gcNetworkList(
  list: NetConfList,
  valid: readonly Attachment[],
  opts: ChainOptions,
): Promise<void> {
  if (list.disableGC) return;
  let first: unknown;
  for (let i = 0; i < list.plugins.length; i++) {
    const config = pluginConfig(list, { index: i, extra: { 'cni.dev/valid-attachments': valid } });
    const type = String(list.plugins[i]?.type);
    try {
      await invokeVoid({
        binary: findPlugin(type, opts.path),
        command: 'GC',
        config,
        path: opts.path,
        ...(opts.exec ? { exec: opts.exec } : {}),
      });
    } catch (err: unknown) {
      first ??= err;
    }
  }
  if (first !== undefined) throw first;
}
