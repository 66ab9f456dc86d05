/** TtlCache on an injected clock: expiry, the size bound (oldest first), and 0 TTL not kept. */
import { expect, it } from 'vitest';
import { TtlCache } from './ttl-cache.js';

it('expires entries, drops the oldest when full, keeps nothing for a TTL of 0', () => {
  let now = 1000;
  const cache = new TtlCache<string>({ maxEntries: 2, now: () => now });
  cache.set('a', 'A', 100);
  cache.set('b', 'B', 300);
  expect(cache.get('a')).toBe('A');
  now += 100;
  expect(cache.get('a')).toBeUndefined();
  cache.set('c', 'C', 300);
  cache.set('d', 'D', 300);
  expect([cache.get('b'), cache.get('c'), cache.get('d')]).toEqual([undefined, 'C', 'D']);
  cache.set('e', 'E', 0);
  expect(cache.get('e')).toBeUndefined();
  expect(cache.get('c')).toBe('C');
});
