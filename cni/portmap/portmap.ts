/**
 * The portmap plugin, chained after bridge: ADD forwards host ports to the container's
 * addresses from prevResult and passes prevResult on; DEL removes exactly the elements
 * commented with this attachment, found in the kernel, so it needs no prevResult and is
 * idempotent; GC removes elements of attachments not in cni.dev/valid-attachments.
 */
import { writeFileSync } from 'node:fs';
import { CniCode, CniError, familyOf, type Result } from '../../lib/cni/index.js';
import { nftApply } from '../ip/index.js';
import { type CniEnv, ifnameProblem, type Plugin, type PluginCall, shown } from '../skel/index.js';
import { type PortmapConfig, parsePortmapConfig } from './config.js';
import { listPortmapElements } from './listing.js';
import { entryElements, portmapAdd, portmapDelete } from './rules.js';

/** The comment that marks an attachment's elements. */
export function ownerOf(containerId: string, ifname: string): string {
  return `${containerId}/${ifname}`;
}

/**
 * The comment for this call's attachment. The kernel allows `"` in an interface name, but an nft
 * comment cannot hold one (the script quotes comments with it), so such a CNI_IFNAME is refused.
 */
function ownerOfCall(env: CniEnv): string {
  if (env.ifname.includes('"')) {
    throw new CniError(
      CniCode.InvalidEnvironment,
      `CNI_IFNAME: ${shown(env.ifname)} contains '"', which portmap cannot record in an nft comment`,
      { field: 'CNI_IFNAME' },
    );
  }
  return ownerOf(env.containerId, env.ifname);
}

/**
 * /proc/sys/net/ipv4/conf/<name>/<key>. The name was checked with prevResult; checked again
 * here, at the only place it becomes a path, so `all`, `default`, `..` or a `/` can never pick
 * another file.
 */
export function ipv4ConfPath(name: string, key: string): string {
  const p = ifnameProblem(name);
  if (p) throw new CniError(CniCode.InvalidNetworkConfig, `interface name ${p}`, { field: 'prevResult' });
  return `/proc/sys/net/ipv4/conf/${name}/${key}`;
}

/** The container's addresses (no prefix): IPs on interfaces inside the sandbox, or all IPs. */
export function podAddresses(prev: Result): string[] {
  const ifaces = prev.interfaces ?? [];
  return (prev.ips ?? [])
    .filter((ip) => ip.interface === undefined || ifaces[ip.interface]?.sandbox || ifaces.length === 0)
    .map((ip) => ip.address.split('/')[0] ?? '')
    .filter((a) => a !== '');
}

function requirePrev(conf: PortmapConfig): Result {
  if (!conf.prevResult) {
    throw new CniError(
      CniCode.InvalidNetworkConfig,
      'prevResult: portmap must be chained after a plugin that sets up addresses',
      {
        field: 'prevResult',
      },
    );
  }
  return conf.prevResult;
}

/**
 * Forwarding 127.0.0.1 to a pod needs route_localnet on the host side (the bridge), as the
 * reference portmap does: otherwise the kernel drops martian 127/8 packets leaving an interface.
 */
function enableLocalnet(prev: Result): void {
  const hostSide = (prev.interfaces ?? []).find((i) => !i.sandbox);
  if (!hostSide) return;
  const path = ipv4ConfPath(hostSide.name, 'route_localnet');
  try {
    writeFileSync(path, '1');
  } catch {
    // Not an interface of this namespace (e.g. another plugin's result): localhost access only.
  }
}

async function add({ conf, env }: PluginCall<PortmapConfig>): Promise<Result> {
  const prev = requirePrev(conf);
  if (conf.mappings.length === 0) return prev;
  const podIps = podAddresses(prev);
  nftApply(
    portmapAdd({
      owner: ownerOfCall(env),
      podIps,
      mappings: conf.mappings,
      snat: conf.snat,
      masqAll: conf.masqAll,
    }),
  );
  if (conf.snat && podIps.some((ip) => familyOf(ip) === '4')) enableLocalnet(prev);
  return prev;
}

async function del({ env }: PluginCall<PortmapConfig>): Promise<void> {
  const owner = ownerOfCall(env);
  const mine = listPortmapElements().filter((e) => e.comment === owner);
  if (mine.length > 0) nftApply(portmapDelete(mine));
}

async function check({ conf, env }: PluginCall<PortmapConfig>): Promise<void> {
  const prev = requirePrev(conf);
  const owner = ownerOfCall(env);
  const have = new Set(
    listPortmapElements()
      .filter((e) => e.comment === owner)
      .map((e) => `${e.set} ${e.key}`),
  );
  const want = entryElements({
    owner,
    podIps: podAddresses(prev),
    mappings: conf.mappings,
    snat: conf.snat,
    masqAll: conf.masqAll,
  });
  for (const e of want) {
    if (!have.has(`${e.set} ${e.key}`))
      throw new CniError(CniCode.CheckFailed, `portmap: ${e.set} entry ${e.key} is missing`);
  }
}

async function gc(
  _call: PluginCall<PortmapConfig>,
  valid: readonly { containerID: string; ifname: string }[],
): Promise<void> {
  const keep = new Set(valid.map((a) => ownerOf(a.containerID, a.ifname)));
  const stale = listPortmapElements().filter((e) => e.comment !== undefined && !keep.has(e.comment));
  if (stale.length > 0) nftApply(portmapDelete(stale));
}

/** portmap as a CNI plugin. */
export const portmapPlugin: Plugin<PortmapConfig> = {
  name: 'portmap',
  parse: (conf) => parsePortmapConfig(conf),
  add,
  del,
  check,
  gc,
};
