/**
 * TypeScript shapes of the CRI v1 messages in api.proto, as @grpc/proto-loader hands them over
 * with the options in client.ts: field names in camelCase, enums as their names.
 *
 * Requests (`…Request` and the `…Input` shapes inside them) are what callers write: every field
 * is optional, as in proto3, and 64-bit integers take a number or a decimal string.
 *
 * Responses are what the runtime sent with every default filled in: strings `''`, numbers 0,
 * booleans false, repeated fields `[]`, maps `{}`, and an absent message field `null`.
 * 64-bit integers (`int64`, `uint64`) arrive as decimal strings, because CRI's nanosecond
 * timestamps pass 2^53; read them with `BigInt(s)` (or `Number(s)` where the value is small).
 * `bytes` arrive as a Buffer.
 */

/** A 64-bit integer in a request: a number (safe integers only) or a decimal string. */
export type Int64Input = number | string;
/** A 64-bit integer in a response: always a decimal string. */
export type Int64 = string;
/** A `map<string, string>` field. */
export type StringMap = Readonly<Record<string, string>>;

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type MountPropagation =
  | 'PROPAGATION_PRIVATE'
  | 'PROPAGATION_HOST_TO_CONTAINER'
  | 'PROPAGATION_BIDIRECTIONAL';
export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';
export type ProfileType = 'RuntimeDefault' | 'Unconfined' | 'Localhost';
export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type ContainerState =
  | 'CONTAINER_CREATED'
  | 'CONTAINER_RUNNING'
  | 'CONTAINER_EXITED'
  | 'CONTAINER_UNKNOWN';

// ---- shared messages -------------------------------------------------------------------------

export interface Int64ValueInput {
  readonly value?: Int64Input;
}
export interface Int64Value {
  readonly value: Int64;
}
export interface UInt64Value {
  readonly value: Int64;
}

export interface KeyValueInput {
  readonly key?: string;
  readonly value?: string;
}

export interface ImageSpecInput {
  readonly image?: string;
  readonly annotations?: StringMap;
  readonly userSpecifiedImage?: string;
  readonly runtimeHandler?: string;
}
export interface ImageSpec {
  readonly image: string;
  readonly annotations: StringMap;
  readonly userSpecifiedImage: string;
  readonly runtimeHandler: string;
}

export interface PortMappingInput {
  readonly protocol?: Protocol;
  readonly containerPort?: number;
  readonly hostPort?: number;
  readonly hostIp?: string;
}

export interface MountInput {
  readonly containerPath?: string;
  readonly hostPath?: string;
  readonly readonly?: boolean;
  readonly selinuxRelabel?: boolean;
  readonly propagation?: MountPropagation;
  readonly recursiveReadOnly?: boolean;
}
export interface Mount {
  readonly containerPath: string;
  readonly hostPath: string;
  readonly readonly: boolean;
  readonly selinuxRelabel: boolean;
  readonly propagation: MountPropagation;
  readonly recursiveReadOnly: boolean;
}

export interface NamespaceOptionInput {
  readonly network?: NamespaceMode;
  readonly pid?: NamespaceMode;
  readonly ipc?: NamespaceMode;
  readonly targetId?: string;
}
export interface NamespaceOption {
  readonly network: NamespaceMode;
  readonly pid: NamespaceMode;
  readonly ipc: NamespaceMode;
  readonly targetId: string;
}

export interface SecurityProfileInput {
  readonly profileType?: ProfileType;
  readonly localhostRef?: string;
}

export interface HugepageLimitInput {
  readonly pageSize?: string;
  readonly limit?: Int64Input;
}
export interface HugepageLimit {
  readonly pageSize: string;
  readonly limit: Int64;
}

export interface LinuxContainerResourcesInput {
  readonly cpuPeriod?: Int64Input;
  readonly cpuQuota?: Int64Input;
  readonly cpuShares?: Int64Input;
  readonly memoryLimitInBytes?: Int64Input;
  readonly oomScoreAdj?: Int64Input;
  readonly cpusetCpus?: string;
  readonly cpusetMems?: string;
  readonly hugepageLimits?: readonly HugepageLimitInput[];
  readonly unified?: StringMap;
  readonly memorySwapLimitInBytes?: Int64Input;
}
export interface LinuxContainerResources {
  readonly cpuPeriod: Int64;
  readonly cpuQuota: Int64;
  readonly cpuShares: Int64;
  readonly memoryLimitInBytes: Int64;
  readonly oomScoreAdj: Int64;
  readonly cpusetCpus: string;
  readonly cpusetMems: string;
  readonly hugepageLimits: readonly HugepageLimit[];
  readonly unified: StringMap;
  readonly memorySwapLimitInBytes: Int64;
}

