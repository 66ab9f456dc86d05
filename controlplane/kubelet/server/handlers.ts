/**
 * What each route answers, once the request is authenticated and authorized: health, the
 * pods bound to the node (when given), the stats provider's summary and resource metrics, a
 * container's log streamed from its CRI log file, and the upgrades (exec, attach, port-forward) resolved to their CRI ids and handed to
 * the streaming bridges with their socket. Errors are thrown as HttpError; the server turns
 * them into answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { openLogStream } from './log-reader.js';
import { HttpError } from './respond.js';
import type { LogQuery, PodRef, Route } from './routes.js';
import { isRunning, logTarget, readySandbox, runningContainer, type TargetCri } from './targets.js';
import type { PortForwardHandler, RemoteCommandHandler, StatsProvider } from './types.js';

/** What the handlers use. */
export interface HandlerContext {
  readonly cri: TargetCri;
  readonly podLogsDir: string;
  readonly remoteCommand: RemoteCommandHandler;
  readonly portForward: PortForwardHandler;
  readonly stats: StatsProvider;
  /** The PodList `/pods` serves; without it `/pods` is 404. */
  readonly pods: (() => Promise<unknown>) | undefined;
  /** The clock for `sinceSeconds`, ms. */
  readonly now: () => number;
  /** How often a log follower re-checks its container (ms). */
  readonly logRecheckMs: number;
}

/** Answers a route that is not an upgrade. */
export async function serveRequest(c: HandlerContext, r: Route, res: ServerResponse): Promise<void> {
  switch (r.kind) {
    case 'healthz':
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok');
      return;
    case 'pods': {
      if (!c.pods) throw new HttpError(404, 'not found');
      const body = JSON.stringify(await c.pods());
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
      return;
    }
    case 'stats-summary': {
      const body = JSON.stringify(await c.stats.summary());
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
      return;
    }
    case 'metrics-resource': {
      const text = await c.stats.resourceMetrics();
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text);
      return;
    }
    case 'container-logs':
      await containerLogs(c, r.ref, r.container, r.query, res);
      return;
    case 'exec':
    case 'attach':
    case 'port-forward':
      throw new HttpError(400, 'Upgrade request required');
    case 'not-found':
      throw new HttpError(404, 'not found');
    case 'method-not-allowed':
      throw new HttpError(405, 'method not allowed');
    case 'bad-request':
      throw new HttpError(400, r.message);
  }
}

/** An upgrade resolved to its bridge: called with the socket, which it then owns. */
export type UpgradeStart = (req: IncomingMessage, socket: Duplex, head: Buffer) => Promise<void>;

/** Resolves an upgrade (exec, attach, port-forward) to its CRI id and bridge; throws HttpError when it cannot. */
export async function resolveUpgrade(c: HandlerContext, r: Route, path: string): Promise<UpgradeStart> {
  switch (r.kind) {
    case 'exec':
    case 'attach': {
      const containerId = await runningContainer(c.cri, r.ref, r.container);
      const target = {
        kind: r.kind,
        containerId,
        command: r.command,
        stdin: r.stdin,
        stdout: r.stdout,
        stderr: r.stderr,
        tty: r.tty,
      };
      return (req, socket, head) => c.remoteCommand(req, socket, head, target);
    }
    case 'port-forward': {
      const target = { sandboxId: await readySandbox(c.cri, r.ref), ports: r.ports };
      return (req, socket, head) => c.portForward(req, socket, head, target);
    }
    case 'bad-request':
      throw new HttpError(400, r.message);
    case 'not-found':
      throw new HttpError(404, 'not found');
    case 'method-not-allowed':
      throw new HttpError(405, 'method not allowed');
    default:
      throw new HttpError(400, `this path does not upgrade: ${path}`);
  }
}

/** GET /containerLogs: the chosen container's CRI log, selected and streamed. */
async function containerLogs(
  c: HandlerContext,
  ref: PodRef,
  container: string,
  q: LogQuery,
  res: ServerResponse,
): Promise<void> {
  const target = await logTarget(c.cri, ref, container, q.previous);
  // The runtime names the file; it must lie under the pods' log directory the kubelet gave it.
  const path = resolve(target.logPath);
  const inside = relative(resolve(c.podLogsDir), path);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside))
    throw new HttpError(500, `the log of container "${container}" is outside ${c.podLogsDir}`);
  const sinceNs =
    q.sinceTimeNs ??
    (q.sinceSeconds !== undefined ? BigInt(c.now() - q.sinceSeconds * 1000) * 1_000_000n : undefined);
  const aborted = new AbortController();
  res.once('close', () => aborted.abort());
  const stream = await openLogStream(path, res, {
    selection: {
      timestamps: q.timestamps,
      ...(sinceNs !== undefined ? { sinceNs } : {}),
      ...(q.limitBytes !== undefined ? { limitBytes: q.limitBytes } : {}),
    },
    ...(q.tailLines !== undefined ? { tailLines: q.tailLines } : {}),
    follow: q.follow,
    isRunning: () => isRunning(c.cri, target.containerId),
    signal: aborted.signal,
    recheckMs: c.logRecheckMs,
  }).catch((err: unknown) => {
    if ((err as { code?: unknown }).code === 'ENOENT')
      throw new HttpError(404, `the log file of container "${container}" in pod "${ref.pod}" does not exist`);
    throw err;
  });
  // Headers now: a follower may wait long for its first line, and the API server waits for headers.
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  await stream();
  if (!res.writableEnded && !res.destroyed) res.end();
}
