import { describe, expect, it } from 'vitest';
import { compareKeys, durableList, fetchCount } from './durable-view.js';
import type { KeyValue } from './types.js';

const kv = (key: string, rev: number): KeyValue => ({
  key,
  value: key,
  modRevision: rev,
  createRevision: rev,
});

describe('durable view', () => {
  it('orders keys as SQLite does (UTF-8 bytes), also past U+FFFF', () => {
    const keys = ['/a', '/b', '/a/', '/\u{E000}', '/\u{1F600}', '/\u{FFFD}', '/z', '/'];
    const bytes = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...keys].sort(compareKeys)).toEqual(bytes);
  });

  it('hides keys the pending batch created and restores those it changed or deleted', () => {
    // SQLite now holds a (changed at 5), c (created at 6); b was deleted at 7.
    const rows = [kv('/p/a', 5), kv('/p/c', 6), kv('/p/d', 2)];
    const pending = new Map([
      ['/p/a', kv('/p/a', 1)],
      ['/p/b', kv('/p/b', 3)],
      ['/p/c', undefined],
    ]);
    expect(durableList(rows, -1, pending, '/p/', '', -1)).toEqual({
      items: [kv('/p/a', 1), kv('/p/b', 3), kv('/p/d', 2)],
      more: false,
    });
  });

  it('keeps a page full when hidden keys are taken out, and never restores past the fetched rows', () => {
    const pending = new Map([
      ['/p/a', undefined],
      ['/p/b', undefined],
      ['/p/z', kv('/p/z', 1)],
    ]);
    const fetched = fetchCount(2, pending);
    expect(fetched).toBe(6);
    // SQLite returned a full fetch: more rows follow, so /p/z (past /p/f) waits for its page.
    const rows = ['/p/a', '/p/b', '/p/c', '/p/d', '/p/e', '/p/f'].map((k, i) => kv(k, i + 10));
    expect(durableList(rows, fetched, pending, '/p/', '', 2)).toEqual({
      items: [kv('/p/c', 12), kv('/p/d', 13)],
      more: true,
    });
    expect(durableList([kv('/p/f', 15)], fetched, pending, '/p/', '/p/e', 2)).toEqual({
      items: [kv('/p/f', 15), kv('/p/z', 1)],
      more: false,
    });
  });
});
