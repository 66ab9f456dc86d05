/**
 * How the kubelet endpoint answers with an error: plain text, as upstream's kubelet does
 * (`http.Error` and go-restful's WriteError), on a normal response or — for an upgrade request
 * whose socket Node has handed over — written raw on the socket, which then closes.
 */
import { type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** An answer other than 2xx, with the text the client sees. */
export class HttpError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
  }
}

/** The status and text for any thrown value: HttpError as it is, anything else a 500. */
export function errorAnswer(err: unknown): { status: number; text: string } {
  if (err instanceof HttpError) return { status: err.status, text: err.message };
  return { status: 500, text: `internal error: ${err instanceof Error ? err.message : String(err)}` };
}

/** Answers `res` with plain text, unless an answer is already under way (then it is cut). */
export function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(text);
}

/** Writes a whole HTTP/1.1 answer on a raw socket and closes it. */
export function sendRawText(socket: Duplex, status: number, text: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = Buffer.from(text);
  socket.end(
    Buffer.concat([
      Buffer.from(
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
          'Content-Type: text/plain; charset=utf-8\r\n' +
          `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
      ),
      body,
    ]),
  );
  // A client that never reads must not hold the socket.
  setTimeout(() => socket.destroy(), 5000).unref();
}
