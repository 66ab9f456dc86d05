/**
 * One SPDY stream of a session (§2.3): the headers it was opened with, data in and out, FIN
 * half-close each way (§2.3.7), RST_STREAM, and flow control (§2.6.8). Received data is
 * handed to `onData` as it arrives; the receive window is reopened (WINDOW_UPDATE) as that data
 * is consumed: a paused stream holds what arrives and reopens nothing, so a sender that keeps
 * windows stops after one; past a window's worth the session stops reading the socket. Sent data respects the peer's window once the peer shows it does flow control
 * (see `session.ts`); what does not fit waits in the stream and `write` says false until
 * `onDrain`. The session owns the wire; the stream asks it to send.
 */

/** What a stream needs from its session. */
export interface StreamHost {
  sendData(id: number, data: Buffer, fin: boolean): boolean;
  sendReply(id: number, headers: Readonly<Record<string, string>>): void;
  sendReset(id: number, status: number): void;
  sendWindowUpdate(id: number, delta: number): void;
  /** Whether the peer's windows are enforced (it sent WINDOW_UPDATE or SETTINGS). */
  readonly flowControlled: boolean;
  /** What the session window (3.1) still allows. */
  readonly sessionWindow: number;
  /** A stream stopped or resumed reading. */
  pausedChanged(): void;
  closed(id: number): void;
}

/** The initial window of SPDY/3 (§2.6.8). */
export const DEFAULT_WINDOW = 64 * 1024;

/** One stream. */
export class SpdyStream {
  /** Data arrived. */
  onData: (data: Buffer) => void = () => undefined;
  /** The peer half-closed (FIN). */
  onEnd: () => void = () => undefined;
  /** The peer answered our SYN_STREAM (SYN_REPLY). */
  onReply: (headers: Readonly<Record<string, string>>) => void = () => undefined;
  /** The peer reset the stream (RST_STREAM status), or the session ended under it (status 0). */
  onReset: (status: number) => void = () => undefined;
  /** Queued data went out after `write` returned false. */
  onDrain: () => void = () => undefined;
  /** Both directions are done or the stream was reset (once). */
  onClose: () => void = () => undefined;

  private localDone = false;
  private remoteDone = false;
  private over = false;
  private replied: boolean;
  private paused = false;
  private readonly held: Buffer[] = [];
  private heldBytes = 0;
  private unacked = 0;
  private sendWindow: number;
  private readonly queued: { data: Buffer; fin: boolean }[] = [];
  private wantDrain = false;
  private socketFull = false;

  constructor(
    private readonly host: StreamHost,
    readonly id: number,
    /** The SYN_STREAM's headers. */
    readonly headers: Readonly<Record<string, string>>,
    o: { readonly replied: boolean; readonly sendWindow: number; readonly recvWindow: number },
  ) {
    this.replied = o.replied;
    this.sendWindow = o.sendWindow;
    this.recvWindow = o.recvWindow;
  }

  private readonly recvWindow: number;

  /** Whether a paused stream holds a window's worth: the session then stops reading the socket. */
  get overfull(): boolean {
    return this.paused && !this.over && this.heldBytes >= this.recvWindow;
  }

  /** Whether the stream is fully closed or reset. */
  get closed(): boolean {
    return this.over;
  }

  /** Accepts a stream the peer opened (SYN_REPLY). */
  reply(headers: Readonly<Record<string, string>> = {}): void {
    if (this.replied || this.over) return;
    this.replied = true;
    this.host.sendReply(this.id, headers);
  }

  /** Sends data; false when it had to wait (window or socket), then `onDrain` follows. */
  write(data: Buffer): boolean {
    return this.send(data, false);
  }

  /** Half-closes this direction (FIN), after any queued data. */
  end(data: Buffer = Buffer.alloc(0)): void {
    this.send(data, true);
  }

  /** Resets the stream (RST_STREAM), dropping anything queued. */
  reset(status = 5): void {
    if (this.over) return;
    this.queued.length = 0;
    this.host.sendReset(this.id, status);
    this.finish();
  }

  /** Stops consuming: data is held (and no window reopened) until `resume`. */
  pause(): void {
    this.paused = true;
  }

