/**
 * The loopback plugin: ADD brings `lo` up inside CNI_NETNS, DEL brings it down. DEL succeeds
 * when the namespace is gone or CNI_NETNS is empty (SPEC.md §"DEL": best effort, idempotent).
 */
import { CniCode, CniError, type NetConf, parseResult, type Result } from '../../lib/cni/index.js';
import { findAddrs, type IpAddrLink, ip, runBatch } from '../ip/index.js';
import { netnsFault, type Plugin } from '../skel/index.js';

/** loopback needs nothing but the base keys the skel checked. */
export interface LoopbackConfig {
  readonly prevResult: Result | undefined;
}

function parse(conf: NetConf): LoopbackConfig {
  return { prevResult: conf.prevResult === undefined ? undefined : parseResult(conf.prevResult) };
}

/** loopback as a CNI plugin. */
export const loopbackPlugin: Plugin<LoopbackConfig> = {
  name: 'loopback',
  parse,
  async add({ env, conf }) {
    const out = runBatch(
      [
        ['link', 'set', 'dev', 'lo', 'up'],
        ['addr', 'show', 'dev', 'lo'],
      ],
      { netns: env.netns },
    );
    if (!out.ok)
      throw out.error ?? new CniError(CniCode.KernelFailure, `bringing lo up in ${env.netns} failed`);
    // In a chain, pass the previous result through unchanged (SPEC.md §"ADD").
    if (conf.prevResult) return conf.prevResult;
    const lo = out.shows[0]?.[0] as IpAddrLink | undefined;
    const ips = (lo?.addr_info ?? []).map((a) => ({ interface: 0, address: `${a.local}/${a.prefixlen}` }));
    return {
      cniVersion: '1.1.0',
      interfaces: [{ name: 'lo', mac: lo?.address ?? '00:00:00:00:00:00', sandbox: env.netns }],
      ips,
    };
  },
  async del({ env }) {
    if (env.netns === '' || netnsFault(env.netns)) return;
    try {
      ip(['link', 'set', 'lo', 'down'], { netns: env.netns });
    } catch {
      // The namespace may be going away under us; DEL is best effort.
    }
  },
  async check({ env }) {
    const lo = findAddrs('lo', { netns: env.netns });
    if (!lo?.flags?.includes('UP')) throw new CniError(CniCode.CheckFailed, `lo in ${env.netns} is not up`);
  },
};
