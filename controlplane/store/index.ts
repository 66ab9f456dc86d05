/** The API server's storage: one interface, backends behind it. */
export { conflict, expired, isConflict, isExpired, StoreError, type StoreFailure } from './errors.js';
export { type EtcdStoreOptions, openEtcdStore } from './etcd.js';
export { openSqliteStore, prefixEnd, type SqliteStoreOptions, type SyncFile } from './sqlite.js';
export type {
  KeyValue,
  ListOptions,
  ListResult,
  Store,
  StoreEvent,
  WatchCallbacks,
  WatchHandle,
} from './types.js';
export { type WatchCacheOptions, withWatchCache } from './watch-cache.js';
