import { describe, expect, it } from 'vitest';
import { ErrorCode, invalid, SwitchyardError } from '../errors/index.js';
import { Backoff } from './backoff.js';
import { ApiError, isConflict, isGone, isInvalid, isNotFound, statusFromResponse } from './errors.js';
import { LineSplitter } from './ndjson.js';
import { IndexedStore } from './store.js';
import { parseWatchEvent } from './watch.js';

describe('LineSplitter', () => {
  it('reassembles lines split at every possible byte boundary, including inside UTF-8', () => {
    const events = [
      { type: 'ADDED', object: { metadata: { name: 'grüße-✓' } } },
      { type: 'BOOKMARK', object: { metadata: { resourceVersion: '7' } } },
    ];
    const wire = Buffer.from(events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    for (let cut = 1; cut < wire.length; cut++) {
      const s = new LineSplitter();
      const lines = [...s.push(wire.subarray(0, cut)), ...s.push(wire.subarray(cut))];
      expect(lines.map((l) => JSON.parse(l))).toEqual(events);
      expect(s.end()).toBeUndefined();
    }
  });

  it('drops blank lines, returns an unterminated tail at end, and bounds line length', () => {
    const s = new LineSplitter(16);
    expect(s.push(Buffer.from('\n\n{"a":1}\n{"b"'))).toEqual(['{"a":1}']);
    expect(s.end()).toBe('{"b"');
    expect(() => s.push(Buffer.from('x'.repeat(17)))).toThrow(/line longer than 16 bytes/);
    const t = new LineSplitter(16);
    t.push(Buffer.from('x'.repeat(10)));
    expect(() => t.push(Buffer.from('y'.repeat(10)))).toThrow(/line longer than 16 bytes/);
  });

  it('rejects malformed events clearly', () => {
    expect(() => parseWatchEvent('{nope')).toThrow(/not valid JSON/);
    expect(() => parseWatchEvent('{"type":"WHAT","object":{}}')).toThrow(/no valid "type"/);
    expect(() => parseWatchEvent('{"type":"ADDED"}')).toThrow(/ADDED event has no "object"/);
  });
});

describe('Backoff', () => {
  it('grows exponentially with jitter, is capped, and resets', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5, random: () => 0.5 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([125, 250, 500, 1000, 1000]);
    b.reset();
    expect(b.next()).toBe(125);
    expect(() => new Backoff({ initialMs: 0 })).toThrow(/^backoff\.initialMs: must be > 0/);
  });
});

describe('IndexedStore', () => {
  it('keeps secondary indexes in step with upserts and removes', () => {
    const s = new IndexedStore<{ node: string; tags: string[] }>({
      node: (o) => [o.node],
      tag: (o) => o.tags,
    });
    s.upsert('a', { node: 'n1', tags: ['x', 'y'] }, '1');
    s.upsert('b', { node: 'n1', tags: ['y'] }, '2');
    expect(s.byIndex('node', 'n1')).toHaveLength(2);
    s.upsert('a', { node: 'n2', tags: [] }, '3');
    expect(s.byIndex('node', 'n1')).toEqual([{ node: 'n1', tags: ['y'] }]);
    expect(s.indexValues('tag')).toEqual(['y']);
    expect(s.versionOf('a')).toBe('3');
    s.remove('b');
    expect(s.indexValues('node')).toEqual(['n2']);
    expect(() => s.byIndex('nope', 'x')).toThrow(/index "nope" is not defined/);
  });
});

describe('API errors', () => {
  it('decodes a Status body and keeps causes', () => {
    const status = statusFromResponse(
      422,
      JSON.stringify({
        kind: 'Status',
        status: 'Failure',
        reason: 'Invalid',
        code: 422,
        message: 'Pod "x" is invalid',
        details: { causes: [{ field: 'spec.containers', message: 'Required value' }] },
      }),
    );
    const err = new ApiError({ status, method: 'POST', path: '/api/v1/namespaces/d/pods' });
    expect(err.code).toBe(ErrorCode.Api);
    expect(err.message).toBe('POST /api/v1/namespaces/d/pods: Pod "x" is invalid (422 Invalid)');
    expect(err.causes).toEqual([{ field: 'spec.containers', message: 'Required value' }]);
    expect(isInvalid(err)).toBe(true);
    expect(isConflict(err)).toBe(false);
  });

  it('synthesises a Status from a non-Status body and maps 410 to isGone', () => {
    const gone = new ApiError({ status: statusFromResponse(410, 'gone'), method: 'GET', path: '/x' });
    expect(gone.reason).toBe('Gone');
    expect(isGone(gone)).toBe(true);
    const expired = new ApiError({
      status: { kind: 'Status', code: 410, reason: 'Expired' },
      method: 'GET',
      path: '/x',
    });
    expect(isGone(expired)).toBe(true);
  });

  it('the predicates also accept the shared coded errors', () => {
    expect(isNotFound(new SwitchyardError(ErrorCode.NotFound, 'x'))).toBe(true);
    expect(isInvalid(invalid('f', 'bad'))).toBe(true);
    expect(isGone(new Error('x'))).toBe(false);
  });
});
