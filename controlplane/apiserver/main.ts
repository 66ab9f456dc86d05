/**
 * `switchyard apiserver` as a function: parses the flags, starts the server, and runs until
 * SIGTERM/SIGINT. Kept here (not in cli/) so tests can start the same thing as a child process.
 */
import { untilSignal } from '../../lib/component/index.js';
import { invalid } from '../../lib/errors/index.js';
import { createLogger } from '../../lib/obs/index.js';
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
}

/** Splits `HOST:PORT` (`[v6]:port` too); throws naming the flag. */
export function parseListen(listen: string): { readonly host: string; readonly port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw invalid('--listen', `must be HOST:PORT with a port 0–65535, got "${listen}"`);
  }
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
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

/** Starts the server from flags. */
export async function startFromFlags(flags: ApiServerFlags, log?: NodeJS.WritableStream): Promise<ApiServer> {
  const { host, port } = parseListen(flags.listen ?? '127.0.0.1:6443');
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
    ...(flags.serviceClusterIpRange ? { serviceClusterIpRange: flags.serviceClusterIpRange } : {}),
    ...(flags.serviceNodePortRange ? { nodePortRange: parsePortRange(flags.serviceNodePortRange) } : {}),
    ...(log
      ? {
          onAddressRepair: (r: RepairReport) => logRepair(r, log),
          logger: createLogger({ component: 'apiserver', stream: log }),
        }
      : {}),
  });
}

/** One JSON line per released leak and per value two Services hold. */
function logRepair(report: RepairReport, log: NodeJS.WritableStream): void {
  const line = (fields: Record<string, unknown>): void => {
    log.write(`${JSON.stringify({ component: 'apiserver', ...fields })}\n`);
  };
  for (const value of report.released) line({ level: 'info', msg: 'released leaked service address', value });
  for (const d of report.duplicates) {
    line({ level: 'warn', msg: 'service address held twice', value: d.value, services: d.services });
  }
}

/** Runs until SIGTERM or SIGINT, then closes cleanly. Writes one JSON log line when ready. */
export async function runApiServer(flags: ApiServerFlags, log: NodeJS.WritableStream): Promise<number> {
  const server = await startFromFlags(flags, log);
  log.write(
    `${JSON.stringify({ level: 'info', component: 'apiserver', msg: 'listening', url: server.url, kubeconfig: server.kubeconfigPath })}\n`,
  );
  await untilSignal();
  await server.close();
  return 0;
}
