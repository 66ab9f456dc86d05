/**
 * port-forward on the kubelet: CRI PortForward gives a one-time URL on the runtime's streaming
 * server for the pod's sandbox, and the client's SPDY upgrade (POST, `Upgrade: SPDY/3.1`,
 * `X-Stream-Protocol-Version: portforward.k8s.io`; what our API server sends for kubectl) is
 * proxied to it byte for byte (`runtime.ts`): the streams inside (`streamType` error/data with
 * `port` and `requestID`) are between kubectl and containerd, which dials the port in the pod's
 * network namespace. Nothing here parses SPDY. A WebSocket upgrade is refused with 400, so a
 * caller can fall back (kubectl itself never asks the kubelet for one).
 */
import { writeHttpError } from '../../../lib/spdy/index.js';
import type { PortForwardHandler } from '../server/types.js';
import { criFailure, isSpdyUpgrade, type StreamDeps, spliceToRuntime } from './runtime.js';

/** The port-forward handler for the kubelet's server. */
export function portForwardHandler(deps: StreamDeps): PortForwardHandler {
  return async (req, socket, head, target) => {
    socket.on('error', () => undefined);
    if (!isSpdyUpgrade(req)) {
      writeHttpError(
        socket,
        400,
        'port-forward needs a SPDY/3.1 upgrade (X-Stream-Protocol-Version: portforward.k8s.io)',
      );
      return;
    }
    let url: string;
    try {
      url = (await deps.cri.portForward({ podSandboxId: target.sandboxId, port: target.ports })).url;
    } catch (err) {
      const f = criFailure(err);
      deps.log.info('port-forward refused by the runtime', { sandbox: target.sandboxId, err: f.message });
      writeHttpError(socket, f.status, f.message);
      return;
    }
    await spliceToRuntime(deps, req, socket, head, url);
  };
}
