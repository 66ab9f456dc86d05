/**
 * `switchyard kubelet` as a function: lib/component's client-component kit around the node
 * agent (register, Lease, status with the CRI runtime's health), the node's CNI config written
 * once its podCIDR is known, and the pod sync — a keyed controller over pod uids fed by the
 * informer of the pods bound here (`spec.nodeName=<node>`, the only pod list/watch the Node
 * authorizer allows), by a runtime relist every second (upstream's PLEG: a container that
 * exited, a sandbox that died) and by a periodic resync of every pod. Services come from a
 * shared informer (env service links); ConfigMaps and Secrets are read by name (pod-objects.ts).
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { Pod } from '../../lib/api/index.js';
import {
  Informer,
  listWatcher,
  podsResource,
  SharedInformerFactory,
  servicesResource,
} from '../../lib/client/index.js';
import {
  type ComponentContext,
  type ComponentFlags,
  type ComponentRun,
  keyedController,
  runClientComponent,
  watch,
} from '../../lib/component/index.js';
import { CriClient } from '../../lib/cri/index.js';
import { HealthChecks, type Logger } from '../../lib/obs/index.js';
import { podConflist, writeConflist } from './cni-config.js';
import type { KubeletConfig } from './config.js';
import { parseResolvConf } from './dns.js';
import { hostFacts, NodeAgent } from './node-agent.js';
import type { RuntimeHealth } from './node-status.js';
import { observeRuntime } from './observe.js';
import type { ObservedPod } from './observed.js';
import { PodObjects } from './pod-objects.js';
import { PodWorker } from './pod-worker.js';
import { ensureServingPair, type ServingPair } from './serving-cert.js';

/** How often the runtime is relisted for changes no API event announces (upstream PLEG: 1 s). */
export const RELIST_MS = 1000;
/** Index of the pod informer: pods by uid (the controller's keys). */
const BY_UID = 'uid';

/** The node's primary IP: `--node-ip`, else the first global address (IPv4 first). */
export function nodeIPs(config: Pick<KubeletConfig, 'nodeIP'>): string[] {
  if (config.nodeIP) return [config.nodeIP];
  const all = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && !a.internal && !(a.family === 'IPv6' && a.address.startsWith('fe80')));
  const v4 = all.find((a) => a?.family === 'IPv4')?.address;
  const v6 = all.find((a) => a?.family === 'IPv6')?.address;
  const ips = [v4, v6].filter((ip): ip is string => ip !== undefined);
  return ips.length > 0 ? ips : ['127.0.0.1'];
}

/** What the relist compares: each pod's sandboxes and containers with their states. */
export function runtimeFingerprint(pod: ObservedPod): string {
  return [
    ...pod.sandboxes.map((s) => `s:${s.id}:${s.state}`),
    ...pod.containers.map((c) => `c:${c.id}:${c.state}`),
  ].join(',');
}

/** The runtime's health for the Node's Ready condition, from CRI Status and Version. */
async function runtimeHealth(cri: CriClient): Promise<RuntimeHealth & { version: string }> {
  const [status, version] = await Promise.all([cri.status(), cri.version()]);
  const failing = (status.status?.conditions ?? []).filter(
    (c) => (c.type === 'RuntimeReady' || c.type === 'NetworkReady') && !c.status,
  );
  const runtimeVersion = `${version.runtimeName}://${version.runtimeVersion}`;
  if (failing.length === 0) return { ready: true, version: runtimeVersion };
  const message = failing.map((c) => `${c.type}=false reason:${c.reason} message:${c.message}`).join('; ');
  return { ready: false, message: `container runtime not ready: ${message}`, version: runtimeVersion };
}

/**
 * The HTTPS endpoint on `address:port` (logs, exec, attach, port-forward, stats).
 * TODO(merge): start controlplane/kubelet/server's `startKubeletServer` here with the serving
 * pair, `config.clientCAFile`, the API client (SubjectAccessReview), a pod/container lookup
 * over `worker`'s runtime, and the handlers of controlplane/kubelet/server/types.ts
 * (RemoteCommandHandler and PortForwardHandler from streams/, StatsProvider from stats/); close
 * it on `signal`.
 */
function startEndpoint(
  config: KubeletConfig,
  serving: ServingPair,
  address: string,
  log: Logger,
  _signal: AbortSignal,
): void {
  log.info('kubelet endpoint not wired yet', { address, port: config.port, cert: serving.certFile });
}

