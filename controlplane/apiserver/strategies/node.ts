/**
 * The Node strategy: a create keeps the status the kubelet registers its Node with (capacity,
 * allocatable, addresses, conditions), as kube-apiserver's node strategy does; later writes of
 * the status go through `nodes/status`.
 */
import type { KindStrategy } from './types.js';

/** core/v1 Node. */
export const nodeStrategy: KindStrategy = { createKeepsStatus: true };
