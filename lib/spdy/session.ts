/**
 * A SPDY/3.1 session over an upgraded socket, client or server role, as Kubernetes uses it
 * (moby/spdystream): streams opened with SYN_STREAM (odd ids from the client, even from the
 * server), accepted with SYN_REPLY or refused with RST_STREAM, data with FIN half-close,
 * PING answered, SETTINGS read, GOAWAY to stop new streams; zlib contexts in `headers.ts`.
 *
 * Flow control (§2.6.8, session window in 3.1): moby/spdystream — containerd, the kubelet,
 * kubectl — neither sends WINDOW_UPDATE nor honours windows, so windows are kept both ways only
 * once the peer shows it keeps them (WINDOW_UPDATE, or the SETTINGS this side sends first);
 * against spdystream, TCP backpressure does it: a paused stream pauses the socket.
 *
 * Bounds: a frame over `maxFrameBytes`, a header block inflating beyond `maxHeaderBytes`, or
 * more than `maxStreams` open streams from the peer; parsed frames waiting for a header block
 * to inflate pause the socket. A violation sends GOAWAY (PROTOCOL_ERROR) and ends the session
 * through `onClose(error)`; nothing throws.
 */
import type { Duplex } from 'node:stream';
import {
  decodeSettings,
  encodeData,
  encodeGoAway,
  encodePing,
  encodeRstStream,
  encodeSettings,
  encodeStreamHeaders,
  encodeSynStream,
  encodeWindowUpdate,
  Flag,
  FrameParser,
  FrameType,
  GoAwayStatus,
  type RawFrame,
  RstStatus,
  SettingId,
  SpdyFrameError,
  VERSION,
} from './frames.js';
import { HeaderCompressor, HeaderDecompressor } from './headers.js';
import { DEFAULT_WINDOW, SpdyStream, type StreamHost } from './stream.js';
import { FrameWriter } from './writer.js';

/** Options of a session. */
export interface SpdySessionOptions {
  readonly role: 'client' | 'server';
  /** Largest frame accepted (default 1 MiB; spdystream writes what one read gave it, ≤ 32 KiB in practice). */
  readonly maxFrameBytes?: number;
  /** Largest decompressed header block (default 64 KiB). */
  readonly maxHeaderBytes?: number;
  /** Most streams the peer may have open at once (default 100); more are refused. */
  readonly maxStreams?: number;
  /** Bytes read past the upgrade's headers, parsed first. */
  readonly head?: Buffer;
}

/** Parsed frames held while a header block inflates before the socket is paused. */
const MAX_INBOX = 64;

function record(m: ReadonlyMap<string, string>): Record<string, string> {
  return Object.fromEntries(m);
}