/** The kubelet's loops, for runClientComponent (or a test's own context). */
export function kubeletSetup(config: KubeletConfig): (ctx: ComponentContext) => ComponentRun {
  return ({ log, client, periodic }) => {
    const cri = new CriClient(config.containerdSocket);
    const hostIPs = nodeIPs(config);
    const informers = new SharedInformerFactory(client, {
      onError: (informer, err) => log.warn('informer error', { informer, error: String(err) }),
    });
    const services = informers.informerFor({ resource: servicesResource });
    const pods = new Informer<Pod>({
      name: 'pods',
      listerWatcher: listWatcher(client.resource(podsResource), {
        fieldSelector: `spec.nodeName=${config.nodeName}`,
      }),
      indexers: { [BY_UID]: (p) => [p.metadata.uid ?? ''] },
      onError: (err) => log.warn('informer error', { informer: 'pods', error: String(err) }),
    });
    const resolv = (): string => {
      try {
        return config.resolvConf ? readFileSync(config.resolvConf, 'utf8') : '';
      } catch {
        return '';
      }
    };
    const worker = new PodWorker({
      cri,
      client,
      nodeName: config.nodeName,
      rootDir: config.rootDir,
      podLogsDir: config.podLogsDir,
      dns: { servers: config.clusterDNS, domain: config.clusterDomain, host: parseResolvConf(resolv()) },
      hostIPs,
      pod: (uid) => pods.cache.byIndex(BY_UID, uid)[0],
      services: () => services.cache.list(),
      objects: new PodObjects(client),
      log,
    });
    const agent = new NodeAgent({
      client,
      facts: hostFacts({
        nodeName: config.nodeName,
        nodeIP: hostIPs[0] ?? '127.0.0.1',
        maxPods: config.maxPods,
        kubeletPort: config.port,
        rootDir: config.rootDir,
      }),
      leaseDurationSeconds: config.nodeLeaseDurationSeconds,
      ...(config.podCIDR.kind === 'flag' ? { podCIDR: config.podCIDR.cidr } : {}),
      runtime: () => runtimeHealth(cri),
    });
    const sync = keyedController({
      name: 'pods',
      workers: 8,
      logger: log,
      reconcile: async (uid) => {
        const out = await worker.sync(uid);
        return out.requeueAfterMs !== undefined
          ? { kind: 'requeueAfter', ms: out.requeueAfterMs }
          : { kind: 'done' };
      },
      watches: [watch(pods, { keys: (p) => [p.metadata.uid ?? ''] })],
    });
    // The relist: pods whose runtime state changed since the last look, and pods that appeared.
    let seen = new Map<string, string>();
    const relist = async (): Promise<void> => {
      const runtime = await observeRuntime(cri);
      const next = new Map<string, string>();
      const running = new Set<string>();
      for (const [uid, pod] of runtime) {
        const print = runtimeFingerprint(pod);
        next.set(uid, print);
        if (seen.get(uid) !== print) sync.controller.enqueue(uid);
        for (const c of pod.containers) if (c.state === 'CONTAINER_RUNNING') running.add(c.id);
      }
      for (const uid of seen.keys()) if (!next.has(uid)) sync.controller.enqueue(uid);
      seen = next;
      worker.probes.retain(running);
    };
    const started = (name: string, ms: number, fn: () => Promise<void>): void =>
      periodic(name, ms, fn).start();
    return {
      readiness: new HealthChecks().add('informers-synced', () => informers.synced && pods.hasSynced),
      startedFields: { node: config.nodeName, runtime: config.containerdSocket },
      run: async (signal) => {
        const informing = Promise.all([informers.run(signal), pods.run(signal)]);
        try {
          await agent.start(started);
          const cidr = await agent.waitForPodCIDR(signal);
          if (
            writeConflist(
              config.cniConfDir,
              podConflist({ podCIDR: cidr, bridge: config.cniBridge, ipamDir: config.cniIpamDir }),
            )
          )
            log.info('wrote the CNI config', { dir: config.cniConfDir, podCIDR: cidr });
          const serving =
            config.tlsCertFile && config.tlsPrivateKeyFile
              ? { certFile: config.tlsCertFile, keyFile: config.tlsPrivateKeyFile }
              : await ensureServingPair(config.rootDir, config.nodeName, hostIPs);
          startEndpoint(config, serving, config.address ?? hostIPs[0] ?? '0.0.0.0', log, signal);
          await Promise.all([informers.waitForSync(signal), pods.waitForSync(signal)]);
          await relist();
          started('runtime-relist', RELIST_MS, relist);
          started('resync', config.syncFrequencyMs, async () => {
            for (const p of pods.cache.list()) sync.controller.enqueue(p.metadata.uid ?? '');
          });
          await sync.controller.run(signal);
        } catch (err) {
          if (!signal.aborted) throw err;
        } finally {
          sync.detach();
          await informing;
          cri.close();
        }
      },
    };
  };
}

/** Runs the kubelet until a signal; returns the exit status. */
export function runKubelet(
  config: KubeletConfig,
  flags: ComponentFlags,
  stderr: NodeJS.WritableStream,
): Promise<number> {
  return runClientComponent({ component: 'kubelet', flags, stderr, setup: kubeletSetup(config) });
}
