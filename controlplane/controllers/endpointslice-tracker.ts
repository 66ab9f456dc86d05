/**
 * What the EndpointSlice controller has written and its informer has not shown yet (the
 * EndpointSliceTracker of pkg/controller/endpointslice). Planning from a cache that lacks a
 * slice we just created would create a second one for the same endpoints, so a Service whose
 * cache is behind our own writes waits until it catches up. Writes are compared by
 * `metadata.generation` (which every change of endpoints or ports bumps), never by
 * resourceVersion, which clients must treat as opaque.
 */
import type { EndpointSlice } from '../../lib/api/index.js';

/** How long an expectation may go unmet before it is dropped (a relist can skip an add+delete). */
const EXPECTATION_TTL_MS = 30_000;

interface Expectation {
  /** The generation written, or 'deleted'. */
  readonly generation: number | 'deleted';
  readonly at: number;
}

/** Per Service key, per slice name: what the cache must show before the Service is planned again. */
export class EndpointSliceTracker {
  readonly #byService = new Map<string, Map<string, Expectation>>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Records a slice this controller created or updated (the server's answer). */
  written(serviceKey: string, slice: EndpointSlice): void {
    const name = slice.metadata.name;
    if (!name) return;
    this.#set(serviceKey, name, { generation: slice.metadata.generation ?? 1, at: this.#now() });
  }

  /** Records a slice this controller deleted. */
  deleted(serviceKey: string, name: string): void {
    this.#set(serviceKey, name, { generation: 'deleted', at: this.#now() });
  }

  /** Forgets a Service (it was deleted). */
  forget(serviceKey: string): void {
    this.#byService.delete(serviceKey);
  }

  /**
   * True when `cached` (the informer's slices of the Service) does not yet reflect every write
   * recorded for it. Expectations the cache meets are dropped as they are checked.
   */
  isStale(serviceKey: string, cached: readonly EndpointSlice[]): boolean {
    const expected = this.#byService.get(serviceKey);
    if (!expected) return false;
    const byName = new Map(cached.map((s) => [s.metadata.name ?? '', s]));
    const now = this.#now();
    let stale = false;
    for (const [name, want] of expected) {
      const have = byName.get(name);
      const met =
        want.generation === 'deleted'
          ? have === undefined
          : have !== undefined && (have.metadata.generation ?? 1) >= want.generation;
      if (met || now - want.at > EXPECTATION_TTL_MS) expected.delete(name);
      else stale = true;
    }
    if (expected.size === 0) this.#byService.delete(serviceKey);
    return stale;
  }

  #set(serviceKey: string, name: string, e: Expectation): void {
    let m = this.#byService.get(serviceKey);
    if (!m) {
      m = new Map();
      this.#byService.set(serviceKey, m);
    }
    m.set(name, e);
  }
}
