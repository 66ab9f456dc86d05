/**
 * The node's CNI configuration, which containerd reads from its `conf_dir` and runs on every
 * RunPodSandbox: a conflist of our plugins (cni/) — bridge with host-local IPAM on the node's
 * podCIDR (gateway the first address, default route through it), portmap for `hostPort`
 * (the runtime passes the `portMappings` capability), and loopback for the pod's `lo`.
 * `podConflist` is pure; `writeConflist` writes it atomically (temp file + rename), so containerd
 * never reads half a file, and leaves an unchanged file alone.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatCidr, nthAddress, parseCidr } from '../../lib/net/index.js';

/** The file containerd picks up (the first conflist by name wins; `max_conf_num = 1`). */
export const CONFLIST_FILE = '10-switchyard.conflist';
/** The network's name (host-local keeps its store under `<ipamDir>/<name>`). */
export const NETWORK_NAME = 'switchyard';

export interface ConflistOptions {
  /** The node's pod CIDR, e.g. `10.244.1.0/24`. */
  readonly podCIDR: string;
  readonly bridge: string;
  /** host-local's data directory. */
  readonly ipamDir: string;
}

/** One plugin entry of a conflist. */
export type PluginConf = Readonly<Record<string, unknown>>;

export interface Conflist {
  readonly cniVersion: string;
  readonly name: string;
  readonly plugins: readonly PluginConf[];
}

/** The first usable address of a CIDR (the bridge's, the pods' gateway). */
export function gatewayOf(cidr: string): string {
  return nthAddress(parseCidr(cidr, 'podCIDR'), 1);
}

/** The node's conflist: bridge + host-local on the podCIDR, portmap, loopback. */
export function podConflist(o: ConflistOptions): Conflist {
  const cidr = parseCidr(o.podCIDR, 'podCIDR');
  const subnet = formatCidr(cidr);
  const v6 = cidr.family === 6;
  return {
    cniVersion: '1.0.0',
    name: NETWORK_NAME,
    plugins: [
      {
        type: 'bridge',
        bridge: o.bridge,
        isGateway: true,
        isDefaultGateway: true,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet, gateway: gatewayOf(subnet) }]],
          routes: [{ dst: v6 ? '::/0' : '0.0.0.0/0' }],
          dataDir: o.ipamDir,
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
      { type: 'loopback' },
    ],
  };
}

/**
 * Writes `conflist` as `<dir>/10-switchyard.conflist` (temp file, then rename); returns false
 * when the file already holds exactly this.
 */
export function writeConflist(dir: string, conflist: Conflist): boolean {
  const path = join(dir, CONFLIST_FILE);
  const text = `${JSON.stringify(conflist, null, 2)}\n`;
  try {
    if (readFileSync(path, 'utf8') === text) return false;
  } catch {
    // absent: write it
  }
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${CONFLIST_FILE}.${process.pid}.tmp`);
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, path);
  return true;
}
