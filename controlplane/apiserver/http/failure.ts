/**
 * Where every failed request ends: the Status answer, or a cut stream once an answer is under
 * way; failures that are ours (bugs) logged with their stack and counted, as kube-apiserver
 * reports a recovered panic.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError } from '../http-io.js';
import { isInternalError } from '../status.js';
import type { HandlerOptions } from './context.js';

/**
 * Answers a request whose handling threw. Errors that are ours (not an ApiError, not a coded
 * store error: a bug) are logged with their stack and counted before the 500 goes out.
 */
export function fail(o: HandlerOptions, req: IncomingMessage, res: ServerResponse, err: unknown): void {
  try {
    if (isInternalError(err)) reportInternalError(o, req, err);
    if (res.headersSent) {
      // A stream already under way (a watch) cannot turn into a Status: cut it.
      if (!res.writableEnded) res.destroy();
      return;
    }
    sendError(res, err);
  } catch (second) {
    // Nothing left to answer with; the socket goes, the process stays.
    reportInternalError(o, req, second);
    res.destroy();
  }
}

/** One JSON log line with the stack, one count: what kube-apiserver does with a recovered panic. */
export function reportInternalError(o: HandlerOptions, req: IncomingMessage, err: unknown): void {
  o.metrics.panics.inc();
  o.logger.error('request handler failed', {
    method: req.method,
    // The target is the client's: bounded, so a long one cannot make a long line.
    target: (req.url ?? '').slice(0, 512),
    error: err instanceof Error ? err.message : String(err),
    stack: err instanceof Error ? err.stack : undefined,
  });
}
