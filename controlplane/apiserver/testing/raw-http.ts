/**
 * A raw HTTP/1.1 client over TLS for tests that must send what Node's http client refuses to
 * (bad request lines, `//` paths, broken framing): bytes in, parsed responses out, in order, on
 * one keep-alive connection that may carry several requests at once (pipelining).
 */
import { connect, type TLSSocket } from 'node:tls';

/** One parsed response. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** What became of one request: its response, or the connection ended first (with the bytes seen). */
export type RawOutcome =
  | { readonly kind: 'response'; readonly response: RawResponse }
  | { readonly kind: 'closed'; readonly partial: string }
  | { readonly kind: 'timeout' };

/** A request to write: its bytes and whether its response can have a body (HEAD cannot). */
export interface RawRequest {
  readonly bytes: Buffer;
  readonly head?: boolean;
}

interface Pending {
  readonly head: boolean;
  readonly resolve: (o: RawOutcome) => void;
}

const CRLF2 = Buffer.from('\r\n\r\n');

/** One connection; `send` resolves in request order as responses arrive. */
export class RawConnection {
  readonly #socket: TLSSocket;
  readonly #pending: Pending[] = [];
  #buf: Buffer = Buffer.alloc(0);
  #closed = false;
  #closeAnnounced = false;
  #seen = '';
  #ticket: Buffer | undefined;
  /** Parsing state of the response being read. */
  #current: { status: number; headers: Record<string, string>; bodyStart: number } | undefined;

  private constructor(socket: TLSSocket) {
    this.#socket = socket;
    socket.on('data', (d: Buffer) => {
      if (this.#seen.length < 4096) this.#seen += d.subarray(0, 4096).toString('latin1');
      this.#buf = this.#buf.length === 0 ? d : Buffer.concat([this.#buf, d]);
      this.#parse();
    });
    socket.on('close', () => this.#onClose());
    // TLS 1.3 sends tickets after the handshake; getSession() right after it has none yet.
    socket.on('session', (ticket: Buffer) => {
      this.#ticket = ticket;
    });
    socket.on('error', () => undefined);
  }

  /** Opens a TLS connection to 127.0.0.1:`port` (server certificate not checked). */
  static open(port: number, session?: Buffer): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({
        host: '127.0.0.1',
        port,
        rejectUnauthorized: false,
        ...(session ? { session } : {}),
      });
      socket.once('secureConnect', () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** The latest TLS session ticket the server sent, for resuming on the next connection. */
  session(): Buffer | undefined {
    return this.#ticket;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether a response said `Connection: close` (requests pipelined behind it go unanswered). */
  get closeAnnounced(): boolean {
    return this.#closeAnnounced;
  }

  /** The status of the first final (non-1xx) answer seen so far, 0 before one: a stream's status. */
  get firstStatus(): number {
    for (const m of this.#seen.matchAll(/(?:^|\r\n)HTTP\/1\.[01] (\d{3}) /g)) {
      const code = Number(m[1]);
      if (code >= 200) return code;
    }
    return 0;
  }

  /**
   * Resolves once a final (non-1xx) status line has arrived — a stream has started, or an
   * answer is under way — or the connection has ended.
   */
  started(): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.firstStatus === 0 && !this.#closed) return;
        this.#socket.off('data', check);
        this.#socket.off('close', check);
        resolve();
      };
      this.#socket.on('data', check);
      this.#socket.on('close', check);
      check();
    });
  }

  /** Writes a request; resolves with its response or with `closed`. */
  send(req: RawRequest): Promise<RawOutcome> {
    return new Promise((resolve) => {
      if (this.#closed) {
        resolve({ kind: 'closed', partial: '' });
        return;
      }
      this.#pending.push({ head: req.head === true, resolve });
      this.#socket.write(req.bytes);
    });
  }

  /** Also hands every received chunk to `listener` (for streams that never end, like a watch). */
  onData(listener: (chunk: Buffer) => void): void {
    this.#socket.on('data', listener);
  }