// ---- version and status ------------------------------------------------------------------------

export interface VersionRequest {
  /** The kubelet's CRI API version, e.g. `v1`. */
  readonly version?: string;
}
export interface VersionResponse {
  readonly version: string;
  readonly runtimeName: string;
  readonly runtimeVersion: string;
  readonly runtimeApiVersion: string;
}

export interface RuntimeCondition {
  /** `RuntimeReady` or `NetworkReady` (required), or any optional condition. */
  readonly type: string;
  readonly status: boolean;
  readonly reason: string;
  readonly message: string;
}
export interface StatusRequest {
  readonly verbose?: boolean;
}
export interface StatusResponse {
  readonly status: { readonly conditions: readonly RuntimeCondition[] } | null;
  readonly info: StringMap;
}

// ---- pod sandboxes -----------------------------------------------------------------------------

export interface DnsConfigInput {
  readonly servers?: readonly string[];
  readonly searches?: readonly string[];
  readonly options?: readonly string[];
}

export interface LinuxSandboxSecurityContextInput {
  readonly namespaceOptions?: NamespaceOptionInput;
  readonly runAsUser?: Int64ValueInput;
  readonly runAsGroup?: Int64ValueInput;
  readonly readonlyRootfs?: boolean;
  readonly supplementalGroups?: readonly Int64Input[];
  readonly privileged?: boolean;
  readonly seccomp?: SecurityProfileInput;
  readonly apparmor?: SecurityProfileInput;
}

export interface LinuxPodSandboxConfigInput {
  readonly cgroupParent?: string;
  readonly securityContext?: LinuxSandboxSecurityContextInput;
  readonly sysctls?: StringMap;
  readonly overhead?: LinuxContainerResourcesInput;
  readonly resources?: LinuxContainerResourcesInput;
}

export interface PodSandboxMetadataInput {
  readonly name?: string;
  readonly uid?: string;
  readonly namespace?: string;
  readonly attempt?: number;
}
export interface PodSandboxMetadata {
  readonly name: string;
  readonly uid: string;
  readonly namespace: string;
  readonly attempt: number;
}

export interface PodSandboxConfigInput {
  readonly metadata?: PodSandboxMetadataInput;
  readonly hostname?: string;
  readonly logDirectory?: string;
  readonly dnsConfig?: DnsConfigInput;
  readonly portMappings?: readonly PortMappingInput[];
  readonly labels?: StringMap;
  readonly annotations?: StringMap;
  readonly linux?: LinuxPodSandboxConfigInput;
}

export interface RunPodSandboxRequest {
  readonly config?: PodSandboxConfigInput;
  readonly runtimeHandler?: string;
}
export interface RunPodSandboxResponse {
  readonly podSandboxId: string;
}

export interface PodSandboxIdRequest {
  readonly podSandboxId?: string;
}

export interface PodSandboxStatusRequest {
  readonly podSandboxId?: string;
  readonly verbose?: boolean;
}

export interface PodSandboxNetworkStatus {
  readonly ip: string;
  readonly additionalIps: readonly { readonly ip: string }[];
}

export interface PodSandboxStatus {
  readonly id: string;
  readonly metadata: PodSandboxMetadata | null;
  readonly state: PodSandboxState;
  /** Nanoseconds since the epoch. */
  readonly createdAt: Int64;
  readonly network: PodSandboxNetworkStatus | null;
  readonly linux: { readonly namespaces: { readonly options: NamespaceOption | null } | null } | null;
  readonly labels: StringMap;
  readonly annotations: StringMap;
  readonly runtimeHandler: string;
}
export interface PodSandboxStatusResponse {
  readonly status: PodSandboxStatus | null;
  /** Only with `verbose`: JSON strings, e.g. containerd's `info`. */
  readonly info: StringMap;
}

export interface PodSandboxFilterInput {
  readonly id?: string;
  readonly state?: { readonly state?: PodSandboxState };
  readonly labelSelector?: StringMap;
}
export interface ListPodSandboxRequest {
  readonly filter?: PodSandboxFilterInput;
}
export interface PodSandbox {
  readonly id: string;
  readonly metadata: PodSandboxMetadata | null;
  readonly state: PodSandboxState;
  readonly createdAt: Int64;
  readonly labels: StringMap;
  readonly annotations: StringMap;
  readonly runtimeHandler: string;
}
export interface ListPodSandboxResponse {
  readonly items: readonly PodSandbox[];
}

// ---- containers --------------------------------------------------------------------------------

export interface CapabilityInput {
  readonly addCapabilities?: readonly string[];
  readonly dropCapabilities?: readonly string[];
  readonly addAmbientCapabilities?: readonly string[];
}

