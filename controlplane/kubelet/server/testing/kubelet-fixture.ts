/**
 * Helpers for the kubelet endpoint's tests: client certificates issued by the API server's CA
 * with `openssl` (any CN and O), an HTTPS caller that presents a certificate or a token (or
 * nothing) and can send an upgrade request, and streaming handlers that record the target the
 * server resolved and answer an HTTP error (the real bridges have their own tests).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { PortForwardTarget, RemoteCommandTarget } from '../types.js';

/** openssl's chatter stays out of the test output. */
const QUIET = { stdio: 'pipe' } as const;

/** A client certificate and its key, PEM. */
export interface ClientPair {
  readonly cert: string;
  readonly key: string;
}

/** Issues a client certificate `/O=…/CN=…` signed by `ca` into `dir`. */
export function issueClientCert(
  ca: { readonly cert: string; readonly key: string },
  dir: string,
  subject: { readonly cn: string; readonly o?: readonly string[] },
): ClientPair {
  const base = join(dir, `client-${subject.cn.replace(/[^a-z0-9-]/gi, '_')}`);
  const subj = `${(subject.o ?? []).map((o) => `/O=${o}`).join('')}/CN=${subject.cn}`;
  execFileSync(
    'openssl',
    ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${base}.key`],
    QUIET,
  );
  execFileSync(
    'openssl',
    ['req', '-new', '-key', `${base}.key`, '-subj', subj, '-out', `${base}.csr`],
    QUIET,
  );
  execFileSync(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      `${base}.csr`,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-CAcreateserial',
      '-days',
      '1',
      '-out',
      `${base}.crt`,
    ],
    QUIET,
  );
  return { cert: readFileSync(`${base}.crt`, 'utf8'), key: readFileSync(`${base}.key`, 'utf8') };
}

/** A self-signed pair no CA of the test trusts. */
export function selfSignedCert(dir: string, cn: string): ClientPair {
  const base = join(dir, `self-${cn}`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/O=system:masters/CN=${cn}`,
      '-keyout',
      `${base}.key`,
      '-out',
      `${base}.crt`,
    ],
    QUIET,
  );
  return { cert: readFileSync(`${base}.crt`, 'utf8'), key: readFileSync(`${base}.key`, 'utf8') };
}

/** Who the caller is. */
export type Caller = ClientPair | { readonly token: string } | 'anonymous';

/** An answer from the kubelet. */
export interface KubeletAnswer {
  readonly status: number;
  readonly text: string;
}

/** Options of `callKubelet`. */
export interface CallOptions {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Resolve at the response headers with the live response (streams). */
  readonly onResponse?: (res: IncomingMessage) => void;
}

/** One request to the kubelet on 127.0.0.1:`port`; upgrades resolve with the status line the server wrote. */
export function callKubelet(
  port: number,
  path: string,
  as: Caller,
  o: CallOptions = {},
): Promise<KubeletAnswer> {
  const headers: Record<string, string> = { ...o.headers };
  if (typeof as === 'object' && 'token' in as) headers.Authorization = `Bearer ${as.token}`;
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path,
      method: o.method ?? 'GET',
      headers,
      rejectUnauthorized: false,
      agent: false,
      ...(typeof as === 'object' && 'cert' in as ? { cert: as.cert, key: as.key } : {}),
    });
    req.on('error', reject);
    req.on('upgrade', (res: IncomingMessage, socket: Duplex) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, text: '' });
    });
    req.on('response', (res) => {
      if (o.onResponse) {
        o.onResponse(res);
        resolve({ status: res.statusCode ?? 0, text: '' });
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.end();
  });
}

/** The headers of a SPDY upgrade, as the API server (or kubectl) sends them. */
export const SPDY_UPGRADE: Readonly<Record<string, string>> = {
  Connection: 'Upgrade',
  Upgrade: 'SPDY/3.1',
  'X-Stream-Protocol-Version': 'v4.channel.k8s.io',
};

/** Streaming handlers that record what they were given and answer 501. */
export function recordingHandlers(): {
  readonly commands: RemoteCommandTarget[];
  readonly forwards: PortForwardTarget[];
  remoteCommand(req: IncomingMessage, socket: Duplex, head: Buffer, t: RemoteCommandTarget): Promise<void>;
  portForward(req: IncomingMessage, socket: Duplex, head: Buffer, t: PortForwardTarget): Promise<void>;
} {
  const commands: RemoteCommandTarget[] = [];
  const forwards: PortForwardTarget[] = [];
  const answer = (socket: Duplex): void => {
    socket.end('HTTP/1.1 501 Not Implemented\r\nContent-Length: 8\r\nConnection: close\r\n\r\nrecorded');
  };
  return {
    commands,
    forwards,
    async remoteCommand(_req, socket, _head, t) {
      commands.push(t);
      answer(socket);
    },
    async portForward(_req, socket, _head, t) {
      forwards.push(t);
      answer(socket);
    },
  };
}