  /** Writes bytes that are not a request of their own (the rest of a slow body, a streamed request). */
  write(bytes: Buffer): void {
    if (!this.#closed) this.#socket.write(bytes);
  }

  /** Closes the connection; unanswered requests resolve `closed`. */
  close(): void {
    this.#socket.destroy();
  }

  #onClose(): void {
    this.#closed = true;
    // A response delimited by the end of the connection (no length, not chunked) ends here.
    const cur = this.#current;
    const first = this.#pending[0];
    if (cur && first && cur.headers['content-length'] === undefined && !isChunked(cur.headers)) {
      this.#pending.shift();
      first.resolve({
        kind: 'response',
        response: { status: cur.status, headers: cur.headers, body: this.#buf.subarray(cur.bodyStart) },
      });
      this.#current = undefined;
    }
    const partial = this.#buf.subarray(0, 200).toString('latin1');
    for (const p of this.#pending.splice(0)) p.resolve({ kind: 'closed', partial });
  }

  #parse(): void {
    for (;;) {
      if (!this.#current) {
        const end = this.#buf.indexOf(CRLF2);
        if (end < 0) return;
        const lines = this.#buf.subarray(0, end).toString('latin1').split('\r\n');
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
        if (!m) {
          this.#socket.destroy();
          return;
        }
        const headers: Record<string, string> = {};
        for (const l of lines.slice(1)) {
          const i = l.indexOf(':');
          if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
        }
        this.#current = { status: Number(m[1]), headers, bodyStart: end + 4 };
        if ((headers.connection ?? '').toLowerCase() === 'close') this.#closeAnnounced = true;
      }
      const cur = this.#current;
      const first = this.#pending[0];
      let bodyEnd: number | undefined;
      let body: Buffer = Buffer.alloc(0);
      if (cur.status < 200) {
        // 100 Continue and other interim answers: skip, the real one follows.
        this.#buf = this.#buf.subarray(cur.bodyStart);
        this.#current = undefined;
        continue;
      }
      if (first?.head || cur.status === 204 || cur.status === 304) {
        bodyEnd = cur.bodyStart;
      } else if (isChunked(cur.headers)) {
        const r = dechunk(this.#buf, cur.bodyStart);
        if (!r) return;
        bodyEnd = r.end;
        body = r.body;
      } else if (cur.headers['content-length'] !== undefined) {
        const n = Number(cur.headers['content-length']);
        if (this.#buf.length < cur.bodyStart + n) return;
        bodyEnd = cur.bodyStart + n;
        body = this.#buf.subarray(cur.bodyStart, bodyEnd);
      } else {
        return; // ends with the connection
      }
      this.#buf = this.#buf.subarray(bodyEnd);
      this.#current = undefined;
      this.#pending.shift()?.resolve({
        kind: 'response',
        response: { status: cur.status, headers: cur.headers, body: Buffer.from(body) },
      });
    }
  }
}

function isChunked(headers: Readonly<Record<string, string>>): boolean {
  return (headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked');
}

/** A complete chunked body starting at `start`, or undefined while more bytes are needed. */
function dechunk(buf: Buffer, start: number): { body: Buffer; end: number } | undefined {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = Number.parseInt(buf.subarray(at, eol).toString('latin1'), 16);
    if (size === 0) {
      const end = buf.indexOf('\r\n', eol + 2);
      return end < 0 ? undefined : { body: Buffer.concat(parts), end: end + 2 };
    }
    if (buf.length < eol + 2 + size + 2) return undefined;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/** Sends one request on a fresh connection and closes it; `timeout` when no answer came in `timeoutMs`. */
export async function rawRequest(
  port: number,
  bytes: string | Buffer,
  options: { readonly head?: boolean; readonly timeoutMs?: number } = {},
): Promise<RawOutcome> {
  const conn = await RawConnection.open(port);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      conn.send({
        bytes: typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes,
        head: options.head === true,
      }),
      new Promise<RawOutcome>((resolve) => {
        timer = setTimeout(() => resolve({ kind: 'timeout' }), options.timeoutMs ?? 5000);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    conn.close();
  }
}
