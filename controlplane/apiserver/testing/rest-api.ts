/**
 * The server the REST API tests (api*.test.ts) run against: bookmarks every 150 ms, a NodePort
 * range of ten ports (so exhaustion is reachable) and a 1 MiB watch buffer (so a watcher that
 * does not read is cut off quickly).
 */
import type { ApiServerOptions } from '../server.js';

/** Options for `useTestServer({ server: REST_API_SERVER })`. */
export const REST_API_SERVER: Partial<ApiServerOptions> = {
  bookmarkIntervalMs: 150,
  nodePortRange: [30000, 30009],
  watchBufferBytes: 1024 * 1024,
};
