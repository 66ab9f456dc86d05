/**
 * A watch over HTTP: headers flushed at once (kubectl wait hangs otherwise; apiserver
 * watch.go writes 200 and flushes before any event), newline-delimited JSON events, bookmarks
 * when asked, the stream ended at `timeoutSeconds`, and errors after the headers sent in-stream
 * as an ERROR event with a Status (cacher.go). A client that cannot keep up is disconnected once
 * its unsent buffer passes a bound, so memory per watcher stays bounded.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JsonObject } from '../../lib/api/json.js';
import type { WatchHandle } from '../store/index.js';
import { isInternalError, toStatus } from './status.js';

/** Options of one watch stream. */
export interface WatchStreamOptions {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly contentType: string;
  /** Ends the stream after this many seconds. */
  readonly timeoutSeconds: number;
  /** Sends BOOKMARK events every `bookmarkIntervalMs` when set. */
  readonly bookmark?: { readonly kind: string; readonly apiVersion: string; readonly intervalMs: number };
  /** Unsent bytes after which the client is cut off. */
  readonly maxBufferedBytes: number;
  /** Converts an object before sending (Table rows); identity otherwise. */
  readonly encode: (object: JsonObject) => JsonObject;
  /** Called once when the stream ends for any reason. */
  readonly onClose?: () => void;
  /** Told of an error of ours (a bug) that ended the stream with an ERROR 500 event. */
  readonly onInternalError?: (err: unknown) => void;
}

/** The event-writing half handed to the REST layer. */
export interface WatchWriter {
  event(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: JsonObject): void;
  /** Ends the stream with an in-stream ERROR event carrying `err` as a Status. */
  error(err: unknown): void;
  /** Attaches the store watch so closing the stream stops it. */
  attach(handle: WatchHandle): void;
  readonly closed: boolean;
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * Encoded event lines, shared by all watch streams: one store event reaches every watcher of a
 * type as the same (never mutated) object, so its line is serialized and UTF-8 encoded once per
 * event type and the same Buffer is written to every stream.
 */
const encodedLines = new WeakMap<object, Partial<Record<EventType, Buffer>>>();

function eventLine(type: EventType, object: object): Buffer {
  let byType = encodedLines.get(object);
  if (byType === undefined) {
    byType = {};
    encodedLines.set(object, byType);
  }
  let line = byType[type];
  if (line === undefined) {
    line = Buffer.from(`{"type":"${type}","object":${JSON.stringify(object)}}\n`);
    byType[type] = line;
  }
  return line;
}

/** Starts the response (200, chunked, flushed) and returns the writer. */
export function openWatchStream(o: WatchStreamOptions): WatchWriter {
  const { res } = o;
  res.writeHead(200, {
    'Content-Type': o.contentType,
    'Transfer-Encoding': 'chunked',
    'Cache-Control': 'no-cache',
  });
  res.flushHeaders();
  let closed = false;
  let handle: WatchHandle | undefined;
  let lastRv = '';
  const timers: NodeJS.Timeout[] = [];
  // The events of one turn of the event loop go out as one chunk: over TLS every socket write
  // is its own record and syscall, which was the largest cost with many watchers (a commit
  // delivers a batch of events to every stream at once). Order is kept: everything, bookmarks
  // and errors included, goes through the same queue.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let flushScheduled = false;
  const flush = (): void => {
    flushScheduled = false;
    if (pending.length === 0) return;
    const chunk = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    if (res.destroyed || res.writableEnded) return;
    res.write(chunk);
    if (res.writableLength > o.maxBufferedBytes) {
      // Slow consumer: drop it rather than buffer without bound; it relists and rewatches.
      res.destroy();
      close();
    }
  };
  const close = (): void => {
    if (closed) return;
    flush();
    closed = true;
    for (const t of timers) clearTimeout(t);
    handle?.stop();
    if (!res.writableEnded) res.end();
    o.onClose?.();
  };
  const write = (line: unknown): void => writeRaw(Buffer.from(`${JSON.stringify(line)}\n`));
  const writeRaw = (line: Buffer): void => {
    if (closed || res.destroyed || res.writableEnded) return;
    pending.push(line);
    pendingBytes += line.length;
    if (pendingBytes + res.writableLength > o.maxBufferedBytes) {
      flush();
    } else if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  };
  timers.push(setTimeout(close, o.timeoutSeconds * 1000));
  if (o.bookmark) {
    const b = o.bookmark;
    const tick = (): void => {
      if (closed) return;
      if (lastRv !== '')
        write({
          type: 'BOOKMARK',
          object: { kind: b.kind, apiVersion: b.apiVersion, metadata: { resourceVersion: lastRv } },
        });
      timers.push(setTimeout(tick, b.intervalMs));
    };
    timers.push(setTimeout(tick, b.intervalMs));
  }
  o.req.on('close', close);
  res.on('close', close);
  return {
    event(type, object) {
      if (closed) return;
      const rv = (object.metadata as JsonObject | undefined)?.resourceVersion;
      if (typeof rv === 'string') lastRv = rv;
      let line: Buffer;
      try {
        line = eventLine(type, o.encode(object));
      } catch (err) {
        // Never let it reach the store's dispatch loop: the other watchers must still get the event.
        o.onInternalError?.(err);
        write({ type: 'ERROR', object: toStatus(err).status });
        close();
        return;
      }
      writeRaw(line);
    },
    error(err) {
      if (isInternalError(err)) o.onInternalError?.(err);
      write({ type: 'ERROR', object: toStatus(err).status });
      close();
    },
    attach(h) {
      if (closed) h.stop();
      else handle = h;
    },
    get closed() {
      return closed;
    },
  };
}
