/**
 * `switchyard apiserver` as a function: parses the flags, starts the server, logs through
 * lib/obs's logger, and runs until SIGTERM/SIGINT (lib/component). Kept here (not in cli/) so
 * tests can start the same thing as a child process.
 */
import { untilSignal } from '../../lib/component/index.js';
import { invalid } from '../../lib/errors/index.js';
import { parseHostPort } from '../../lib/net/host-port.js';
import { createLogger, type Logger, type LogLevel } from '../../lib/obs/index.js';
import { openEtcdStore, withWatchCache } from '../store/index.js';
import { type ApiServer, startApiServer } from './server.js';
import type { RepairReport } from './service-addresses.js';

/** Parsed `apiserver` flags. */
export interface ApiServerFlags {
  readonly dataDir: string;
  readonly listen?: string;
  readonly etcdServers?: string;
  readonly serviceClusterIpRange?: string;
  readonly serviceNodePortRange?: string;
  readonly advertiseAddress?: string;
  /** Comma-separated optional admission plugins to run (only `ServiceAccount` so far). */
  readonly enableAdmissionPlugins?: string;
  /** Default info. */
  readonly logLevel?: LogLevel;
}

/** Parses `MIN-MAX` for --service-node-port-range. */
export function parsePortRange(s: string): readonly [number, number] {
  const m = /^(\d+)-(\d+)$/.exec(s);
  const min = Number(m?.[1]);
  const max = Number(m?.[2]);
  if (!m || min < 1 || max > 65535 || min > max) {
    throw invalid('--service-node-port-range', `must be MIN-MAX within 1–65535, got "${s}"`);
  }
  return [min, max];
}

/** The admission plugins that may be enabled by name. */
const OPTIONAL_PLUGINS = ['ServiceAccount'] as const;

/** Parses --enable-admission-plugins into the plugins it names. */
export function parseAdmissionPlugins(s: string | undefined): Set<(typeof OPTIONAL_PLUGINS)[number]> {
  const out = new Set<(typeof OPTIONAL_PLUGINS)[number]>();
  for (const name of (s ?? '').split(',').filter((n) => n !== '')) {
    const known = OPTIONAL_PLUGINS.find((p) => p === name);
    if (!known)
      throw invalid(
        '--enable-admission-plugins',
        `unknown plugin "${name}"; known: ${OPTIONAL_PLUGINS.join(', ')}`,
      );
    out.add(known);
  }
  return out;
}

/** Starts the server from flags; with `log`, logs (request failures, tasks, repairs) go there. */
export async function startFromFlags(flags: ApiServerFlags, log?: NodeJS.WritableStream): Promise<ApiServer> {
  const logger = log ? apiServerLogger(flags, log) : undefined;
  const { host, port } = parseHostPort(flags.listen ?? '127.0.0.1:6443', '--listen', {
    defaultHost: '0.0.0.0',
  });
  const plugins = parseAdmissionPlugins(flags.enableAdmissionPlugins);
  const endpoints = (flags.etcdServers ?? '').split(',').filter((u) => u !== '');
  for (const u of endpoints) {
    if (!/^https?:\/\/[^/]+$/.test(u))
      throw invalid('--etcd-servers', `each URL must be http(s)://HOST:PORT, got "${u}"`);
  }
  return startApiServer({
    dataDir: flags.dataDir,
    host,
    port,
    ...(endpoints.length > 0 ? { store: withWatchCache(openEtcdStore({ endpoints })) } : {}),
    ...(flags.advertiseAddress ? { advertiseAddress: flags.advertiseAddress } : {}),
    ...(plugins.has('ServiceAccount') ? { serviceAccountAdmission: true } : {}),
    ...(flags.serviceClusterIpRange ? { serviceClusterIpRange: flags.serviceClusterIpRange } : {}),
    ...(flags.serviceNodePortRange ? { nodePortRange: parsePortRange(flags.serviceNodePortRange) } : {}),
    ...(logger ? { onAddressRepair: (r: RepairReport) => logRepair(r, logger), logger } : {}),
  });
}

function apiServerLogger(flags: ApiServerFlags, stream: NodeJS.WritableStream): Logger {
  return createLogger({ component: 'apiserver', level: flags.logLevel ?? 'info', stream });
}

/** One log line per released leak and per value two Services hold. */
function logRepair(report: RepairReport, log: Logger): void {
  for (const value of report.released) log.info('released leaked service address', { value });
  for (const d of report.duplicates)
    log.warn('service address held twice', { value: d.value, services: d.services });
}

/** Runs until SIGTERM or SIGINT, then closes cleanly. Logs `listening` (url, kubeconfig) when ready. */
export async function runApiServer(flags: ApiServerFlags, log: NodeJS.WritableStream): Promise<number> {
  const server = await startFromFlags(flags, log);
  apiServerLogger(flags, log).info('listening', { url: server.url, kubeconfig: server.kubeconfigPath });
  await untilSignal();
  await server.close();
  return 0;
}
