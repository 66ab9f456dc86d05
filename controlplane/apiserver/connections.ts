/**
 * Connection-level behaviour the request handler cannot see: how a connection closes, and what
 * a client whose bytes Node's parser refuses gets back. Both follow Go's net/http, which
 * kube-apiserver runs on: a closing connection lingers so the last answer is not lost to a TCP
 * RST, and a request that cannot be parsed gets a 400 (431 for oversized headers, 408 for a
 * request too slow to arrive) after the answers still owed on that connection.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { rawErrorResponse } from './http-io.js';
import { ApiError } from './status.js';

/** How long a closing connection still reads (and drops) what the client sends: Go's rstAvoidanceDelay. */
const LINGER_MS = 500;

/**
 * Makes a connection close like Go's closeWriteAndWait instead of at once. Node destroys a
 * socket as soon as its last answer (`Connection: close`) is written (`destroySoon`); when the
 * client has sent more (a body still uploading, pipelined requests), the kernel finds unread
 * bytes and sends a TCP RST, and an RST can discard answers before the client reads them (the
 * fuzz test saw 401s, 413s and earlier pipelined answers vanish). So: FIN after the last
 * answer, drop whatever still arrives, destroy after LINGER_MS. Installed on every connection.
 */
export function lingerBeforeClose(socket: Socket): void {
  socket.destroySoon = () => closeAfterLinger(socket);
}

function closeAfterLinger(socket: Duplex): void {
  socket.end();
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/** Answers not yet finished, per connection. */
const owed = new WeakMap<Duplex, Set<ServerResponse>>();

/** Counts `res` as owed on its connection until it finishes or the connection closes. */
export function trackAnswer(socket: Duplex, res: ServerResponse): void {
  let set = owed.get(socket);
  if (!set) {
    set = new Set();
    owed.set(socket, set);
  }
  const answers = set;
  answers.add(res);
  const settle = (): void => {
    answers.delete(res);
  };
  res.once('finish', settle);
  res.once('close', settle);
}

const closing = new WeakSet<Duplex>();

/**
 * The server's `clientError` listener. Node's default writes a bare 400 and destroys the socket
 * at once (losing answers to earlier pipelined requests still being written, and risking the
 * RST above), or, when an answer is under way, destroys it with no answer at all. Here the
 * error is a Status, written once the answers still owed on the connection are done — or after
 * LINGER_MS, since the request whose body broke the parser will never finish — unless an answer
 * is then half written (nothing can follow it cleanly); the connection lingers before it closes.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (closing.has(socket)) return;
  closing.add(socket);
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const answers = owed.get(socket) ?? new Set<ServerResponse>();
  const started = Date.now();
  const attempt = (): void => {
    const halfWritten = [...answers].some((r) => r.headersSent);
    if (answers.size > 0 && Date.now() - started < LINGER_MS) {
      setTimeout(attempt, 10).unref();
      return;
    }
    if (!socket.writable || halfWritten) {
      socket.destroy();
      return;
    }
    socket.write(rawErrorResponse(parseError(err)));
    closeAfterLinger(socket);
  };
  attempt();
}

function parseError(err: Error & { code?: string }): ApiError {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new ApiError(431, 'RequestHeaderFieldsTooLarge', 'request header fields too large');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ApiError(408, 'Timeout', 'the request did not arrive in the time allotted');
    default:
      return new ApiError(400, 'BadRequest', `malformed HTTP request: ${err.code ?? err.message}`);
  }
}
