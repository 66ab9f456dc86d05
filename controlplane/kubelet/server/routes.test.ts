/**
 * The pure parts of the endpoint: the authorization attributes of a request (upstream's
 * GetRequestAttributes), the routes and their checked queries, and which container a log
 * request reads (upstream's validateContainerLogStatus over CRI's containers).
 */
import { describe, expect, it } from 'vitest';
import { forbiddenText, requestAttributes, subjectAccessReview } from './attributes.js';
import { HttpError } from './respond.js';
import { route } from './routes.js';
import { type ContainerCandidate, selectLogContainer } from './targets.js';

describe('requestAttributes', () => {
  it.each([
    ['GET', '/stats/summary', 'get', 'stats'],
    ['GET', '/stats', 'get', 'stats'],
    ['GET', '/statsx', 'get', 'proxy'],
    ['GET', '/metrics/resource', 'get', 'metrics'],
    ['GET', '/metrics', 'get', 'metrics'],
    ['GET', '/metricsfoo', 'get', 'proxy'],
    ['GET', '/logs/syslog', 'get', 'log'],
    ['GET', '/containerLogs/ns/p/c', 'get', 'proxy'],
    ['POST', '/exec/ns/p/c', 'create', 'proxy'],
    ['GET', '/exec/ns/p/c', 'get', 'proxy'],
    ['POST', '/portForward/ns/p', 'create', 'proxy'],
    ['GET', '/attach/ns/p/c', 'get', 'proxy'],
    ['GET', '/pods', 'get', 'proxy'],
    ['GET', '/healthz', 'get', 'proxy'],
    ['PUT', '/run/ns/p/c', 'update', 'proxy'],
    ['PATCH', '/x', 'patch', 'proxy'],
    ['DELETE', '/x', 'delete', 'proxy'],
    ['HEAD', '/healthz', '', 'proxy'],
    ['GET', '/exec/../stats/summary', 'get', 'stats'],
    ['GET', '//stats//summary', 'get', 'stats'],
    ['GET', '/checkpoint/ns/p/c', 'get', 'checkpoint'],
  ])('%s %s → %s nodes/%s', (method, path, verb, subresource) => {
    expect(requestAttributes(method, path, 'node-1')).toMatchObject({
      verb,
      resource: 'nodes',
      subresource,
      name: 'node-1',
    });
  });

  it('words a 403 as upstream and asks the review with the node’s attributes', () => {
    const user = { name: 'jane', groups: ['dev'] };
    const a = requestAttributes('POST', '/exec/ns/p/c', 'node-1');
    expect(forbiddenText(user, a)).toBe(
      'Forbidden (user=jane, verb=create, resource=nodes, subresource=proxy)',
    );
    expect(subjectAccessReview(user, a)).toEqual({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        resourceAttributes: {
          namespace: '',
          verb: 'create',
          group: '',
          version: 'v1',
          resource: 'nodes',
          subresource: 'proxy',
          name: 'node-1',
        },
        user: 'jane',
        groups: ['dev'],
      },
    });
  });
});

