/**
 * The scheduler's active queue, ordered as kube-scheduler's default QueueSort plugin
 * (PrioritySort) orders it: higher `spec.priority` first, then the pod that entered the queue
 * first. A binary heap with lazy removal: `delete` forgets a key at once and its heap entry is
 * skipped when it surfaces, so every operation is O(log n).
 */

interface Entry {
  readonly key: string;
  readonly priority: number;
  /** Insertion order: the queue timestamp, without clock ties. */
  readonly seq: number;
}

/** Whether `a` comes out before `b`. */
function before(a: Entry, b: Entry): boolean {
  return a.priority !== b.priority ? a.priority > b.priority : a.seq < b.seq;
}

/** A deduplicated priority queue of pod keys. */
export class ActiveQueue {
  readonly #heap: Entry[] = [];
  /** Live keys → their current entry's seq (an entry with another seq is stale). */
  readonly #live = new Map<string, number>();
  #seq = 0;

  get size(): number {
    return this.#live.size;
  }

  has(key: string): boolean {
    return this.#live.has(key);
  }

  /** Adds a key unless it is already queued (it keeps its place). */
  add(key: string, priority: number): void {
    if (this.#live.has(key)) return;
    const entry = { key, priority, seq: this.#seq++ };
    this.#live.set(key, entry.seq);
    this.#heap.push(entry);
    this.#up(this.#heap.length - 1);
  }

  delete(key: string): void {
    this.#live.delete(key);
    // Keep the heap from filling with stale entries when most keys leave by `delete`.
    if (this.#heap.length > 64 && this.#heap.length > 4 * this.#live.size) this.#rebuild();
  }

  /** Takes the first key out, or undefined when empty. */
  pop(): string | undefined {
    while (this.#heap.length > 0) {
      const top = this.#heap[0] as Entry;
      const last = this.#heap.pop() as Entry;
      if (this.#heap.length > 0) {
        this.#heap[0] = last;
        this.#down(0);
      }
      if (this.#live.get(top.key) === top.seq) {
        this.#live.delete(top.key);
        return top.key;
      }
    }
    return undefined;
  }

  #rebuild(): void {
    const keep = this.#heap.filter((e) => this.#live.get(e.key) === e.seq);
    this.#heap.length = 0;
    for (const e of keep) {
      this.#heap.push(e);
      this.#up(this.#heap.length - 1);
    }
  }

  #up(i: number): void {
    const h = this.#heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i] as Entry, h[parent] as Entry)) return;
      [h[i], h[parent]] = [h[parent] as Entry, h[i] as Entry];
      i = parent;
    }
  }

  #down(i: number): void {
    const h = this.#heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < h.length && before(h[l] as Entry, h[best] as Entry)) best = l;
      if (r < h.length && before(h[r] as Entry, h[best] as Entry)) best = r;
      if (best === i) return;
      [h[i], h[best]] = [h[best] as Entry, h[i] as Entry];
      i = best;
    }
  }
}
