/**
 * Decodes a watch response body into typed events. A watch is a long GET whose body is
 * newline-delimited JSON `{"type": ..., "object": ...}` (API conventions, "Efficient
 * detection of changes").
 */
import type { IncomingMessage } from 'node:http';
import type { KubeObject, WatchEvent } from '../api/index.js';
import { ErrorCode, messageOf, SwitchyardError } from '../errors/index.js';
import { LineSplitter } from './ndjson.js';

const TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/** Parses one watch line; a malformed line is a protocol error. */
export function parseWatchEvent<T extends KubeObject>(line: string): WatchEvent<T> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err: unknown) {
    throw new SwitchyardError(ErrorCode.Api, `watch stream: event is not valid JSON: ${messageOf(err)}`, {
      cause: err,
    });
  }
  const ev = value as { type?: unknown; object?: unknown };
  if (typeof ev !== 'object' || ev === null || typeof ev.type !== 'string' || !TYPES.has(ev.type)) {
    throw new SwitchyardError(
      ErrorCode.Api,
      `watch stream: event has no valid "type": ${line.slice(0, 120)}`,
    );
  }
  if (typeof ev.object !== 'object' || ev.object === null) {
    throw new SwitchyardError(ErrorCode.Api, `watch stream: ${ev.type} event has no "object"`);
  }
  return value as WatchEvent<T>;
}

/**
 * Yields the events of a watch response until the server ends it or `signal` aborts (then the
 * generator simply returns). A connection reset mid-stream throws.
 */
export async function* readWatchStream<T extends KubeObject>(
  res: IncomingMessage,
  options: { signal?: AbortSignal | undefined; maxLineBytes?: number | undefined } = {},
): AsyncGenerator<WatchEvent<T>, void, undefined> {
  if (options.signal?.aborted) {
    // an abort before the first read: the listener below would never fire
    res.destroy();
    return;
  }
  const splitter = new LineSplitter(options.maxLineBytes);
  const onAbort = (): void => {
    res.destroy();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      for (const line of splitter.push(chunk)) yield parseWatchEvent<T>(line);
    }
    const tail = splitter.end();
    if (tail !== undefined) yield parseWatchEvent<T>(tail);
  } catch (err: unknown) {
    if (options.signal?.aborted) return;
    if (err instanceof SwitchyardError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new SwitchyardError(ErrorCode.System, `watch stream: ${messageOf(err)}`, {
      cause: err,
      ...(e.syscall ? { syscall: e.syscall } : {}),
    });
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    res.destroy();
  }
}
