import { describe, expect, it } from 'vitest';
import type { EndpointSlice } from '../../lib/api/index.js';
import { EndpointSliceTracker } from './endpointslice-tracker.js';

const slice = (name: string, generation: number): EndpointSlice => ({
  metadata: { name, namespace: 'ns', generation },
  addressType: 'IPv4',
  endpoints: [],
});

describe('EndpointSliceTracker', () => {
  it('a created slice missing from the cache makes it stale until it appears', () => {
    const t = new EndpointSliceTracker(() => 0);
    t.written('ns/svc', slice('svc-a', 1));
    expect(t.isStale('ns/svc', [])).toBe(true);
    expect(t.isStale('ns/svc', [slice('svc-a', 1)])).toBe(false);
    // Met expectations are dropped: the slice may now change or go without the cache being stale.
    expect(t.isStale('ns/svc', [])).toBe(false);
  });

  it('an update is met only by the written generation or a later one', () => {
    const t = new EndpointSliceTracker(() => 0);
    t.written('ns/svc', slice('svc-a', 3));
    expect(t.isStale('ns/svc', [slice('svc-a', 2)])).toBe(true);
    expect(t.isStale('ns/svc', [slice('svc-a', 4)])).toBe(false);
  });

  it('a deleted slice still cached is stale; other Services are unaffected', () => {
    const t = new EndpointSliceTracker(() => 0);
    t.deleted('ns/svc', 'svc-a');
    expect(t.isStale('ns/svc', [slice('svc-a', 1)])).toBe(true);
    expect(t.isStale('ns/other', [])).toBe(false);
    expect(t.isStale('ns/svc', [])).toBe(false);
  });

  it('gives up on an expectation after its time-to-live, and forgets a Service', () => {
    let now = 0;
    const t = new EndpointSliceTracker(() => now);
    t.written('ns/svc', slice('svc-a', 1));
    now = 29_000;
    expect(t.isStale('ns/svc', [])).toBe(true);
    now = 31_000;
    expect(t.isStale('ns/svc', [])).toBe(false);
    t.written('ns/svc', slice('svc-b', 1));
    t.forget('ns/svc');
    expect(t.isStale('ns/svc', [])).toBe(false);
  });
});
