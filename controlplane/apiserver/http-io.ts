/**
 * Reading bodies and writing answers: a hard 3 MiB request limit (kube-apiserver's
 * MaxRequestBodyBytes, 413 beyond it), JSON, YAML or protobuf bodies, and every error as a Status.
 */
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { Json } from './patch.js';
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
        reject(tooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!failed) reject(err);
    });
  });
}

/** Decodes a JSON, YAML (apply patches, YAML bodies) or Kubernetes protobuf body; a malformed one is 400. */
export function decodeBody(buf: Buffer, contentType: string | undefined): Json {
  const type = (contentType ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/vnd.kubernetes.protobuf') return decodeKubernetesProtobuf(buf);
  const text = buf.toString('utf8');
  if (text.trim() === '') return null;
  try {
    if (type.endsWith('yaml')) return parseYaml(text) as Json;
    return JSON.parse(text) as Json;
  } catch (err) {
    throw badRequest(`error decoding body: ${err instanceof Error ? err.message : String(err)}`);
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
  res.writeHead(code, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    // A body not read through (an early 401, a 413 mid-upload) closes the connection after the
    // answer, as Go's server does, rather than reading whatever the client still sends.
    ...(res.req.complete ? {} : { Connection: 'close' }),
  });
  res.end(text);
}

/** Writes any error as a Kubernetes Status. */
export function sendError(res: ServerResponse, err: unknown): void {
  const { code, status } = toStatus(err);
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
