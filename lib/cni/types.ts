/**
 * CNI spec types (SPEC.md 1.1.0 §"Network configuration format" and §"Result types"). Results
 * are held internally in the 1.x shape; 0.4.0 output is produced by `formatResult`.
 */

/** The CNI commands a plugin implements. */
export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'STATUS' | 'GC' | 'VERSION';

/** The commands, in spec order. */
export const CNI_COMMANDS: readonly CniCommand[] = ['ADD', 'DEL', 'CHECK', 'STATUS', 'GC', 'VERSION'];

/** DNS settings (spec §"DNS"). */
export interface Dns {
  readonly nameservers?: readonly string[];
  readonly domain?: string;
  readonly search?: readonly string[];
  readonly options?: readonly string[];
}

/** One interface in a result; `sandbox` set means it lives inside the container. */
export interface ResultInterface {
  readonly name: string;
  readonly mac?: string;
  readonly mtu?: number;
  readonly sandbox?: string;
  readonly socketPath?: string;
  readonly pciID?: string;
}

/** One address in a result: CIDR address, gateway, index into `interfaces`. */
export interface ResultIp {
  readonly address: string;
  readonly gateway?: string;
  readonly interface?: number;
}

/** One route in a result or in an IPAM config. */
export interface ResultRoute {
  readonly dst: string;
  readonly gw?: string;
  readonly mtu?: number;
  readonly advmss?: number;
  readonly priority?: number;
  readonly table?: number;
  readonly scope?: number;
}

/** An ADD result in the 1.x shape (IPAM results leave out `interfaces`). */
export interface Result {
  readonly cniVersion: string;
  readonly interfaces?: readonly ResultInterface[];
  readonly ips?: readonly ResultIp[];
  readonly routes?: readonly ResultRoute[];
  readonly dns?: Dns;
}

/** The keys every plugin configuration has (spec §"Plugin configuration objects"). */
export interface NetConf {
  readonly cniVersion: string;
  readonly name: string;
  readonly type: string;
  readonly ipMasq?: boolean;
  readonly ipam?: Readonly<Record<string, unknown>> & { readonly type?: string };
  readonly dns?: Dns;
  readonly args?: Readonly<Record<string, unknown>>;
  readonly runtimeConfig?: Readonly<Record<string, unknown>>;
  readonly prevResult?: Readonly<Record<string, unknown>>;
  readonly [key: string]: unknown;
}

/** A network configuration list (spec §"Network configuration format"). */
export interface NetConfList {
  readonly cniVersion: string;
  readonly name: string;
  readonly disableCheck?: boolean;
  readonly disableGC?: boolean;
  readonly plugins: readonly Readonly<Record<string, unknown>>[];
}

/** One entry of `cni.dev/valid-attachments` (GC input). */
export interface Attachment {
  readonly containerID: string;
  readonly ifname: string;
}

/** The reply to VERSION. */
export interface VersionInfo {
  readonly cniVersion: string;
  readonly supportedVersions: readonly string[];
}
