/**
 * A typed CRI v1 client: RuntimeService and ImageService over one gRPC channel to a runtime's
 * unix socket (containerd's `grpc.address`). The protocol comes from cri-api.proto beside this
 * file, loaded once on first use; every call has a deadline, and every failure is a `CriError`
 * carrying the gRPC status code.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ErrorCode, SwitchyardError } from '../errors/index.js';
import type {
  AttachRequest,
  ContainerIdRequest,
  ContainerStatsResponse,
  ContainerStatusRequest,
  ContainerStatusResponse,
  CreateContainerRequest,
  CreateContainerResponse,
  Empty,
  ExecRequest,
  ExecSyncRequest,
  ExecSyncResponse,
  ImageFsInfoResponse,
  ImageStatusRequest,
  ImageStatusResponse,
  ListContainerStatsRequest,
  ListContainerStatsResponse,
  ListContainersRequest,
  ListContainersResponse,
  ListImagesRequest,
  ListImagesResponse,
  ListPodSandboxRequest,
  ListPodSandboxResponse,
  ListPodSandboxStatsRequest,
  ListPodSandboxStatsResponse,
  PodSandboxIdRequest,
  PodSandboxStatsResponse,
  PodSandboxStatusRequest,
  PodSandboxStatusResponse,
  PortForwardRequest,
  RemoveImageRequest,
  RunPodSandboxRequest,
  RunPodSandboxResponse,
  StatusRequest,
  StatusResponse,
  StopContainerRequest,
  StreamUrlResponse,
  UpdateContainerResourcesRequest,
  VersionRequest,
  VersionResponse,
} from './types.js';

/** The file name of the protocol; the CLI bundle ships a copy beside its chunks (scripts/build.mjs). */
export const CRI_PROTO_FILE = 'cri-api.proto';

/** Where the protocol file is read from: beside this module, in the source tree and in dist/. */
export function criProtoPath(): string {
  return fileURLToPath(new URL(`./${CRI_PROTO_FILE}`, import.meta.url));
}

// Enums as names, 64-bit integers as decimal strings, every default filled in (types.ts).
const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
};

type Service = 'RuntimeService' | 'ImageService';
type Method = protoLoader.MethodDefinition<object, object>;

let loaded: protoLoader.PackageDefinition | undefined;

function methodOf(service: Service, name: string): Method {
  loaded ??= protoLoader.loadSync(criProtoPath(), LOADER_OPTIONS);
  const def = loaded[`runtime.v1.${service}`];
  // A service definition is a record of methods; messages and enums carry a `format`.
  const method = def && !('format' in def) ? def[name] : undefined;
  if (!method) throw new Error(`cri-api.proto has no ${service}.${name}`);
  return method;
}

/** Default deadline of a call: generous, since RunPodSandbox runs the CNI plugins. */
export const DEFAULT_CRI_TIMEOUT_MS = 30_000;
/** ExecSync may return up to 16 MiB per stream (containerd caps it there). */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Options of one call. */
export interface CriCallOptions {
  /** Deadline in milliseconds from now; default the client's. */
  readonly timeoutMs?: number;
}

/** Options of a client. */
export interface CriClientOptions {
  /** Deadline of each call unless the call sets its own. Default {@link DEFAULT_CRI_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
}

/**
 * A failed CRI call. `grpcCode` is the gRPC status code (`grpc.status`), `grpcStatus` its name;
 * `code` maps the common ones onto lib/errors (NOT_FOUND → NotFound, ALREADY_EXISTS →
 * AlreadyExists, DEADLINE_EXCEEDED → Timeout, INVALID_ARGUMENT → Invalid, UNIMPLEMENTED →
 * Unsupported, anything else → System), so `isNotFound` works on it too.
 */
export class CriError extends SwitchyardError {
  readonly method: string;
  readonly grpcCode: number;
  readonly grpcStatus: string;
  /** The runtime's own text. */
  readonly details: string;

