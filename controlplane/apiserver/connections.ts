/**
 * Connection-level behaviour the request handler cannot see: how a connection closes, what
 * a client whose bytes Node's parser refuses gets back, and when a `100 Continue` goes out.
 * They follow Go's net/http, which kube-apiserver runs on: a closing connection lingers so the
 * last answer is not lost to a TCP RST, a request that cannot be parsed gets a 400 (431 for
 * oversized headers, 408 for a request too slow to arrive) after the answers still owed on that
 * connection, and every byte of an answer, interim ones included, goes out in request order.
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

/**
 * The server's `checkContinue` listener, before the request listeners (`emit('request')`): the
 * `100 Continue` a request with `Expect: 100-continue` is owed goes out when its answer's turn
 * on the connection comes. Node's default writes it at once; for a request pipelined behind an
 * unfinished answer that means into the response's buffer, and when that response's body is a
 * Buffer (`/openapi/v2`), Node puts the response's headers ahead of what it buffered — the 100
 * then lands between the headers and the body, and every later answer on the connection is
 * misframed (the fuzz test saw its answers shifted by those 25 bytes). So: written at once when
 * the response owns the socket, else when it gets it, and not at all if its final answer is
 * ready by then (a client that sent the expectation accepts a final status instead, RFC 9110
 * §10.1.1; Node then closes the connection after that answer, as the client may not have sent
 * the body).
 */
export function continueInTurn(res: ServerResponse): void {
  if (res.socket) {
    res.writeContinue();
    return;
  }
  res.once('socket', () => {
    if (!res.headersSent) res.writeContinue();
  });
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
