/**
 * The kubelets' Summaries as metrics.k8s.io reads them: one fetch per node at a time, kept for a
 * short while (default 10 s, about metrics-server's scrape period) so a burst of `kubectl top`
 * calls costs each kubelet one request, and bounded by a time-out per node (default 5 s) so one
 * dead kubelet cannot hold up the others. A node whose fetch failed has no usage until the next
 * one (metrics-server leaves such nodes out too). `window` is the time between this Summary and
 * the previous one fetched from the node — the span the kubelet's CPU rate covers when this
 * server is its caller — or the kubelet's fresh 1 s when there was none within its longest window.
 */
import type { Json } from '../../../lib/api/json.js';
import { type SummaryUsage, summaryUsage } from './convert.js';

/** A node's usage and the window it was measured over. */
export interface NodeSummary {
  readonly usage: SummaryUsage;
  readonly windowMs: number;
}

/**
 * Our kubelet's rate windows (controlplane/kubelet/stats): its first Summary, and one after a
 * gap longer than the longest window, rates CPU over 1 s read afresh; otherwise over the time
 * since its previous Summary.
 */
export const FIRST_WINDOW_MS = 1000;
export const MAX_WINDOW_MS = 60_000;

/** What the cache needs. */
export interface SummaryCacheOptions {
  /** GETs `/stats/summary` from the node's kubelet. */
  readonly fetch: (node: string) => Promise<Json>;
  readonly ttlMs?: number;
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

interface Entry {
  readonly at: number;
  readonly result: Promise<NodeSummary | undefined>;
}

function nodeTime(u: SummaryUsage | undefined): number | undefined {
  const t = u?.node ? Date.parse(u.node.time) : Number.NaN;
  return Number.isNaN(t) ? undefined : t;
}

/** Per-node Summaries with a time-to-live and a time-out. */
export class SummaryCache {
  readonly #o: SummaryCacheOptions;
  readonly #entries = new Map<string, Entry>();
  /** The last good usage per node, for the next window. */
  readonly #last = new Map<string, SummaryUsage>();

  constructor(o: SummaryCacheOptions) {
    this.#o = o;
  }

  /** The node's usage, fresh within the TTL; undefined when its kubelet did not answer. */
  get(node: string): Promise<NodeSummary | undefined> {
    const now = (this.#o.now ?? Date.now)();
    const entry = this.#entries.get(node);
    if (entry && now - entry.at < (this.#o.ttlMs ?? 10_000)) return entry.result;
    const result = this.#fetch(node);
    this.#entries.set(node, { at: now, result });
    return result;
  }

  /** Forgets nodes not in `names` (deleted nodes). */
  retain(names: ReadonlySet<string>): void {
    for (const key of [...this.#entries.keys()]) {
      if (names.has(key)) continue;
      this.#entries.delete(key);
      this.#last.delete(key);
    }
  }

  async #fetch(node: string): Promise<NodeSummary | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.#o.timeoutMs ?? 5000);
    });
    try {
      const body = await Promise.race([this.#o.fetch(node), timeout]);
      if (body === undefined) return undefined;
      const usage = summaryUsage(body);
      const before = nodeTime(this.#last.get(node));
      const at = nodeTime(usage);
      this.#last.set(node, usage);
      const gap = before !== undefined && at !== undefined ? at - before : 0;
      const windowMs = gap > 0 && gap <= MAX_WINDOW_MS ? gap : FIRST_WINDOW_MS;
      return { usage, windowMs };
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