  constructor(method: string, grpcCode: number, details: string, cause?: unknown) {
    const grpcStatus = grpc.status[grpcCode] ?? `CODE_${grpcCode}`;
    super(codeOf(grpcCode), `CRI ${method}: ${grpcStatus}: ${details}`, cause === undefined ? {} : { cause });
    this.name = 'CriError';
    this.method = method;
    this.grpcCode = grpcCode;
    this.grpcStatus = grpcStatus;
    this.details = details;
  }
}

function codeOf(grpcCode: number): ErrorCode {
  switch (grpcCode) {
    case grpc.status.NOT_FOUND:
      return ErrorCode.NotFound;
    case grpc.status.ALREADY_EXISTS:
      return ErrorCode.AlreadyExists;
    case grpc.status.DEADLINE_EXCEEDED:
      return ErrorCode.Timeout;
    case grpc.status.INVALID_ARGUMENT:
      return ErrorCode.Invalid;
    case grpc.status.UNIMPLEMENTED:
      return ErrorCode.Unsupported;
    default:
      return ErrorCode.System;
  }
}

/** True for a CRI call that failed with gRPC NOT_FOUND (no such sandbox or container). */
export function isCriNotFound(err: unknown): err is CriError {
  return err instanceof CriError && err.grpcCode === grpc.status.NOT_FOUND;
}

/** True for a CRI call that failed because the runtime was not reachable (UNAVAILABLE). */
export function isCriUnavailable(err: unknown): err is CriError {
  return err instanceof CriError && err.grpcCode === grpc.status.UNAVAILABLE;
}

/**
 * One connection to a CRI runtime. Methods are named as the RPCs, in camelCase; each resolves
 * with the typed response (types.ts) or rejects with a {@link CriError}.
 */
export class CriClient {
  /** The unix socket path this client talks to. */
  readonly socket: string;
  private readonly client: grpc.Client;
  private readonly timeoutMs: number;

  constructor(socket: string, options: CriClientOptions = {}) {
    this.socket = socket;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_CRI_TIMEOUT_MS;
    this.client = new grpc.Client(`unix://${socket}`, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
      // A runtime that restarts comes back within a second or two; do not wait long to notice.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 2000,
    });
  }

  /** Closes the channel; calls still running fail with CANCELLED. */
  close(): void {
    this.client.close();
  }