describe('route', () => {
  it.each([
    ['GET', '/healthz', { kind: 'healthz' }],
    ['POST', '/healthz', { kind: 'method-not-allowed' }],
    ['GET', '/stats/summary', { kind: 'stats-summary' }],
    ['GET', '/pods', { kind: 'pods' }],
    ['GET', '/pods/x', { kind: 'not-found' }],
    ['GET', '/stats/container', { kind: 'not-found' }],
    ['GET', '/metrics/resource', { kind: 'metrics-resource' }],
    ['GET', '/nothing', { kind: 'not-found' }],
    ['GET', '/containerLogs/ns/p', { kind: 'not-found' }],
    ['GET', '/containerLogs/ns/p/%E0%A4%A', { kind: 'not-found' }],
    [
      'GET',
      '/containerLogs/ns/p/c?follow=true&previous=1&timestamps=true&tailLines=5&sinceTime=2026-12-05T18:00:00Z&limitBytes=10',
      {
        kind: 'container-logs',
        ref: { namespace: 'ns', pod: 'p' },
        container: 'c',
        query: {
          follow: true,
          previous: true,
          timestamps: true,
          tailLines: 5,
          sinceTimeNs: 1796493600000000000n,
          limitBytes: 10,
        },
      },
    ],
    [
      'GET',
      '/containerLogs/ns/p/c?sinceSeconds=30&follow=false',
      {
        kind: 'container-logs',
        ref: { namespace: 'ns', pod: 'p' },
        container: 'c',
        query: { follow: false, previous: false, timestamps: false, sinceSeconds: 30 },
      },
    ],
    [
      'GET',
      '/containerLogs/ns/p/c?tailLines=-1',
      { kind: 'bad-request', message: 'tailLines: must be non-negative, got -1' },
    ],
    [
      'GET',
      '/containerLogs/ns/p/c?limitBytes=0',
      { kind: 'bad-request', message: 'limitBytes: must be positive, got 0' },
    ],
    [
      'GET',
      '/containerLogs/ns/p/c?tailLines=x',
      { kind: 'bad-request', message: 'tailLines: not an integer: "x"' },
    ],
    [
      'GET',
      '/containerLogs/ns/p/c?sinceTime=yesterday',
      { kind: 'bad-request', message: 'sinceTime: not an RFC 3339 time: "yesterday"' },
    ],
    [
      'GET',
      '/containerLogs/ns/p/c?sinceTime=2026-12-05T18:00:00Z&sinceSeconds=3',
      { kind: 'bad-request', message: 'at most one of sinceTime or sinceSeconds may be specified' },
    ],
    [
      'GET',
      '/exec/ns/p/c?command=sh&command=-c&command=echo%20hi&input=1&output=1&error=1',
      {
        kind: 'exec',
        ref: { namespace: 'ns', pod: 'p' },
        container: 'c',
        command: ['sh', '-c', 'echo hi'],
        stdin: true,
        stdout: true,
        stderr: true,
        tty: false,
      },
    ],
    [
      'POST',
      '/exec/ns/p/uid-1/c?command=ls&stdin=true&stdout=true&stderr=true&tty=true',
      {
        kind: 'exec',
        ref: { namespace: 'ns', pod: 'p', uid: 'uid-1' },
        container: 'c',
        command: ['ls'],
        stdin: true,
        stdout: true,
        stderr: false,
        tty: true,
      },
    ],
    [
      'GET',
      '/attach/ns/p/c?output=1',
      {
        kind: 'attach',
        ref: { namespace: 'ns', pod: 'p' },
        container: 'c',
        command: [],
        stdin: false,
        stdout: true,
        stderr: false,
        tty: false,
      },
    ],
    [
      'GET',
      '/exec/ns/p/c?command=ls',
      { kind: 'bad-request', message: 'you must specify at least 1 of stdin, stdout, stderr' },
    ],
    [
      'GET',
      '/exec/ns/p/c?output=1',
      { kind: 'bad-request', message: 'command: at least one argument is required' },
    ],
    ['PUT', '/exec/ns/p/c?output=1', { kind: 'method-not-allowed' }],
    ['GET', '/exec/ns/p', { kind: 'not-found' }],
    ['POST', '/portForward/ns/p', { kind: 'port-forward', ref: { namespace: 'ns', pod: 'p' }, ports: [] }],
    [
      'GET',
      '/portForward/ns/p/uid-1?port=80,443&port=8080',
      { kind: 'port-forward', ref: { namespace: 'ns', pod: 'p', uid: 'uid-1' }, ports: [80, 443, 8080] },
    ],
    ['GET', '/portForward/ns/p?port=0', { kind: 'bad-request', message: 'port: must be 1–65535, got "0"' }],
    [
      'GET',
      '/portForward/ns/p?port=http',
      { kind: 'bad-request', message: 'port: must be 1–65535, got "http"' },
    ],
  ])('%s %s', (method, url, want) => {
    expect(route(method, url)).toEqual(want);
  });

  it('survives any target', () => {
    for (const url of [
      '',
      '*',
      '//',
      '/%',
      '/exec/%2F/%2F/%2F?command',
      'http://x/healthz',
      '/containerLogs/a/b/c?tailLines=1e9',
    ]) {
      expect(() => route('GET', url)).not.toThrow();
    }
  });
});

describe('selectLogContainer', () => {
  const c = (id: string, state: ContainerCandidate['state'], attempt: number): ContainerCandidate => ({
    id,
    state,
    attempt,
    createdAt: String(1_000_000_000n * BigInt(attempt + 1)),
  });
  const pick = (list: ContainerCandidate[], previous: boolean): string => {
    try {
      return selectLogContainer(list, { pod: 'p', container: 'c', previous }).id;
    } catch (err: unknown) {
      return err instanceof HttpError ? `${err.status} ${err.message}` : String(err);
    }
  };
  it.each<[string, ContainerCandidate[], string, string]>([
    [
      'running',
      [c('a', 'CONTAINER_RUNNING', 0)],
      'a',
      '400 previous terminated container "c" in pod "p" not found',
    ],
    ['restarted once', [c('a', 'CONTAINER_EXITED', 0), c('b', 'CONTAINER_RUNNING', 1)], 'b', 'a'],
    ['in back-off after a crash', [c('b', 'CONTAINER_EXITED', 1)], 'b', 'b'],
    ['created, not started yet', [c('a', 'CONTAINER_EXITED', 0), c('b', 'CONTAINER_CREATED', 1)], 'a', 'a'],
    [
      'never ran',
      [c('a', 'CONTAINER_CREATED', 0)],
      '400 container "c" in pod "p" is waiting to start: ContainerCreating',
      '400 previous terminated container "c" in pod "p" not found',
    ],
    ['two dead, newest first', [c('a', 'CONTAINER_EXITED', 0), c('b', 'CONTAINER_EXITED', 1)], 'b', 'b'],
  ])('%s', (_name, list, current, previous) => {
    expect(pick(list, false)).toBe(current);
    expect(pick(list, true)).toBe(previous);
  });
});
