/**
 * The ordered output of a session: frames are written in the order they were sent, and a frame
 * whose header block is still being compressed (asynchronously, `headers.ts`) holds the frames
 * queued after it. Frames with nothing ahead of them go straight to the socket and return its
 * backpressure verdict; a queued one returns false, and `onFlushed` says when the queue emptied.
 */
import type { Duplex } from 'node:stream';

/** One session's frame writer. */
export class FrameWriter {
  /** The queue emptied (after frames had to wait); `socketFull` says whether to wait for 'drain' too. */
  onFlushed: (socketFull: boolean) => void = () => undefined;
  /** Building a queued frame failed (its header block could not be compressed). */
  onError: (err: unknown) => void = () => undefined;

  private readonly queue: (Buffer | Promise<Buffer>)[] = [];
  private sending = false;
  private stopped = false;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly socket: Duplex) {}

  /** Sends a frame (or one still being built); false when it waits or the socket is full. */
  send(frame: Buffer | Promise<Buffer>): boolean {
    if (this.stopped) return false;
    if (!this.sending && this.queue.length === 0 && Buffer.isBuffer(frame)) return this.write(frame);
    this.queue.push(frame);
    if (!this.sending) void this.pump();
    return false;
  }

  /** Runs `fn` once everything sent so far is on the socket. */
  afterSent(fn: () => void): void {
    if (!this.sending && this.queue.length === 0) fn();
    else this.waiters.push(fn);
  }

  /** Drops what waits; nothing more is written. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

  private write(b: Buffer): boolean {
    if (!this.socket.writable) return false;
    return this.socket.write(b);
  }

  private async pump(): Promise<void> {
    this.sending = true;
    try {
      while (this.queue.length > 0) {
        const next = this.queue.shift() as Buffer | Promise<Buffer>;
        this.write(Buffer.isBuffer(next) ? next : await next);
      }
    } catch (err) {
      this.sending = false;
      this.onError(err);
      return;
    }
    this.sending = false;
    if (this.stopped) return;
    this.onFlushed(this.socket.writableNeedDrain);
    for (const fn of this.waiters.splice(0)) fn();
  }
}
