/**
 * The kubelet's stats/v1alpha1 Summary (`GET /stats/summary`), the subset this kubelet fills:
 * field names and nesting as kubernetes/kubelet `pkg/apis/stats/v1alpha1/types.go`, so
 * metrics-server and our API server's metrics.k8s.io read it as they read upstream's. Times are
 * RFC 3339 strings at second precision (metav1.Time's JSON); optional fields are left out when
 * the runtime does not report them.
 */

/** CPU usage at `time`: the cumulative core-nanoseconds and the rate over the last window. */
export interface CpuStats {
  readonly time: string;
  /** Cores × 1e9 averaged since the previous sample. */
  readonly usageNanoCores?: number;
  readonly usageCoreNanoSeconds?: number;
}

/** Memory usage at `time`, in bytes (page faults in counts). */
export interface MemoryStats {
  readonly time: string;
  readonly availableBytes?: number;
  readonly usageBytes?: number;
  /** Usage less inactive file pages: what eviction and `kubectl top` go by. */
  readonly workingSetBytes?: number;
  readonly rssBytes?: number;
  readonly pageFaults?: number;
  readonly majorPageFaults?: number;
}

/** A filesystem's usage (a container's writable layer, logs, the node's root, the image store). */
export interface FsStats {
  readonly time: string;
  readonly availableBytes?: number;
  readonly capacityBytes?: number;
  readonly usedBytes?: number;
  readonly inodesFree?: number;
  readonly inodes?: number;
  readonly inodesUsed?: number;
}

/** One network interface's counters. */
export interface InterfaceStats {
  readonly name: string;
  readonly rxBytes?: number;
  readonly rxErrors?: number;
  readonly txBytes?: number;
  readonly txErrors?: number;
}

/** A pod's network: the default interface's counters inline, and every interface. */
export interface NetworkStats extends InterfaceStats {
  readonly time: string;
  readonly interfaces: readonly InterfaceStats[];
}

/** One running container. */
export interface ContainerStats {
  readonly name: string;
  readonly startTime: string;
  readonly cpu?: CpuStats;
  readonly memory?: MemoryStats;
  readonly rootfs?: FsStats;
  readonly logs?: FsStats;
}

/** The pod a PodStats is about. */
export interface PodReference {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
}

/** One pod: its containers and its own (sandbox cgroup, or summed) usage. */
export interface PodStats {
  readonly podRef: PodReference;
  readonly startTime: string;
  readonly containers: readonly ContainerStats[];
  readonly cpu?: CpuStats;
  readonly memory?: MemoryStats;
  readonly network?: NetworkStats;
}

/** The node as a whole. */
export interface NodeStats {
  readonly nodeName: string;
  readonly startTime: string;
  readonly cpu?: CpuStats;
  readonly memory?: MemoryStats;
  readonly fs?: FsStats;
  readonly runtime?: { readonly imageFs?: FsStats };
}

/** `GET /stats/summary`. */
export interface Summary {
  readonly node: NodeStats;
  readonly pods: readonly PodStats[];
}
