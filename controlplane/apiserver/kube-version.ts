/**
 * Kubernetes' ordering of API versions (the one discovery uses to list a group's versions and
 * pick the preferred one): GA before beta before alpha, higher major first, then higher minor
 * (`v2, v1, v1beta2, v1beta1, v1alpha1`); names of other shapes come last, alphabetically.
 */

interface Parsed {
  readonly major: number;
  /** 2 GA, 1 beta, 0 alpha. */
  readonly stability: number;
  readonly minor: number;
}

function parse(version: string): Parsed | undefined {
  const m = /^v([1-9][0-9]*)(?:(alpha|beta)([1-9][0-9]*))?$/.exec(version);
  if (!m) return undefined;
  return {
    major: Number(m[1]),
    stability: m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0,
    minor: m[3] === undefined ? 0 : Number(m[3]),
  };
}

/** Sort comparator: negative when `a` comes first (has the higher priority). */
export function compareKubeVersions(a: string, b: string): number {
  const pa = parse(a);
  const pb = parse(b);
  if (pa && pb) {
    if (pa.stability !== pb.stability) return pb.stability - pa.stability;
    if (pa.major !== pb.major) return pb.major - pa.major;
    return pb.minor - pa.minor;
  }
  if (pa) return -1;
  if (pb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
