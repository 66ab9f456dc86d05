/**
 * Reading bodies and writing answers: a hard 3 MiB request limit (kube-apiserver's
 * MaxRequestBodyBytes, 413 beyond it), JSON, YAML or protobuf bodies, and every error as a Status.
 */
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { Json } from '../../lib/api/json.js';
import { decodeKubernetesProtobuf } from './protobuf.js';
import { ApiError, badRequest, toStatus } from './status.js';

/** kube-apiserver's default limit on request bodies: 3 MiB. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** Reads the whole body, refusing more than `limit` bytes with 413 (checked on Content-Length and while reading). */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const tooLarge = (): ApiError =>
    new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    // The client went away or broke the framing mid-body: its fault, not a bug of ours.
    const gone = (why: string): void => {
      if (failed) return;
      failed = true;
      chunks.length = 0;
      reject(badRequest(`the request body could not be read: ${why}`));
    };
    req.on('error', (err) => gone(err.message));
    req.on('close', () => {
      if (!req.complete) gone('the connection closed before the body ended');
    });
  });
}

/** Decodes a JSON, YAML (apply patches, YAML bodies) or Kubernetes protobuf body; a malformed one is 400. */
export function decodeBody(buf: Buffer, contentType: string | undefined): Json {
  const type = (contentType ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/vnd.kubernetes.protobuf') return decodeKubernetesProtobuf(buf);
  const text = buf.toString('utf8');
  if (text.trim() === '') return null;
  let value: Json;
  try {
    value = (type.endsWith('yaml') ? parseYaml(text) : JSON.parse(text)) as Json;
  } catch (err) {
    // YAML errors quote the input around the failure: keep the message short.
    const message = err instanceof Error ? err.message : String(err);
    throw badRequest(`error decoding body: ${message.slice(0, 300)}`);
  }
  checkDepth(value);
  return value;
}

/**
 * Deepest nesting of arrays and objects a body may have. JSON.parse reads any depth, but the
 * code after it (patches, defaulting, validation, JSON.stringify) recurses, and a 3 MiB body of
 * `[` overflowed its stack (a 500, found by the fuzz test). No Kubernetes object comes near.
 */
export const MAX_BODY_DEPTH = 1000;

/** 400 when `value` nests deeper than MAX_BODY_DEPTH (walked without recursion). */
function checkDepth(value: Json): void {
  const stack: [Json, number][] = [[value, 1]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [v, depth] = next;
    if (v === null || typeof v !== 'object') continue;
    if (depth > MAX_BODY_DEPTH) {
      throw badRequest(`error decoding body: nesting deeper than ${MAX_BODY_DEPTH} levels`);
    }
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child as Json, depth + 1]);
  }
}

/** Writes a JSON answer. */
export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  contentType = 'application/json',
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  const unread = bodyLeftUnread(res.req);
  res.writeHead(code, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    ...(unread ? { Connection: 'close' } : {}),
  });
  res.end(text);
}

/** Go's maxPostHandlerReadBytes: an unread body up to this size is drained to keep the connection. */
const DRAIN_BYTES = 256 * 1024;

/**
 * Whether the answer should close the connection because the request body is still arriving
 * and may be large (an early 401, a 413 mid-upload): chunked, or declared over 256 KiB. Node
 * drains a smaller unread body after the answer and keeps the connection, as Go's server does.
 * (`complete` alone does not tell: it is false for every answer written before the parser has
 * seen the end of the request, bodiless GETs included.)
 */
function bodyLeftUnread(req: IncomingMessage): boolean {
  if (req.complete) return false;
  if (req.headers['transfer-encoding'] !== undefined) return true;
  return Number(req.headers['content-length'] ?? '0') > DRAIN_BYTES;
}

/** Writes any error as a Kubernetes Status. */
export function sendError(res: ServerResponse, err: unknown): void {
  const { code, status } = toStatus(err);
  // A Status that says when to retry says it in the Retry-After header too (ErrorNegotiated).
  const retry = status.details?.retryAfterSeconds;
  if (retry !== undefined && retry > 0 && !res.headersSent) res.setHeader('Retry-After', String(retry));
  sendJson(res, code, status);
}

/**
 * A whole HTTP/1.1 answer carrying an error as a Status, for sockets Node hands over without a
 * ServerResponse (CONNECT); the connection closes after it.
 */
export function rawErrorResponse(err: unknown): string {
  const { code, status } = toStatus(err);
  const text = JSON.stringify(status);
  return (
    `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Error'}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`
  );
}
