/**
 * Requests a client library never sends: raw request lines with bad methods, targets, versions or bytes, and framing hazards (conflicting lengths, bad chunks, short or huge bodies).
 */

import { mutateBytes } from './mutators.js';
import { anyPath } from './paths.js';
import type { Rng } from './rng.js';
import { guard, mayTouchProtected, structured } from './structured.js';
import type { FuzzRequest, FuzzTarget } from './types.js';

/** Request lines no client library sends: bad methods, targets, versions, bytes. */
export function rawLine(rng: Rng, target: FuzzTarget): FuzzRequest {
  const method = rng.pick([
    'GET',
    'POST',
    'get',
    'G ET',
    'BREW',
    'PRI',
    'CONNECT',
    'TRACE',
    'M-SEARCH',
    '',
    'GET\t',
    'X'.repeat(50),
  ]);
  const path = rng.pick([
    '//',
    '//[',
    '//x:99999',
    '//x:99999/api/v1/pods',
    '//[::1',
    '//user@host/version',
    'http://x:99999/version',
    'http://[/x',
    'https://apiserver/api/v1/namespaces',
    '*',
    'version',
    '/api/v1/namespaces/%zz/pods',
    `/${'a/'.repeat(rng.int(8000))}`,
    `/api/v1/pods?${'a=1&'.repeat(rng.int(4000))}`,
    '/\u00e9',
    '/a b',
    '/\u0000',
    '/%00',
    '/api/v1/namespaces/default/pods/%ff%fe',
    anyPath(rng, target),
  ]);
  const version = rng.pick([
    'HTTP/1.1',
    'HTTP/1.1',
    'HTTP/1.0',
    'HTTP/2.0',
    'HTTP/1.2',
    'HTTP/9',
    'http/1.1',
    '',
    'HTTP/1.1 extra',
  ]);
  const sep = rng.pick([' ', ' ', '  ', '\t']);
  let line: Buffer = Buffer.from([method, path, version].filter((x) => x !== '').join(sep), 'utf8');
  if (rng.chance(0.2)) line = mutateBytes(rng, line);
  const admin =
    rng.chance(0.3) &&
    !mayTouchProtected(method.trim().toUpperCase(), path, target.protectedNamespace) &&
    !line.toString('latin1').includes(target.protectedNamespace);
  const headers = ['Host: x', ...(admin ? [`Authorization: Bearer ${target.adminToken}`] : [])];
  if (rng.chance(0.2))
    headers.push(
      rng.pick([
        'X: \u0000',
        'Bad Header: x',
        ': x',
        'X:',
        `X-Long: ${'a'.repeat(20_000)}`,
        'Host: y',
        'Content-Length: -1',
        'Content-Length: 1e3',
        'Transfer-Encoding: gzip',
      ]),
    );
  const bytes = Buffer.concat([
    line,
    Buffer.from(`\r\n${headers.join('\r\n')}\r\nConnection: close\r\n\r\n`, 'latin1'),
  ]);
  return {
    bytes,
    head: method === 'HEAD',
    solo: true,
    // A request whose line Node cannot parse is answered 400 by Node; one that parses is ours.
    // Either way something must come back, except where the framing leaves a body owed.
    mustAnswer: !headers.some((h) => /^(Content-Length: 1e3|Transfer-Encoding: gzip)$/.test(h)),
    streaming: asksForWatch(line.toString('latin1')),
    admin,
    label: `raw ${JSON.stringify(line.subarray(0, 120).toString('latin1'))}`,
  };
}

/** Framing that a server must refuse or bound: conflicting lengths, bad chunks, short or huge bodies. */
export function framing(rng: Rng, target: FuzzTarget): FuzzRequest {
  const p = guard(structured(rng, target, false), target);
  if (p.method === 'GET' || p.method === 'HEAD') p.method = 'POST';
  // Node answers nothing to a framing error after its automatic 100 Continue (it answers only
  // while no bytes of any answer went out); leave Expect out so each case tests the server.
  p.headers = p.headers.filter(([k]) => k !== 'Expect');
  const body = p.body ?? Buffer.from('{"metadata":{"name":"f1"}}');
  const head = [`${p.method} ${p.path}${p.query} HTTP/1.1`, ...p.headers.map(([k, v]) => `${k}: ${v}`)];
  const out = (extra: string[], rest: Buffer, mustAnswer: boolean, streamBody?: number): FuzzRequest => ({
    bytes: Buffer.concat([Buffer.from(`${[...head, ...extra].join('\r\n')}\r\n\r\n`, 'latin1'), rest]),
    head: false,
    solo: true,
    mustAnswer,
    streaming: false,
    admin: p.admin,
    label: `framing(${extra.join('|').slice(0, 60)}) ${p.admin ? 'admin ' : ''}${p.method} ${p.path.slice(0, 100)}`,
    ...(streamBody !== undefined ? { streamBody } : {}),
  });
  switch (rng.int(9)) {
    case 0:
      return out([`Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`], body, true);
    case 1:
      return out([`Content-Length: ${body.length}`, 'Transfer-Encoding: chunked'], body, true);
    case 2:
      return out(
        ['Transfer-Encoding: chunked'],
        Buffer.from(`zz\r\n${body.toString('latin1')}\r\n0\r\n\r\n`, 'latin1'),
        true,
      );
    case 3:
      return out(['Transfer-Encoding: chunked'], Buffer.from(`ffffffffffffffffff\r\nx\r\n`, 'latin1'), true);
    case 4:
      // A body shorter than declared: the server may wait for the rest (until its request timeout).
      return out([`Content-Length: ${body.length + 100}`], body, false);
    case 5:
      return out(
        [
          `Content-Length: ${rng.pick(['3145729', '1000000000000', '9007199254740993', '99999999999999999999'])}`,
        ],
        Buffer.alloc(0),
        true,
      );
    case 6:
      // A chunked body past 3 MiB, streamed until the server answers.
      return out(['Transfer-Encoding: chunked'], Buffer.alloc(0), true, 3 * 1024 * 1024 + 64 * 1024);
    case 7:
      return out(['Transfer-Encoding: chunked, identity'], body, true);
    default:
      return out(
        ['Transfer-Encoding: chunked'],
        Buffer.from(
          `${body.length.toString(16)};ext=1\r\n${body.toString('latin1')}\r\n0\r\nTrailer: x\r\n\r\n`,
          'latin1',
        ),
        true,
      );
  }
}

/** Whether a target asks for a watch: a `watch` parameter (any value: the sender cannot know which the server takes) or a `/watch/` path. */
export function asksForWatch(target: string): boolean {
  return /[?&;]watch=/.test(target) || /\/watch\//.test(target);
}