  private call<Req extends object, Res>(
    service: Service,
    name: string,
    request: Req,
    options: CriCallOptions | undefined,
  ): Promise<Res> {
    const method = methodOf(service, name);
    const timeoutMs = options?.timeoutMs ?? this.timeoutMs;
    return new Promise<Res>((resolve, reject) => {
      this.client.makeUnaryRequest<object, object>(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + timeoutMs },
        (err, res) => {
          if (err) {
            reject(new CriError(name, err.code, err.details || err.message, err));
          } else {
            // The one place wire objects become typed: proto-loader built them from the same
            // proto the types in types.ts describe, with every default filled in.
            resolve(res as Res);
          }
        },
      );
    });
  }

  // ---- RuntimeService ----

  version(request: VersionRequest = { version: 'v1' }, options?: CriCallOptions): Promise<VersionResponse> {
    return this.call('RuntimeService', 'Version', request, options);
  }

  status(request: StatusRequest = {}, options?: CriCallOptions): Promise<StatusResponse> {
    return this.call('RuntimeService', 'Status', request, options);
  }

  runPodSandbox(request: RunPodSandboxRequest, options?: CriCallOptions): Promise<RunPodSandboxResponse> {
    return this.call('RuntimeService', 'RunPodSandbox', request, options);
  }

  /** Idempotent: a sandbox stopped already is fine (NotFound is not). */
  stopPodSandbox(request: PodSandboxIdRequest, options?: CriCallOptions): Promise<Empty> {
    return this.call('RuntimeService', 'StopPodSandbox', request, options);
  }

  /** Idempotent: a sandbox removed already is fine. */
  removePodSandbox(request: PodSandboxIdRequest, options?: CriCallOptions): Promise<Empty> {
    return this.call('RuntimeService', 'RemovePodSandbox', request, options);
  }

  podSandboxStatus(
    request: PodSandboxStatusRequest,
    options?: CriCallOptions,
  ): Promise<PodSandboxStatusResponse> {
    return this.call('RuntimeService', 'PodSandboxStatus', request, options);
  }

  listPodSandbox(
    request: ListPodSandboxRequest = {},
    options?: CriCallOptions,
  ): Promise<ListPodSandboxResponse> {
    return this.call('RuntimeService', 'ListPodSandbox', request, options);
  }

  createContainer(
    request: CreateContainerRequest,
    options?: CriCallOptions,
  ): Promise<CreateContainerResponse> {
    return this.call('RuntimeService', 'CreateContainer', request, options);
  }

  startContainer(request: ContainerIdRequest, options?: CriCallOptions): Promise<Empty> {
    return this.call('RuntimeService', 'StartContainer', request, options);
  }

  /** Idempotent. The call's deadline is stretched to cover the request's grace `timeout`. */
  stopContainer(request: StopContainerRequest, options?: CriCallOptions): Promise<Empty> {
    return this.call('RuntimeService', 'StopContainer', request, this.stretched(request.timeout, options));
  }

  removeContainer(request: ContainerIdRequest, options?: CriCallOptions): Promise<Empty> {
    return this.call('RuntimeService', 'RemoveContainer', request, options);
  }

  listContainers(
    request: ListContainersRequest = {},
    options?: CriCallOptions,
  ): Promise<ListContainersResponse> {
    return this.call('RuntimeService', 'ListContainers', request, options);
  }

  containerStatus(
    request: ContainerStatusRequest,
    options?: CriCallOptions,
  ): Promise<ContainerStatusResponse> {
    return this.call('RuntimeService', 'ContainerStatus', request, options);
  }

  updateContainerResources(
    request: UpdateContainerResourcesRequest,
    options?: CriCallOptions,
  ): Promise<Empty> {
    return this.call('RuntimeService', 'UpdateContainerResources', request, options);
  }

  reopenContainerLog(request: ContainerIdRequest, options?: CriCallOptions): Promise<Empty> {
    return this.call('RuntimeService', 'ReopenContainerLog', request, options);
  }

  /**
   * Runs a command in a running container and collects its output. A non-zero exit is a
   * response (`exitCode`), not an error; running past `timeout` seconds is an error. The call's
   * deadline is stretched to cover `timeout`.
   */
  execSync(request: ExecSyncRequest, options?: CriCallOptions): Promise<ExecSyncResponse> {
    return this.call('RuntimeService', 'ExecSync', request, this.stretched(request.timeout, options));
  }

  /** A one-time URL on the runtime's streaming server for an interactive exec. */
  exec(request: ExecRequest, options?: CriCallOptions): Promise<StreamUrlResponse> {
    return this.call('RuntimeService', 'Exec', request, options);
  }

  attach(request: AttachRequest, options?: CriCallOptions): Promise<StreamUrlResponse> {
    return this.call('RuntimeService', 'Attach', request, options);
  }

  portForward(request: PortForwardRequest, options?: CriCallOptions): Promise<StreamUrlResponse> {
    return this.call('RuntimeService', 'PortForward', request, options);
  }

  containerStats(request: ContainerIdRequest, options?: CriCallOptions): Promise<ContainerStatsResponse> {
    return this.call('RuntimeService', 'ContainerStats', request, options);
  }

  listContainerStats(
    request: ListContainerStatsRequest = {},
    options?: CriCallOptions,
  ): Promise<ListContainerStatsResponse> {
    return this.call('RuntimeService', 'ListContainerStats', request, options);
  }

  podSandboxStats(request: PodSandboxIdRequest, options?: CriCallOptions): Promise<PodSandboxStatsResponse> {
    return this.call('RuntimeService', 'PodSandboxStats', request, options);
  }

  listPodSandboxStats(
    request: ListPodSandboxStatsRequest = {},
    options?: CriCallOptions,
  ): Promise<ListPodSandboxStatsResponse> {
    return this.call('RuntimeService', 'ListPodSandboxStats', request, options);
  }

  // ---- ImageService ----

  listImages(request: ListImagesRequest = {}, options?: CriCallOptions): Promise<ListImagesResponse> {
    return this.call('ImageService', 'ListImages', request, options);
  }

  /** A missing image is `{ image: null }`, not an error. */
  imageStatus(request: ImageStatusRequest, options?: CriCallOptions): Promise<ImageStatusResponse> {
    return this.call('ImageService', 'ImageStatus', request, options);
  }

  removeImage(request: RemoveImageRequest, options?: CriCallOptions): Promise<Empty> {
    return this.call('ImageService', 'RemoveImage', request, options);
  }

  imageFsInfo(options?: CriCallOptions): Promise<ImageFsInfoResponse> {
    return this.call('ImageService', 'ImageFsInfo', {}, options);
  }

  /** The deadline for a call that may legitimately run `seconds` on the runtime: that plus 5 s. */
  private stretched(
    seconds: number | string | undefined,
    options: CriCallOptions | undefined,
  ): CriCallOptions {
    const base = options?.timeoutMs ?? this.timeoutMs;
    const s = Number(seconds ?? 0);
    return { timeoutMs: Number.isFinite(s) && s > 0 ? Math.max(base, s * 1000 + 5000) : base };
  }
}
