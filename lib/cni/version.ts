/**
 * Version negotiation (SPEC.md §"Version considerations"). Switchyard's plugins accept configs
 * in 0.3.0, 0.3.1, 0.4.0, 1.0.0 and 1.1.0: 0.3.x because containerd 1.6 runs its built-in
 * loopback network as "0.3.1" (measured), 0.4.0 is the oldest with CHECK, 1.1.0 adds STATUS and
 * GC. 0.3.x results have the same shape as 0.4.0 (`ips[].version`).
 */
import { CniCode, CniError } from './errors.js';
import type { CniCommand } from './types.js';

/** The spec version this library implements. */
export const CURRENT_VERSION = '1.1.0';

/** Config versions our plugins accept, oldest first. */
export const SUPPORTED_VERSIONS: readonly string[] = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];

/** A missing `cniVersion` decodes as 0.1.0 (libcni `pkg/version` does the same). */
export const IMPLICIT_VERSION = '0.1.0';

function parts(version: string): readonly number[] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** True when `version` is a well-formed semantic version `X.Y.Z`. */
export function isVersion(version: string): boolean {
  return parts(version) !== undefined;
}

/** Compares two `X.Y.Z` versions: negative, zero or positive; throws on malformed input. */
export function compareVersions(a: string, b: string): number {
  const pa = parts(a);
  const pb = parts(b);
  if (!pa) throw new CniError(CniCode.InvalidNetworkConfig, `cniVersion: not a version: "${a}"`);
  if (!pb) throw new CniError(CniCode.InvalidNetworkConfig, `cniVersion: not a version: "${b}"`);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** True when results for `version` use the 1.x shape (no `ips[].version`). */
export function isV1(version: string): boolean {
  return compareVersions(version, '1.0.0') >= 0;
}

/** The oldest config version each command needs (CHECK since 0.4.0; STATUS, GC since 1.1.0). */
const MIN_VERSION: Readonly<Partial<Record<CniCommand, string>>> = {
  CHECK: '0.4.0',
  STATUS: '1.1.0',
  GC: '1.1.0',
};

/**
 * Checks that a config version is one we support and is new enough for the command; throws a
 * code-1 CniError naming both otherwise (as libcni's `ErrIncompatibleVersion` does).
 */
export function negotiateVersion(configVersion: string, command: CniCommand): string {
  const supported = SUPPORTED_VERSIONS;
  if (!supported.includes(configVersion)) {
    throw new CniError(CniCode.IncompatibleVersion, 'incompatible CNI versions', {
      field: 'cniVersion',
      details: `config is "${configVersion}", plugin supports [${supported.map((v) => `"${v}"`).join(' ')}]`,
    });
  }
  const min = MIN_VERSION[command];
  if (min !== undefined && compareVersions(configVersion, min) < 0) {
    throw new CniError(CniCode.IncompatibleVersion, `config version does not allow ${command}`, {
      field: 'cniVersion',
      details: `config is "${configVersion}", ${command} needs ${min} or later`,
    });
  }
  return configVersion;
}
