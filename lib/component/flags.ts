/**
 * The flags every component shares, declared once: their specs (for the CLI's parser), their
 * usage lines, and one reader into `ComponentFlags`. A component picks the groups it takes:
 * `LOG_FLAGS` (all), `CLIENT_FLAGS` (API clients: kubeconfig and the metrics/health address),
 * `LEADER_ELECTION_FLAGS` (components that may run as several replicas).
 */
import { invalid } from '../errors/index.js';
import { type LogLevel, parseLogLevel } from '../obs/index.js';

/** One flag: `string` takes a value, `boolean` does not (the CLI parser's FlagSpec shape). */
export interface FlagDecl {
  readonly type: 'string' | 'boolean';
}

/** Parsed flag values by name (no leading dashes). */
export type FlagValues = Readonly<Record<string, string | boolean | undefined>>;

/** `--log-level`. */
export const LOG_FLAGS = {
  'log-level': { type: 'string' },
} as const satisfies Readonly<Record<string, FlagDecl>>;

/** The flags of every API client component: `--kubeconfig`, `--log-level`, `--metrics-addr`. */
export const CLIENT_FLAGS = {
  kubeconfig: { type: 'string' },
  ...LOG_FLAGS,
  'metrics-addr': { type: 'string' },
} as const satisfies Readonly<Record<string, FlagDecl>>;

/** Leader election on a Lease (kube's `--leader-elect*`; on by default, as there). */
export const LEADER_ELECTION_FLAGS = {
  'no-leader-elect': { type: 'boolean' },
  'leader-elect-lease-duration': { type: 'string' },
  'leader-elect-renew-deadline': { type: 'string' },
  'leader-elect-retry-period': { type: 'string' },
  'leader-elect-resource-name': { type: 'string' },
  'leader-elect-resource-namespace': { type: 'string' },
} as const satisfies Readonly<Record<string, FlagDecl>>;

/** Lease options from the flags; absent fields take the component's defaults. */
export interface LeaderElectionFlags {
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly name?: string;
  readonly namespace?: string;
}

/** The common flags, read. */
export interface ComponentFlags {
  readonly kubeconfig?: string;
  readonly logLevel?: LogLevel;
  /** `HOST:PORT` for /metrics, /healthz, /readyz and /livez; none when absent. */
  readonly metricsAddr?: string;
  /** `false` with `--no-leader-elect`. */
  readonly leaderElect?: boolean;
  readonly leaderElection?: LeaderElectionFlags;
}

const USAGE: Readonly<Record<string, readonly [string, string]>> = {
  kubeconfig: ['--kubeconfig FILE', 'API server credentials (default $KUBECONFIG, then ~/.kube/config)'],
  'log-level': ['--log-level LEVEL', 'debug, info, warn or error (default info)'],
  'metrics-addr': ['--metrics-addr HOST:PORT', 'serve /metrics, /healthz, /readyz and /livez'],
  'no-leader-elect': ['--no-leader-elect', 'act at once without taking the leader Lease'],
  'leader-elect-lease-duration': [
    '--leader-elect-lease-duration D',
    'Lease validity, e.g. 15s (default 15s)',
  ],
  'leader-elect-renew-deadline': [
    '--leader-elect-renew-deadline D',
    'leader gives up after this (default 10s)',
  ],
  'leader-elect-retry-period': [
    '--leader-elect-retry-period D',
    'between tries to take or renew (default 2s)',
  ],
  'leader-elect-resource-name': ['--leader-elect-resource-name NAME', 'the Lease name'],
  'leader-elect-resource-namespace': [
    '--leader-elect-resource-namespace NS',
    'its namespace (default kube-system)',
  ],
};

/** Usage lines of `specs`' common flags, descriptions starting at (0-based) character `column`. */
export function componentFlagsUsage(
  column: number,
  specs: Readonly<Record<string, FlagDecl>> = CLIENT_FLAGS,
): string {
  return Object.keys(specs)
    .flatMap((name) => {
      const u = USAGE[name];
      return u ? [`  ${u[0].padEnd(column - 3)} ${u[1]}`] : [];
    })
    .join('\n');
}

/** `15s`, `1500ms`, `1m` or plain seconds → milliseconds; throws naming the flag. */
export function parseDuration(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (!m) throw invalid(flag, `must be a duration like 15s, 1500ms or 1m, got "${text}"`);
  const n = Number(m[1]);
  const ms = m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
  if (!(ms > 0)) throw invalid(flag, `must be positive, got "${text}"`);
  return Math.round(ms);
}

/** Reads the common flags present in `values`; a bad value throws naming its flag. */
export function readComponentFlags(values: FlagValues): ComponentFlags {
  const str = (name: string): string | undefined => {
    const v = values[name];
    return typeof v === 'string' ? v : undefined;
  };
  const kubeconfig = str('kubeconfig');
  const level = str('log-level');
  const metricsAddr = str('metrics-addr');
  const duration = (name: string, key: keyof LeaderElectionFlags): Record<string, number> => {
    const v = str(name);
    return v === undefined ? {} : { [key]: parseDuration(`--${name}`, v) };
  };
  const leaseName = str('leader-elect-resource-name');
  const leaseNamespace = str('leader-elect-resource-namespace');
  const le: LeaderElectionFlags = {
    ...duration('leader-elect-lease-duration', 'leaseDurationMs'),
    ...duration('leader-elect-renew-deadline', 'renewDeadlineMs'),
    ...duration('leader-elect-retry-period', 'retryPeriodMs'),
    ...(leaseName !== undefined ? { name: leaseName } : {}),
    ...(leaseNamespace !== undefined ? { namespace: leaseNamespace } : {}),
  };
  return {
    ...(kubeconfig !== undefined ? { kubeconfig } : {}),
    ...(level !== undefined ? { logLevel: parseLogLevel(level) } : {}),
    ...(metricsAddr !== undefined ? { metricsAddr } : {}),
    ...(values['no-leader-elect'] === true ? { leaderElect: false } : {}),
    ...(Object.keys(le).length > 0 ? { leaderElection: le } : {}),
  };
}
