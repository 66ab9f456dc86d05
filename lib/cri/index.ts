/**
 * CRI v1 (runtime.v1) client: RuntimeService and ImageService over a runtime's unix socket,
 * typed requests and responses, per-call deadlines, and one error class with the gRPC code.
 */
export {
  CRI_PROTO_FILE,
  type CriCallOptions,
  CriClient,
  type CriClientOptions,
  CriError,
  criProtoPath,
  DEFAULT_CRI_TIMEOUT_MS,
  isCriNotFound,
  isCriUnavailable,
} from './client.js';
export type * from './types.js';