export interface LinuxContainerSecurityContextInput {
  readonly capabilities?: CapabilityInput;
  readonly privileged?: boolean;
  readonly namespaceOptions?: NamespaceOptionInput;
  readonly runAsUser?: Int64ValueInput;
  readonly runAsGroup?: Int64ValueInput;
  readonly runAsUsername?: string;
  readonly readonlyRootfs?: boolean;
  readonly supplementalGroups?: readonly Int64Input[];
  readonly noNewPrivs?: boolean;
  readonly maskedPaths?: readonly string[];
  readonly readonlyPaths?: readonly string[];
  readonly seccomp?: SecurityProfileInput;
  readonly apparmor?: SecurityProfileInput;
}

export interface ContainerMetadataInput {
  readonly name?: string;
  readonly attempt?: number;
}
export interface ContainerMetadata {
  readonly name: string;
  readonly attempt: number;
}

export interface DeviceInput {
  readonly containerPath?: string;
  readonly hostPath?: string;
  readonly permissions?: string;
}

export interface ContainerConfigInput {
  readonly metadata?: ContainerMetadataInput;
  readonly image?: ImageSpecInput;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly workingDir?: string;
  readonly envs?: readonly KeyValueInput[];
  readonly mounts?: readonly MountInput[];
  readonly devices?: readonly DeviceInput[];
  readonly labels?: StringMap;
  readonly annotations?: StringMap;
  /** Relative to the sandbox's `logDirectory`, e.g. `app/0.log`. */
  readonly logPath?: string;
  readonly stdin?: boolean;
  readonly stdinOnce?: boolean;
  readonly tty?: boolean;
  readonly linux?: {
    readonly resources?: LinuxContainerResourcesInput;
    readonly securityContext?: LinuxContainerSecurityContextInput;
  };
}

export interface CreateContainerRequest {
  readonly podSandboxId?: string;
  readonly config?: ContainerConfigInput;
  /** The same config the sandbox was run with. */
  readonly sandboxConfig?: PodSandboxConfigInput;
}
export interface CreateContainerResponse {
  readonly containerId: string;
}

export interface ContainerIdRequest {
  readonly containerId?: string;
}

export interface StopContainerRequest {
  readonly containerId?: string;
  /** Seconds before the runtime kills the container; 0 kills at once. */
  readonly timeout?: Int64Input;
}

export interface ContainerFilterInput {
  readonly id?: string;
  readonly state?: { readonly state?: ContainerState };
  readonly podSandboxId?: string;
  readonly labelSelector?: StringMap;
}
export interface ListContainersRequest {
  readonly filter?: ContainerFilterInput;
}
export interface Container {
  readonly id: string;
  readonly podSandboxId: string;
  readonly metadata: ContainerMetadata | null;
  readonly image: ImageSpec | null;
  readonly imageRef: string;
  readonly state: ContainerState;
  readonly createdAt: Int64;
  readonly labels: StringMap;
  readonly annotations: StringMap;
}
export interface ListContainersResponse {
  readonly containers: readonly Container[];
}

export interface ContainerStatusRequest {
  readonly containerId?: string;
  readonly verbose?: boolean;
}
export interface ContainerStatus {
  readonly id: string;
  readonly metadata: ContainerMetadata | null;
  readonly state: ContainerState;
  /** Nanoseconds since the epoch; `startedAt` and `finishedAt` are "0" until they happen. */
  readonly createdAt: Int64;
  readonly startedAt: Int64;
  readonly finishedAt: Int64;
  readonly exitCode: number;
  readonly image: ImageSpec | null;
  readonly imageRef: string;
  /** e.g. `OOMKilled`, `Completed`, `Error`. */
  readonly reason: string;
  readonly message: string;
  readonly labels: StringMap;
  readonly annotations: StringMap;
  readonly mounts: readonly Mount[];
  readonly logPath: string;
  readonly resources: { readonly linux: LinuxContainerResources | null } | null;
}
export interface ContainerStatusResponse {
  readonly status: ContainerStatus | null;
  readonly info: StringMap;
}

export interface UpdateContainerResourcesRequest {
  readonly containerId?: string;
  readonly linux?: LinuxContainerResourcesInput;
  readonly annotations?: StringMap;
}

// ---- exec, attach, port-forward ----------------------------------------------------------------

export interface ExecSyncRequest {
  readonly containerId?: string;
  readonly cmd?: readonly string[];
  /** Seconds; 0 runs without a limit. The call's deadline is stretched to cover it. */
  readonly timeout?: Int64Input;
}
export interface ExecSyncResponse {
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly exitCode: number;
}