function headerMap(h: Readonly<Record<string, string>>): Map<string, string> {
  return new Map(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

/** One session. */
export class SpdySession {
  /** The peer opened a stream: `reply()` to accept it, `reset()` to refuse. */
  onStream: (stream: SpdyStream) => void = (s) => s.reset(RstStatus.refusedStream);
  /** The peer sent GOAWAY: no new streams from this side. */
  onGoAway: (status: number) => void = () => undefined;
  /** The session ended (once): `error` for a protocol violation, undefined for a clean end. */
  onClose: (error?: Error) => void = () => undefined;

  private readonly parser: FrameParser;
  private readonly deflate = new HeaderCompressor();
  private readonly inflate: HeaderDecompressor;
  private readonly streams = new Map<number, SpdyStream>();
  private readonly inbox: RawFrame[] = [];
  private draining = false;
  private socketClosed = false;
  private readonly writer: FrameWriter;
  private nextId: number;
  private nextPing: number;
  private lastPeerId = 0;
  private readonly pings = new Map<number, () => void>();
  private goneAway = false;
  private peerGoneAway = false;
  private over = false;
  private flowControlled = false;
  private peerWindow = DEFAULT_WINDOW;
  private sessionSendWindow = DEFAULT_WINDOW;
  private sessionUnacked = 0;
  private readonly host: StreamHost;

  constructor(
    private readonly socket: Duplex,
    private readonly options: SpdySessionOptions,
  ) {
    this.parser = new FrameParser(options.maxFrameBytes ?? 1024 * 1024);
    this.writer = new FrameWriter(socket);
    this.writer.onError = (err) => this.fail(err);
    // Frames queued behind a header block made writers wait; unless the socket is full, go on.
    this.writer.onFlushed = (full) => {
      if (!full) for (const s of [...this.streams.values()]) s.drained();
    };
    this.inflate = new HeaderDecompressor(options.maxHeaderBytes ?? 64 * 1024);
    this.nextId = options.role === 'client' ? 1 : 2;
    this.nextPing = options.role === 'client' ? 1 : 2;
    const session = this;
    this.host = {
      get flowControlled() {
        return session.flowControlled;
      },
      get sessionWindow() {
        return session.sessionSendWindow;
      },
      sendData: (id, data, fin) => this.sendData(id, data, fin),
      sendReply: (id, headers) => {
        this.enqueue(
          this.deflate
            .compress(headerMap(headers))
            .then((b) => encodeStreamHeaders(FrameType.synReply, id, b)),
        );
      },
      sendReset: (id, status) => this.enqueue(encodeRstStream(id, status)),
      // A peer that never showed flow control (spdystream) ignores these; writing to it while it
      // closes would only risk a reset that drops what we have not read yet.
      sendWindowUpdate: (id, delta) => {
        if (this.flowControlled) this.enqueue(encodeWindowUpdate(id, delta));
      },
      pausedChanged: () => this.updateReading(),
      closed: (id) => this.streams.delete(id),
    };
    socket.on('error', () => undefined);
    socket.on('data', (b: Buffer) => this.receive(b));
    socket.on('drain', () => {
      for (const s of [...this.streams.values()]) s.drained();
    });
    socket.on('end', () => socket.end());
    socket.on('close', () => {
      // Frames read before the close still count: the session ends once they are handled.
      this.socketClosed = true;
      if (!this.draining) this.finished(undefined);
    });
    // Announce our window: a peer like this one then keeps windows both ways (spdystream ignores it).
    this.enqueue(encodeSettings(new Map([[SettingId.initialWindowSize, DEFAULT_WINDOW]])));
    if (options.head && options.head.length > 0) {
      const head = options.head;
      queueMicrotask(() => this.receive(head));
    }
    // An upgrade leaves the socket paused (the head was read by hand).
    socket.resume();
  }

  /** Whether the session still runs. */
  get open(): boolean {
    return !this.over;
  }
  /** Opens a stream with these headers (names are sent lower-cased). */
  openStream(headers: Readonly<Record<string, string>>, o: { fin?: boolean } = {}): SpdyStream {
    const id = this.nextId;
    this.nextId += 2;
    const stream = new SpdyStream(this.host, id, headers, {
      replied: true,
      sendWindow: this.peerWindow,
      recvWindow: DEFAULT_WINDOW,
    });
    if (this.over || this.peerGoneAway || this.goneAway) {
      queueMicrotask(() => stream.abort());
      return stream;
    }
    this.streams.set(id, stream);
    this.enqueue(
      this.deflate
        .compress(headerMap(headers))
        .then((b) => encodeSynStream({ streamId: id, flags: o.fin ? Flag.fin : 0 }, b)),
    );
    return stream;
  }

  /** Sends a PING; resolves with the round trip in ms when its answer comes. */
  ping(): Promise<number> {
    const id = this.nextPing;
    this.nextPing = (this.nextPing + 2) % 0x7fffffff || (this.options.role === 'client' ? 1 : 2);
    const started = Date.now();
    return new Promise((resolve) => {
      this.pings.set(id, () => resolve(Date.now() - started));
      this.enqueue(encodePing(id));
    });
  }

  /** Sends GOAWAY: the peer opens no more streams; open ones go on. */
  goAway(status: number = GoAwayStatus.ok): void {
    if (this.goneAway || this.over) return;
    this.goneAway = true;
    this.enqueue(encodeGoAway(this.lastPeerId, status));
  }

  /** GOAWAY, then the socket is ended once what is queued is written. */
  close(): void {
    if (this.over) return;
    this.goAway();
    this.writer.afterSent(() => this.socket.end());
  }

  /** Ends at once. */
  destroy(): void {
    this.socket.destroy();
    this.finished(undefined);
  }

  // ---- output ----

  private sendData(id: number, data: Buffer, fin: boolean): boolean {
    if (this.flowControlled) this.sessionSendWindow -= data.length;
    return this.enqueue(encodeData(id, data, fin));
  }

  private enqueue(frame: Buffer | Promise<Buffer>): boolean {
    return this.over ? false : this.writer.send(frame);
  }

  // ---- input ----

  private receive(bytes: Buffer): void {
    if (this.over) return;
    let frames: RawFrame[];
    try {
      frames = this.parser.push(bytes);
    } catch (err) {
      this.fail(err);
      return;
    }
    this.inbox.push(...frames);
    this.updateReading();
    if (!this.draining) void this.drain();
  }

  private updateReading(): void {
    if (this.over) return;
    const hold = this.inbox.length >= MAX_INBOX || [...this.streams.values()].some((s) => s.overfull);
    if (hold) this.socket.pause();
    else this.socket.resume();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.inbox.length > 0 && !this.over) {
        const f = this.inbox.shift() as RawFrame;
        if (f.kind === 'data') this.handleData(f.streamId, f.flags, f.data);
        else await this.handleControl(f.type, f.flags, f.version, f.payload);
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.draining = false;
    }
    if (this.socketClosed) this.finished(undefined);
    else this.updateReading();
  }

  private handleData(id: number, flags: number, data: Buffer): void {
    const stream = this.streams.get(id);
    if (!stream) {
      if (id !== 0) this.enqueue(encodeRstStream(id, RstStatus.invalidStream));
      return;
    }
    this.sessionUnacked += data.length;
    if (this.sessionUnacked >= DEFAULT_WINDOW / 2) {
      if (this.flowControlled) this.enqueue(encodeWindowUpdate(0, this.sessionUnacked));
      this.sessionUnacked = 0;
    }
    stream.receiveData(data, (flags & Flag.fin) !== 0);
  }

  private async handleControl(type: number, flags: number, version: number, p: Buffer): Promise<void> {
    if (version !== VERSION) throw new SpdyFrameError(`unsupported SPDY version ${version}`);
    const need = (n: number): void => {
      if (p.length < n) throw new SpdyFrameError(`control frame ${type} is ${p.length} bytes, needs ${n}`);
    };
    const fin = (flags & Flag.fin) !== 0;
    switch (type) {
      case FrameType.synStream: {
        need(10);
        const id = p.readUInt32BE(0) & 0x7fffffff;
        const headers = await this.inflate.decompress(p.subarray(10));
        this.peerStream(id, record(headers), fin);
        return;
      }
      case FrameType.synReply:
      case FrameType.headers: {
        need(4);
        const id = p.readUInt32BE(0) & 0x7fffffff;
        const headers = await this.inflate.decompress(p.subarray(4));
        const stream = this.streams.get(id);
        if (stream && type === FrameType.synReply) stream.receiveReply(record(headers), fin);
        else if (stream && fin) stream.receiveFin();
        return;
      }
      case FrameType.rstStream: {
        need(8);
        this.streams.get(p.readUInt32BE(0) & 0x7fffffff)?.receiveReset(p.readUInt32BE(4));
        return;
      }
      case FrameType.settings: {
        const value = decodeSettings(p).get(SettingId.initialWindowSize);
        if (value === undefined) return;
        if (value > 0x7fffffff) throw new SpdyFrameError(`initial window ${value} too large`);
        const delta = value - this.peerWindow;
        this.peerWindow = value;
        this.flowControlled = true;
        for (const s of this.streams.values()) s.grow(delta);
        return;
      }
      case FrameType.ping: {
        need(4);
        const id = p.readUInt32BE(0);
        const mine = id % 2 === (this.options.role === 'client' ? 1 : 0);
        if (mine) {
          this.pings.get(id)?.();
          this.pings.delete(id);
        } else this.enqueue(encodePing(id));
        return;
      }
      case FrameType.goAway: {
        need(4);
        this.peerGoneAway = true;
        this.onGoAway(p.length >= 8 ? p.readUInt32BE(4) : 0);
        return;
      }
      case FrameType.windowUpdate: {
        need(8);
        const id = p.readUInt32BE(0) & 0x7fffffff;
        const delta = p.readUInt32BE(4) & 0x7fffffff;
        if (delta === 0) throw new SpdyFrameError('WINDOW_UPDATE with a zero delta');
        this.flowControlled = true;
        if (id === 0) {
          this.sessionSendWindow += delta;
          for (const s of this.streams.values()) s.flush();
        } else this.streams.get(id)?.grow(delta);
        return;
      }
      default:
        // §2.2.1: unknown control frames are ignored.
        return;
    }
  }

  private peerStream(id: number, headers: Record<string, string>, fin: boolean): void {
    const peerParity = this.options.role === 'client' ? 0 : 1;
    if (id === 0 || id % 2 !== peerParity || id <= this.lastPeerId)
      throw new SpdyFrameError(`SYN_STREAM with invalid stream id ${id}`);
    this.lastPeerId = id;
    if (this.goneAway) {
      this.enqueue(encodeRstStream(id, RstStatus.refusedStream));
      return;
    }
    const open = [...this.streams.keys()].filter((k) => k % 2 === peerParity).length;
    if (open >= (this.options.maxStreams ?? 100)) {
      this.enqueue(encodeRstStream(id, RstStatus.refusedStream));
      return;
    }
    const stream = new SpdyStream(this.host, id, headers, {
      replied: false,
      sendWindow: this.peerWindow,
      recvWindow: DEFAULT_WINDOW,
    });
    this.streams.set(id, stream);
    if (fin) stream.receiveFin();
    this.onStream(stream);
  }

  // ---- the end ----

  private fail(err: unknown): void {
    if (this.over) return;
    const error = err instanceof Error ? err : new Error(String(err));
    if (this.socket.writable) this.socket.write(encodeGoAway(this.lastPeerId, GoAwayStatus.protocolError));
    this.socket.end();
    this.socket.resume();
    this.finished(error);
  }

  private finished(error: Error | undefined): void {
    if (this.over) return;
    this.over = true;
    this.inbox.length = 0;
    this.writer.stop();
    for (const s of [...this.streams.values()]) s.abort();
    this.streams.clear();
    for (const resolve of this.pings.values()) resolve();
    this.pings.clear();
    this.deflate.close();
    this.inflate.close();
    this.onClose(error);
  }
}
