/**
 * Streams a CRI log file into a response as upstream's ReadLogs does: from the tail start (or
 * the beginning), line by line through the LogFormatter, written with backpressure (a slow
 * reader pauses the file reads, never grows memory). With `follow`, at the end of the file it
 * waits for the file to change (fs.watch, and a re-check each second), reopens the path when
 * the log was rotated (a new inode; the old file is read to its end first), and ends once the
 * container no longer runs and nothing more was written.
 */
import { type FSWatcher, readSync, watch } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { findTailStart, LineSplitter, LogFormatter, type LogSelection } from './cri-log.js';

/** Where the formatted log goes: a ServerResponse fits. */
export interface LogSink {
  write(chunk: Buffer): boolean;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

/** Options of `streamLogFile`. */
export interface StreamLogOptions {
  readonly selection: LogSelection;
  readonly tailLines?: number;
  readonly follow: boolean;
  /** Whether the container still runs (asked at the end of the file while following). */
  readonly isRunning: () => Promise<boolean>;
  /** Ends the stream (the client went away). */
  readonly signal: AbortSignal;
  /** How long a follower waits for a change before it re-checks (default 1 s). */
  readonly recheckMs?: number;
}

const CHUNK = 64 * 1024;
/** containerd cuts lines at 16 KiB; anything much longer is not a CRI line and is cut too. */
const MAX_LINE = 256 * 1024;
const TAIL_BLOCK = 32 * 1024;

/** An open log file and where reading continues. */
interface Cursor {
  handle: FileHandle;
  position: number;
  inode: number;
}

async function openAt(path: string, tailLines: number | undefined): Promise<Cursor> {
  const handle = await open(path, 'r');
  try {
    const st = await handle.stat();
    let position = 0;
    if (tailLines !== undefined) {
      // Synchronous reads of a few blocks from the end: bounded by the lines asked for.
      const readAt = (pos: number, len: number): Buffer => {
        const b = Buffer.alloc(len);
        return b.subarray(0, readSync(handle.fd, b, 0, len, pos));
      };
      position = findTailStart(st.size, tailLines, readAt, TAIL_BLOCK);
    }
    return { handle, position, inode: st.ino };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** Resolves on a change of the file, after `ms`, or on abort — whichever comes first. */
function changeOrTimeout(path: string, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    let watcher: FSWatcher | undefined;
    const finish = (): void => {
      clearTimeout(timer);
      watcher?.close();
      signal.removeEventListener('abort', finish);
      resolve();
    };
    const timer = setTimeout(finish, ms);
    try {
      watcher = watch(path, { persistent: false }, finish);
      watcher.on('error', finish);
    } catch {
      // No watch on this path (gone for a moment during rotation): the timer re-checks.
    }
    signal.addEventListener('abort', finish, { once: true });
  });
}

/** Waits until `sink` drains, or the stream is aborted; false when aborted. */
function drained(sink: LogSink, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      sink.off('drain', onDrain);
      sink.off('close', onClose);
      signal.removeEventListener('abort', onClose);
      resolve(ok);
    };
    const onDrain = (): void => done(true);
    const onClose = (): void => done(false);
    sink.once('drain', onDrain);
    sink.once('close', onClose);
    signal.addEventListener('abort', onClose, { once: true });
  });
}

/**
 * Opens the log (before anything is written, so a missing file is an error the caller can
 * still answer with a status), then returns the function that streams it.
 */
export async function openLogStream(
  path: string,
  sink: LogSink,
  o: StreamLogOptions,
): Promise<() => Promise<void>> {
  let cursor = await openAt(path, o.tailLines);
  const formatter = new LogFormatter(o.selection);
  let lines = new LineSplitter(MAX_LINE);
  const buf = Buffer.alloc(CHUNK);

  /** Writes formatted lines; false when the stream should end (limit reached or client gone). */
  const emit = async (batch: readonly Buffer[]): Promise<boolean> => {
    for (const line of batch) {
      const { out, done } = formatter.push(line);
      if (out.length > 0 && !sink.write(out) && !(await drained(sink, o.signal))) return false;
      if (done || o.signal.aborted) return false;
    }
    return true;
  };
  /** Reads to the current end of the file; false when the stream should end. */
  const readToEnd = async (): Promise<boolean> => {
    for (;;) {
      const { bytesRead } = await cursor.handle.read(buf, 0, CHUNK, cursor.position);
      if (bytesRead === 0) return true;
      cursor.position += bytesRead;
      if (!(await emit(lines.push(Buffer.from(buf.subarray(0, bytesRead)))))) return false;
    }
  };
  /** The unterminated last line, as upstream writes it when the stream stops. */
  const finish = async (): Promise<void> => {
    const rest = lines.flush();
    if (rest) await emit([rest]);
  };
  /** A new file at the path (log rotation): the old one is read to its end, then the new one opened. */
  const rotated = async (): Promise<boolean> => {
    const st = await stat(path).catch(() => undefined);
    if (!st || st.ino === cursor.inode) return true;
    if (!(await readToEnd())) return false;
    await finish();
    await cursor.handle.close();
    cursor = await openAt(path, undefined);
    lines = new LineSplitter(MAX_LINE);
    return true;
  };

  /** Whether the container still runs; a runtime that cannot say (or lost it) ends the follow. */
  const running = (): Promise<boolean> => o.isRunning().catch(() => false);

  return async () => {
    try {
      // As upstream's ReadLogs/waitLogs: at each end of the file, a stopped container ends the
      // stream (after a last read for what it wrote before stopping); else wait for a change.
      for (;;) {
        if (!(await readToEnd())) return;
        if (!o.follow) {
          await finish();
          return;
        }
        if (!(await running())) {
          if (await readToEnd()) await finish();
          return;
        }
        await changeOrTimeout(path, o.recheckMs ?? 1000, o.signal);
        if (o.signal.aborted || !(await rotated())) return;
      }
    } finally {
      await cursor.handle.close();
    }
  };
}
