/**
 * The verbs of the API server's storage as an interface (`RestStorage` in rest.ts implements
 * it): what in-process writers call — bootstrap, the Priority and PodDisruptionBudget helpers,
 * APIService availability. Modules the registry itself imports (their defaults) type against
 * this, never against rest.ts, so no import turns back into the registry. Types only.
 */

import type { Json, JsonObject } from '../../../lib/api/json.js';
import type { WatchHandle } from '../../store/index.js';
import type { PatchType } from '../apply-patch.js';
import type { ResourceInfo } from '../resources.js';
import type {
  AdmissionRequest,
  DeleteOptions,
  DeleteResult,
  ListQuery,
  WatchSink,
  WriteOptions,
} from './types.js';

/** The Kubernetes verbs over every resource type. */
export interface ResourceStorage {
  get(info: ResourceInfo, namespace: string | undefined, name: string): Promise<JsonObject>;
  list(info: ResourceInfo, namespace: string | undefined, q?: ListQuery): Promise<JsonObject>;
  create(
    info: ResourceInfo,
    namespace: string | undefined,
    input: Json,
    options?: WriteOptions,
  ): Promise<JsonObject>;
  update(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    input: Json,
    subresource?: 'status' | 'finalize',
    options?: WriteOptions,
  ): Promise<JsonObject>;
  patch(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    body: Json,
    subresource?: 'status',
    options?: WriteOptions,
  ): Promise<JsonObject>;
  delete(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    options?: DeleteOptions,
  ): Promise<DeleteResult>;
  watch(
    info: ResourceInfo,
    namespace: string | undefined,
    q: ListQuery,
    sink: WatchSink,
  ): Promise<WatchHandle>;
  /** Admission of a request answered outside the generic verbs (a subresource create such as pods/eviction). */
  admit(info: ResourceInfo, request: Omit<AdmissionRequest, 'info'>): Promise<void>;
}
