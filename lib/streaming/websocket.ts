/**
 * One RFC 6455 connection over an upgraded socket (server or client side; the handshake is in
 * `handshake.ts`, the framing in `frames.ts`): messages out and in, ping/pong, the closing
 * handshake, and its bounds — a message size (1009 beyond it), an idle time-out (1001 when
 * nothing arrives, pings keeping a healthy peer talking) and a close time-out (the socket is
 * destroyed when the peer never finishes the closing handshake). A peer's protocol violation
 * closes with the code of the violation. `send` returns the socket's backpressure verdict and
 * `onDrain` says when to go on; `pause`/`resume` stop and restart reading.
 */
import type { Duplex } from 'node:stream';
import { CloseCode, closePayload, encodeFrame, FrameError, FrameParser, Opcode } from './frames.js';

/** Options of a connection. */
export interface WebSocketOptions {
  /** `server` expects masked frames and sends unmasked ones; `client` the other way round. */
  readonly role: 'server' | 'client';
  /** The subprotocol the handshake agreed on ('' for none). */
  readonly protocol?: string;
  /** Largest message accepted (default 16 MiB); a larger one closes with 1009. */
  readonly maxMessageBytes?: number;
  /** Closes with 1001 when nothing arrives for this long (default: never). */
  readonly idleTimeoutMs?: number;
  /** Sends a ping this often (default: never). */
  readonly pingIntervalMs?: number;
  /** How long the closing handshake may take before the socket is destroyed (default 5 s). */
  readonly closeTimeoutMs?: number;
  /** Bytes read past the handshake, parsed first. */
  readonly head?: Buffer;
}

/** How a connection ended: the peer's close code (1005 if it gave none, 1006 without a close frame). */
export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
  /** Whether this side sent its close frame first. */
  readonly initiatedHere: boolean;
}

const DEFAULT_MAX_MESSAGE = 16 * 1024 * 1024;

/** One WebSocket connection. */
export class WebSocket {
  /** A whole message arrived. */
  onMessage: (data: Buffer, binary: boolean) => void = () => undefined;
  /** The connection is over (once). */
  onClose: (info: CloseInfo) => void = () => undefined;
  /** The socket's write buffer drained after `send` returned false. */
  onDrain: () => void = () => undefined;
  /** A pong arrived. */
  onPong: (data: Buffer) => void = () => undefined;

  readonly protocol: string;
  private readonly parser: FrameParser;
  private state: 'open' | 'closing' | 'closed' = 'open';
  private sentClose = false;
  private initiated = false;
  private failure: { code: number; reason: string } | undefined;
  private received: { code: number; reason: string } | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  private tick: NodeJS.Timeout | undefined;
  private lastReceived = Date.now();
  private readonly mask: boolean;

  constructor(
    private readonly socket: Duplex,
    private readonly options: WebSocketOptions,
  ) {
    this.protocol = options.protocol ?? '';
    this.mask = options.role === 'client';
    this.parser = new FrameParser(options.role === 'server', options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE);
    socket.on('error', () => undefined);
    socket.on('data', (b: Buffer) => this.receive(b));
    socket.on('drain', () => this.onDrain());
    socket.on('end', () => {
      // The peer finished writing: after its close frame that is the end; before it, abnormal.
      if (this.options.role === 'client' || this.received) socket.end();
      else this.destroy();
    });
    socket.on('close', () => this.finished());
    const period = Math.min(options.pingIntervalMs ?? Infinity, (options.idleTimeoutMs ?? Infinity) / 2);
    if (Number.isFinite(period)) {
      this.tick = setInterval(() => this.onTick(), Math.max(10, period));
      this.tick.unref();
    }
    if (options.head && options.head.length > 0) {
      const head = options.head;
      queueMicrotask(() => this.receive(head));
    }
  }

  /** Whether messages may still be sent. */
  get open(): boolean {
    return this.state === 'open';
  }

  /** Sends one message; false when the socket's buffer is full (wait for `onDrain`). Ignored once closing. */
  send(data: Buffer | string, binary = true): boolean {
    if (this.state !== 'open') return false;
    const payload = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    return this.socket.write(encodeFrame(binary ? Opcode.binary : Opcode.text, payload, { mask: this.mask }));
  }

  /** Sends a ping (payload at most 125 bytes). */
  ping(data: Buffer = Buffer.alloc(0)): void {
    if (this.state !== 'open') return;
    this.socket.write(encodeFrame(Opcode.ping, data.subarray(0, 125), { mask: this.mask }));
  }

  /** Starts the closing handshake; the socket is destroyed if the peer does not answer in time. */
  close(code: number = CloseCode.normal, reason = ''): void {
    if (this.state === 'closed') return;
    this.sendClose(code, reason);
  }

  /** Stops reading from the socket (backpressure towards the peer). */
  pause(): void {
    this.socket.pause();
  }

  /** Reads again after `pause`. */
  resume(): void {
    this.socket.resume();
  }

  /** Ends the connection at once, without a closing handshake. */
  destroy(): void {
    this.socket.destroy();
  }

  private sendClose(code: number, reason: string): void {
    if (this.sentClose) return;
    this.sentClose = true;
    this.initiated = this.received === undefined;
    if (this.state === 'open') this.state = 'closing';
    if (this.socket.writable)
      this.socket.write(encodeFrame(Opcode.close, closePayload(code, reason), { mask: this.mask }));
    this.closeTimer = setTimeout(() => this.socket.destroy(), this.options.closeTimeoutMs ?? 5000);
    this.closeTimer.unref();
    // The server closes the TCP connection first once both close frames are through (§7.1.1).
    if (this.received && this.options.role === 'server') this.socket.end();
  }

  private receive(bytes: Buffer): void {
    if (this.state === 'closed' || this.received || this.failure) return;
    this.lastReceived = Date.now();
    let frames: ReturnType<FrameParser['push']>;
    try {
      frames = this.parser.push(bytes);
    } catch (err) {
      const e = err instanceof FrameError ? err : new FrameError(CloseCode.internalError, String(err));
      // Failing the connection (§7.1.7): our close frame, then the TCP close; nothing more is read.
      // What still arrives is read and dropped, so the peer's FIN is seen and the socket closes.
      this.failure = { code: e.code, reason: e.message };
      this.socket.resume();
      this.sendClose(e.code, e.message);
      this.socket.end();
      return;
    }
    for (const f of frames) {
      if ((this.state as string) === 'closed' || this.received) return;
      if (f.type === 'message') {
        if (this.state === 'open') this.onMessage(f.data, f.binary);
      } else if (f.type === 'ping') {
        if (this.state === 'open') this.socket.write(encodeFrame(Opcode.pong, f.data, { mask: this.mask }));
      } else if (f.type === 'pong') {
        this.onPong(f.data);
      } else if (f.type === 'close') {
        this.received = { code: f.code, reason: f.reason };
        if (this.sentClose) {
          if (this.options.role === 'server') this.socket.end();
        } else this.sendClose(f.code === CloseCode.noStatus ? CloseCode.noStatus : f.code, '');
      }
    }
  }

  private onTick(): void {
    if (this.state !== 'open') return;
    const idle = this.options.idleTimeoutMs;
    if (idle !== undefined && Date.now() - this.lastReceived > idle) {
      this.sendClose(CloseCode.goingAway, 'idle time-out');
      return;
    }
    if (this.options.pingIntervalMs !== undefined) this.ping();
  }

  private finished(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.closeTimer);
    clearInterval(this.tick);
    const got = this.received ?? this.failure ?? { code: CloseCode.abnormal, reason: '' };
    this.onClose({ ...got, initiatedHere: this.initiated });
  }
}
