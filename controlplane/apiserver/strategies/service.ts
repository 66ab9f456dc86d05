/**
 * The Service strategy: a Service's ClusterIP and NodePorts come from the server's pools
 * (service-addresses.ts reserves them in the store, service-alloc.ts chooses them), reserved on
 * create and update and given back when the Service goes or drops them.
 */
import type { KindStrategy } from './types.js';

/** core/v1 Service. */
export const serviceStrategy: KindStrategy = {
  allocator: (ctx) => ctx.serviceAddresses,
};
