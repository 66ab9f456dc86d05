/** The kubelet's HTTPS endpoint (:10250): authn, authz, logs, the streaming and stats seams. */
export {
  type KubeletAttributes,
  type KubeletUser,
  requestAttributes,
} from './attributes.js';
export {
  type KubeletAuthCacheOptions,
  type KubeletServer,
  type KubeletServerLimits,
  type KubeletServerOptions,
  startKubeletServer,
} from './server.js';
export type {
  PortForwardHandler,
  PortForwardTarget,
  RemoteCommandHandler,
  RemoteCommandTarget,
  StatsProvider,
} from './types.js';
