/**
 * The one paged scan of a key prefix: pages of the store's list, each starting after the last
 * key seen, until the store says there is no more. LIST pages by the client's limit; the
 * collector and the event sweeper read whole prefixes 500 keys at a time.
 */
import type { KeyValue, ListResult, Store } from '../../store/index.js';

/** Page size of whole-prefix scans. */
const SCAN_PAGE = 500;

/** Where a scan starts and how large each page is. */
export interface ScanOptions {
  /** Start strictly after this key (a continue token's position). */
  readonly after?: string;
  /** The size of the next page (0 or undefined: no limit), asked before each page. */
  readonly pageSize?: () => number | undefined;
}

/** The store's pages under `prefix`, in key order; the last one has `more` false. */
export async function* scanPages(
  store: Store,
  prefix: string,
  options: ScanOptions = {},
): AsyncGenerator<ListResult> {
  let after = options.after;
  for (;;) {
    const limit = options.pageSize?.();
    const page = await store.list(prefix, {
      ...(limit ? { limit } : {}),
      ...(after !== undefined ? { after } : {}),
    });
    yield page;
    if (!page.more) return;
    after = page.items.at(-1)?.key ?? after;
  }
}

/** Every key under `prefix`, read in pages of 500. */
export async function* scan(store: Store, prefix: string): AsyncGenerator<KeyValue> {
  for await (const page of scanPages(store, prefix, { pageSize: () => SCAN_PAGE })) yield* page.items;
}