export interface ExecRequest {
  readonly containerId?: string;
  readonly cmd?: readonly string[];
  readonly tty?: boolean;
  readonly stdin?: boolean;
  readonly stdout?: boolean;
  readonly stderr?: boolean;
}
export interface AttachRequest {
  readonly containerId?: string;
  readonly stdin?: boolean;
  readonly tty?: boolean;
  readonly stdout?: boolean;
  readonly stderr?: boolean;
}
export interface PortForwardRequest {
  readonly podSandboxId?: string;
  readonly port?: readonly number[];
}
/** Exec, Attach and PortForward answer with the URL of the runtime's streaming server. */
export interface StreamUrlResponse {
  readonly url: string;
}

// ---- stats -------------------------------------------------------------------------------------

export interface FilesystemUsage {
  readonly timestamp: Int64;
  readonly fsId: { readonly mountpoint: string } | null;
  readonly usedBytes: UInt64Value | null;
  readonly inodesUsed: UInt64Value | null;
}
export interface CpuUsage {
  readonly timestamp: Int64;
  readonly usageCoreNanoSeconds: UInt64Value | null;
  /** Rate since the runtime's previous stats call by anyone (0 on the first). */
  readonly usageNanoCores: UInt64Value | null;
}
export interface MemoryUsage {
  readonly timestamp: Int64;
  readonly workingSetBytes: UInt64Value | null;
  readonly availableBytes: UInt64Value | null;
  readonly usageBytes: UInt64Value | null;
  readonly rssBytes: UInt64Value | null;
  readonly pageFaults: UInt64Value | null;
  readonly majorPageFaults: UInt64Value | null;
}
export interface ContainerAttributes {
  readonly id: string;
  readonly metadata: ContainerMetadata | null;
  readonly labels: StringMap;
  readonly annotations: StringMap;
}
export interface ContainerStats {
  readonly attributes: ContainerAttributes | null;
  readonly cpu: CpuUsage | null;
  readonly memory: MemoryUsage | null;
  readonly writableLayer: FilesystemUsage | null;
}
export interface ContainerStatsResponse {
  readonly stats: ContainerStats | null;
}
export interface ListContainerStatsRequest {
  readonly filter?: {
    readonly id?: string;
    readonly podSandboxId?: string;
    readonly labelSelector?: StringMap;
  };
}
export interface ListContainerStatsResponse {
  readonly stats: readonly ContainerStats[];
}

export interface NetworkInterfaceUsage {
  readonly name: string;
  readonly rxBytes: UInt64Value | null;
  readonly rxErrors: UInt64Value | null;
  readonly txBytes: UInt64Value | null;
  readonly txErrors: UInt64Value | null;
}
export interface PodSandboxStats {
  readonly attributes: {
    readonly id: string;
    readonly metadata: PodSandboxMetadata | null;
    readonly labels: StringMap;
    readonly annotations: StringMap;
  } | null;
  readonly linux: {
    readonly cpu: CpuUsage | null;
    readonly memory: MemoryUsage | null;
    readonly network: {
      readonly timestamp: Int64;
      readonly defaultInterface: NetworkInterfaceUsage | null;
      readonly interfaces: readonly NetworkInterfaceUsage[];
    } | null;
    readonly process: { readonly timestamp: Int64; readonly processCount: UInt64Value | null } | null;
    readonly containers: readonly ContainerStats[];
  } | null;
}
export interface PodSandboxStatsResponse {
  readonly stats: PodSandboxStats | null;
}
export interface ListPodSandboxStatsRequest {
  readonly filter?: { readonly id?: string; readonly labelSelector?: StringMap };
}
export interface ListPodSandboxStatsResponse {
  readonly stats: readonly PodSandboxStats[];
}

// ---- images ------------------------------------------------------------------------------------

export interface ListImagesRequest {
  readonly filter?: { readonly image?: ImageSpecInput };
}
export interface Image {
  readonly id: string;
  readonly repoTags: readonly string[];
  readonly repoDigests: readonly string[];
  readonly size: Int64;
  readonly uid: Int64Value | null;
  readonly username: string;
  readonly spec: ImageSpec | null;
  readonly pinned: boolean;
}
export interface ListImagesResponse {
  readonly images: readonly Image[];
}
export interface ImageStatusRequest {
  readonly image?: ImageSpecInput;
  readonly verbose?: boolean;
}
export interface ImageStatusResponse {
  /** null when the runtime does not have the image (CRI answers so rather than NotFound). */
  readonly image: Image | null;
  readonly info: StringMap;
}
export interface RemoveImageRequest {
  readonly image?: ImageSpecInput;
}
export interface ImageFsInfoResponse {
  readonly imageFilesystems: readonly FilesystemUsage[];
  readonly containerFilesystems: readonly FilesystemUsage[];
}

/** The responses with no fields (Stop…, Remove…, Start…, Update…, Reopen…). */
export type Empty = Readonly<Record<string, never>>;
