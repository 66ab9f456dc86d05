/** The host-local plugin: the skel's command handlers over the IPAM operations. */
import { parseResult } from '../../lib/cni/index.js';
import type { Plugin } from '../skel/index.js';
import { type IpamConfig, parseIpamConfig } from './config.js';
import { ipamAdd, ipamCheck, ipamDel, ipamGc, ipamStatus } from './host-local.js';

/** host-local as a CNI plugin. */
export const hostLocalPlugin: Plugin<IpamConfig> = {
  name: 'host-local',
  cniArgs: ['IP'],
  parse: (conf, env) => parseIpamConfig(conf, env),
  add: ({ conf, env }) => ipamAdd(conf, { containerId: env.containerId, ifname: env.ifname }),
  del: async ({ conf, env }) => {
    await ipamDel(conf, { containerId: env.containerId, ifname: env.ifname });
  },
  check: ({ conf, env, raw }) =>
    ipamCheck(conf, {
      containerId: env.containerId,
      ifname: env.ifname,
      prev: raw.prevResult === undefined ? undefined : parseResult(raw.prevResult),
    }),
  status: ({ conf }) => ipamStatus(conf),
  gc: async ({ conf }, valid) => {
    await ipamGc(conf, { valid });
  },
};
