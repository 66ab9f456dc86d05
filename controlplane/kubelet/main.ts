/**
 * `switchyard kubelet` as a function: lib/component's client-component kit around the node
 * agent (register, Lease, status with the CRI runtime's health), the node's CNI config written
 * once its podCIDR is known, and the pod sync — a keyed controller over pod uids fed by the
 * informer of the pods bound here (`spec.nodeName=<node>`, the only pod list/watch the Node
 * authorizer allows), by a runtime relist every second (upstream's PLEG: a container that
 * exited, a sandbox that died; CRI's lists only) and by a periodic resync of every pod. Services come from a
 * shared informer (env service links); ConfigMaps and Secrets are read by name (pod-objects.ts).
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pod } from '../../lib/api/index.js';
import {
  Informer,
  type KubeClient,
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
import { type Container, CriClient, type PodSandbox } from '../../lib/cri/index.js';
import { HealthChecks, type Logger } from '../../lib/obs/index.js';
import { podConflist, writeConflist } from './cni-config.js';
import type { KubeletConfig } from './config.js';
import { parseResolvConf } from './dns.js';
import { hostFacts, NodeAgent } from './node-agent.js';
import type { RuntimeHealth } from './node-status.js';
import { LABEL_POD_UID } from './observed.js';
import { PodObjects } from './pod-objects.js';
import { PodWorker } from './pod-worker.js';
import { startKubeletServer } from './server/index.js';
import { ensureServingPair, type ServingPair } from './serving-cert.js';
import { criStatsProvider } from './stats/index.js';
import { portForwardHandler, remoteCommandHandler } from './streams/index.js';

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

/** What the relist compares, by pod uid: each sandbox's and container's id and state (CRI lists only). */
export function runtimeFingerprints(
  sandboxes: readonly Pick<PodSandbox, 'id' | 'state' | 'labels'>[],
  containers: readonly Pick<Container, 'id' | 'state' | 'labels'>[],
): Map<string, string> {
  const prints = new Map<string, string[]>();
  const add = (labels: Readonly<Record<string, string>>, entry: string): void => {
    const uid = labels[LABEL_POD_UID];
    if (!uid) return;
    const list = prints.get(uid) ?? [];
    list.push(entry);
    prints.set(uid, list);
  };
  for (const s of sandboxes) add(s.labels, `s:${s.id}:${s.state}`);
  for (const c of containers) add(c.labels, `c:${c.id}:${c.state}`);
  return new Map([...prints].map(([uid, list]) => [uid, list.sort().join(',')]));
}

/** How long to wait before trying registration again after a failure. */
export const REGISTER_RETRY_MS = 2000;

/** Runs `fn` until it succeeds (the API server or the runtime may not be up yet) or `signal` aborts. */
async function retrying<T>(what: string, log: Logger, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      signal.throwIfAborted();
      log.warn(`${what} failed; retrying`, { error: String(err) });
      await sleep(REGISTER_RETRY_MS, undefined, { signal });
    }
  }
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
 * The HTTPS endpoint on `address:port` (logs, exec, attach, port-forward, stats): server/ checks
 * the caller (client certificate from `--client-ca-file`, else TokenReview) and authorizes it
 * (SubjectAccessReview) through the node's own API client, resolves containers through CRI and
 * hands streams to streams/ and stats to stats/. Closed when `signal` aborts.
 */
async function startEndpoint(
  deps: {
    readonly config: KubeletConfig;
    readonly serving: ServingPair;
    readonly host: string;
    readonly client: KubeClient;
    readonly cri: CriClient;
    readonly log: Logger;
  },
  signal: AbortSignal,
): Promise<void> {
  const { config, serving, cri, log } = deps;
  const server = await startKubeletServer({
    nodeName: config.nodeName,
    host: deps.host,
    port: config.port,
    tls: { cert: readFileSync(serving.certFile), key: readFileSync(serving.keyFile) },
    ...(config.clientCAFile ? { clientCA: readFileSync(config.clientCAFile) } : {}),
    client: deps.client,
    cri,
    podLogsDir: config.podLogsDir,
    logger: log,
    remoteCommand: remoteCommandHandler({ cri, log }),
    portForward: portForwardHandler({ cri, log }),
    stats: criStatsProvider({
      cri,
      nodeName: config.nodeName,
      rootDir: config.rootDir,
      podLogsDir: config.podLogsDir,
    }),
  });
  log.info('serving', { address: `${server.host}:${server.port}` });
  signal.addEventListener('abort', () => void server.close(), { once: true });
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
      // A worker per pod the node may run, as upstream's goroutine per pod: a pod waiting out
      // its termination grace (or a slow sandbox start) never holds another pod back.
      workers: config.maxPods,
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
      const [sandboxes, containers] = await Promise.all([cri.listPodSandbox(), cri.listContainers()]);
      const next = runtimeFingerprints(sandboxes.items, containers.containers);
      for (const [uid, print] of next) if (seen.get(uid) !== print) sync.controller.enqueue(uid);
      for (const uid of seen.keys()) if (!next.has(uid)) sync.controller.enqueue(uid);
      seen = next;
      worker.probes.retain(
        new Set(containers.containers.filter((c) => c.state === 'CONTAINER_RUNNING').map((c) => c.id)),
      );
    };
    const started = (name: string, ms: number, fn: () => Promise<void>): void =>
      periodic(name, ms, fn).start();
    return {
      readiness: new HealthChecks().add('informers-synced', () => informers.synced && pods.hasSynced),
      startedFields: { node: config.nodeName, runtime: config.containerdSocket },
      run: async (signal) => {
        const informing = Promise.all([informers.run(signal), pods.run(signal)]);
        try {
          await retrying('node registration', log, signal, () => agent.start(started));
          const cidr = await retrying('the podCIDR', log, signal, () => agent.waitForPodCIDR(signal));
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
          await startEndpoint(
            { config, serving, host: config.address ?? '0.0.0.0', client, cri, log },
            signal,
          );
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