  /** Delivers what was held and reopens the window for it. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    while (!this.paused && this.held.length > 0 && !this.over) {
      const d = this.held.shift() as Buffer;
      this.heldBytes -= d.length;
      this.onData(d);
      this.unacked += d.length;
    }
    this.ack(0);
    if (!this.paused && this.remoteDone && this.heldFin) {
      this.heldFin = false;
      this.deliverFin();
    }
    this.host.pausedChanged();
  }

  // ---- called by the session ----

  /** @internal */
  receiveData(data: Buffer, fin: boolean): void {
    if (this.over) return;
    if (data.length > 0) {
      if (this.paused) {
        this.held.push(data);
        this.heldBytes += data.length;
        if (this.overfull) this.host.pausedChanged();
      } else {
        this.onData(data);
        this.ack(data.length);
      }
    }
    if (fin) this.receiveFin();
  }

  /** @internal */
  receiveFin(): void {
    if (this.remoteDone || this.over) return;
    this.remoteDone = true;
    if (this.paused && this.held.length > 0) this.heldFin = true;
    else this.deliverFin();
  }

  private heldFin = false;

  private deliverFin(): void {
    this.onEnd();
    if (this.localDone) this.finish();
  }

  /** @internal */
  receiveReply(headers: Readonly<Record<string, string>>, fin: boolean): void {
    this.onReply(headers);
    if (fin) this.receiveFin();
  }

  /** @internal */
  receiveReset(status: number): void {
    if (this.over) return;
    this.queued.length = 0;
    this.flushHeld();
    this.onReset(status);
    this.finish();
  }

  /**
   * What a paused stream holds was received before the reset or the session's end: it is handed
   * over, pause or not (spdystream's peers end every finished stream with RST_STREAM).
   */
  private flushHeld(): void {
    for (const d of this.held.splice(0)) this.onData(d);
    this.heldBytes = 0;
  }

  /** @internal The peer opened its window (or changed the initial size by `delta`). */
  grow(delta: number): void {
    this.sendWindow += delta;
    this.flush();
  }

  /** @internal The socket drained: retry what waits, and say so. */
  drained(): void {
    this.socketFull = false;
    this.flush();
  }

  /** @internal Sends what the window allows. */
  flush(): void {
    while (this.queued.length > 0 && !this.over) {
      const next = this.queued[0] as { data: Buffer; fin: boolean };
      const room = this.host.flowControlled
        ? Math.min(this.sendWindow, this.host.sessionWindow)
        : Number.POSITIVE_INFINITY;
      if (next.data.length > 0 && room <= 0) return;
      const n = Math.min(next.data.length, room);
      const part = next.data.subarray(0, n);
      const rest = next.data.subarray(n);
      const fin = next.fin && rest.length === 0;
      this.sendWindow -= n;
      if (!this.host.sendData(this.id, part, fin)) this.socketFull = true;
      if (rest.length > 0) next.data = rest;
      else this.queued.shift();
      if (fin) this.sentFin();
    }
    if (this.queued.length === 0 && this.wantDrain && !this.socketFull) {
      this.wantDrain = false;
      this.onDrain();
    }
  }

  /** @internal */
  abort(): void {
    if (this.over) return;
    this.queued.length = 0;
    this.flushHeld();
    this.onReset(0);
    this.finish();
  }

  private send(data: Buffer, fin: boolean): boolean {
    if (this.over || this.localDone || this.queued.some((q) => q.fin)) return false;
    this.queued.push({ data, fin });
    this.flush();
    const waiting = this.queued.length > 0 || this.socketFull;
    if (waiting) this.wantDrain = true;
    return !waiting;
  }

  private sentFin(): void {
    this.localDone = true;
    if (this.remoteDone && !this.heldFin) this.finish();
  }

  private ack(n: number): void {
    this.unacked += n;
    // Reopen in chunks of at least half a window (fewer frames), or everything when resuming.
    if (this.unacked === 0) return;
    if (n === 0 || this.unacked >= this.recvWindow / 2) {
      this.host.sendWindowUpdate(this.id, this.unacked);
      this.unacked = 0;
    }
  }

  private finish(): void {
    if (this.over) return;
    this.over = true;
    this.host.closed(this.id);
    this.onClose();
  }
}
