/**
 * Starts the API server: store, credentials, bootstrap objects, HTTPS listener (its request
 * listener wrapped by the request metrics), admin kubeconfig, and the maintenance loops as named
 * periodic tasks (lib/component: a failure is logged and counted, never swallowed). Returns a
 * handle whose `close()` stops the tasks, ends every connection and closes the store.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { validateObjectUpdate } from '../../lib/api/validation/index.js';
import { PeriodicTask, taskMetrics } from '../../lib/component/index.js';
import { createLogger, type Logger } from '../../lib/obs/index.js';
import { openSqliteStore, type Store } from '../store/index.js';
import { admissionPlugins } from './admission-plugins.js';
import { ApiServiceAvailability } from './api-services.js';
import { Authorizer, loadTokens, type UserInfo } from './auth.js';
import { bootstrapCluster, ensureSystemObjects } from './bootstrap.js';
import { answerClientError, continueInTurn, lingerBeforeClose, trackAnswer } from './connections.js';
import { CrdController, validateCrd } from './crd.js';
import { createHandler } from './handler.js';
import { upgradeListener } from './http/upgrades.js';
import { rawErrorResponse } from './http-io.js';
import {
  type ApiServerMetrics,
  createApiServerMetrics,
  instrument,
  methodLabel,
  refreshStorageObjects,
} from './metrics.js';
import { NodeGraph } from './node-graph.js';
import { feedNodeGraph, type NodeGraphFeed } from './node-graph-feed.js';
import { ensurePki, ensureToken, kubeconfig, writePrivate } from './pki.js';
import { ensureSystemPriorityClasses } from './priority.js';
import { type BootstrapPolicy, bootstrapPolicy } from './rbac/bootstrap-policy.js';
import { type InstallReport, installBootstrapPolicy } from './rbac/install-bootstrap.js';
import { PolicyCache } from './rbac/policy-cache.js';
import { validateRbacObject, validateRbacUpdate } from './rbac/validation.js';
import { ResourceRegistry } from './resources.js';
import { RestStorage } from './rest.js';
import type { RepairReport } from './service-addresses.js';
import { firstServiceIp, parseIpv4Cidr } from './service-alloc.js';
import { ApiError } from './status.js';

/** The kubeconfigs written beside admin.kubeconfig, one per control-plane component. */
const COMPONENT_USERS = [
  { file: 'scheduler.kubeconfig', user: 'system:kube-scheduler' },
  { file: 'controller-manager.kubeconfig', user: 'system:kube-controller-manager' },
] as const;

/** The key service-account tokens are signed with: made on first start, kept in the data dir. */
function serviceAccountSigningKey(dataDir: string): Buffer {
  const path = join(dataDir, 'sa-signing.key');
  if (!existsSync(path)) writePrivate(path, `${randomBytes(32).toString('hex')}\n`);
  return Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
}

/** Options of `startApiServer`. */
export interface ApiServerOptions {
  readonly dataDir: string;
  /** Listen address (default 127.0.0.1). */
  readonly host?: string;
  /** Listen port (default 6443; 0 picks a free one). */
  readonly port?: number;
  /** Address written into kubeconfig and the kubernetes endpoints (default: host, or 127.0.0.1 for 0.0.0.0). */
  readonly advertiseAddress?: string;
  readonly serviceClusterIpRange?: string;
  readonly nodePortRange?: readonly [number, number];
  /** A store to use instead of the embedded SQLite one (etcd, tests). */
  readonly store?: Store;
  readonly requestTimeoutMs?: number;
  readonly bookmarkIntervalMs?: number;
  readonly watchBufferBytes?: number;
  /** How long Events live (default 1 h, kube-apiserver's --event-ttl). */
  readonly eventTtlMs?: number;
  /** How often the Service address repair loop runs (default 3 min, as kube-apiserver). */
  readonly addressRepairIntervalMs?: number;
  /** Told what each repair pass did (released leaks, duplicates), e.g. to log it. */
  readonly onAddressRepair?: (report: RepairReport) => void;
  /** How often deleted system namespaces and the kubernetes Service are re-created (default 10 s). */
  readonly systemReconcileIntervalMs?: number;
  /** How often `apiserver_storage_objects` is recounted (default 1 min). */
  readonly storageObjectsIntervalMs?: number;
  /** Where request failures of our own and failed maintenance tasks are logged (default: JSON lines on stderr). */
  readonly logger?: Logger;
  /**
   * Run the ServiceAccount admission plugin (pods get their service account's token volume);
   * needs the controller manager's service accounts and `kube-root-ca.crt` ConfigMaps.
   */
  readonly serviceAccountAdmission?: boolean;
  /** The RBAC bootstrap policy installed at every start, add-only (default: `bootstrapPolicy()`). */
  readonly bootstrapPolicy?: () => BootstrapPolicy;
}

/** A running API server. */
export interface ApiServer {
  readonly url: string;
  readonly port: number;
  readonly kubeconfigPath: string;
  readonly caCertPath: string;
  readonly store: Store;
  readonly rest: RestStorage;
  readonly resources: ResourceRegistry;
  /** The authorizer chain every request goes through (system:masters → Node → RBAC). */
  readonly authorizer: Authorizer;
  /** What installing the bootstrap policy at this start did. */
  readonly bootstrapReport: InstallReport;
  /** The admin bearer token from the token file. */
  readonly adminToken: string;
  /** The counters served on /metrics. */
  readonly metrics: ApiServerMetrics;
  /** Re-reads the token file (after adding users). */
  reloadTokens(): void;
  close(): Promise<void>;
}

/** Starts an API server; resolves once it listens and the bootstrap objects exist. */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const host = options.host ?? '127.0.0.1';
  const advertise = options.advertiseAddress ?? (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);
  const range = parseIpv4Cidr(options.serviceClusterIpRange ?? '10.96.0.0/16');
  const clusterIp = firstServiceIp(range);
  const files = await ensurePki({ dir: options.dataDir, hosts: [host, advertise, clusterIp] });
  const serviceAccountKey = serviceAccountSigningKey(options.dataDir);
  const store = options.store ?? openSqliteStore({ path: join(options.dataDir, 'state.db') });
  const resources = new ResourceRegistry();
  const crds = new CrdController(store, resources);
  const admission = admissionPlugins(store, { serviceAccount: options.serviceAccountAdmission === true });
  const rest = new RestStorage({
    admission: admission.admit,
    store,
    resources,
    serviceRange: range,
    nodePortRange: options.nodePortRange ?? [30000, 32767],
    extraValidation: (info, obj) => {
      if (info.custom) return crds.validate(info, obj);
      if (info.group === 'apiextensions.k8s.io' && info.kind === 'CustomResourceDefinition')
        return validateCrd(obj);
      if (info.group === 'rbac.authorization.k8s.io') return validateRbacObject(info.kind, obj);
      return [];
    },
    updateValidation: (info, next, current) =>
      info.group === 'rbac.authorization.k8s.io'
        ? validateRbacUpdate(info.kind, next, current)
        : info.custom
          ? []
          : validateObjectUpdate(next, current, info),
  });
  await crds.start();
  await admission.start();
  const apiServices = new ApiServiceAvailability(store, rest, resources);
  const policyCache = new PolicyCache(store);
  await policyCache.start();
  const nodeGraph = new NodeGraph();
  const authorizer = new Authorizer({
    policy: policyCache,
    storeRevision: () => store.revision(),
    nodeGraph,
  });
  // Each control-plane component gets its own identity, as kubeadm's scheduler.conf and
  // controller-manager.conf: authorization then limits it to what it needs (auth.ts).
  const componentTokens = COMPONENT_USERS.map((c) => ({
    ...c,
    token: ensureToken({ dir: options.dataDir, user: c.user }),
  }));
  let tokens: ReadonlyMap<string, UserInfo> = loadTokens(files.tokens);
  let graphFeed: NodeGraphFeed | undefined;
  let ready = false;
  let server: Server | undefined;
  const metrics = createApiServerMetrics();
  const logger = options.logger ?? createLogger({ component: 'apiserver' });
  const tasks: PeriodicTask[] = [];
  const periodic = (name: string, intervalMs: number, run: () => Promise<void> | void): PeriodicTask => {
    const task = new PeriodicTask({ name, intervalMs, run, logger, metrics: taskMetrics(metrics.registry) });
    tasks.push(task);
    return task;
  };
  const handler = createHandler({
    logger,
    metrics,
    rest,
    resources,
    authorizer,
    tokens: () => tokens,
    serverAddress: () => `${advertise}:${(server?.address() as AddressInfo | null)?.port ?? 0}`,
    ready: () => ready,
    serviceAccountKey,
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.bookmarkIntervalMs !== undefined ? { bookmarkIntervalMs: options.bookmarkIntervalMs } : {}),
    ...(options.watchBufferBytes !== undefined ? { watchBufferBytes: options.watchBufferBytes } : {}),
    // Kubelets know the API server by a client certificate (kube-apiserver's --kubelet-client-certificate).
    kubelet: { cert: readFileSync(files.adminCert), key: readFileSync(files.adminKey) },
  });
  const listener = instrument(metrics, resources, handler);
  // Upgrade requests (exec, attach) go through the same listener, on their raw sockets.
  const upgrades = upgradeListener(listener, trackAnswer);
  const srv = createServer(
    {
      // Bounds per client, near kube-apiserver's (ReadHeaderTimeout 32 s, IdleTimeout 90 s):
      // headers within 30 s, the whole request (headers + body, whose size readBody caps at
      // 3 MiB) within 60 s, an idle keep-alive connection closed after 65 s, checked every 5 s.
      // Headers are capped at Node's 16 KiB (431 beyond it); the request line counts in them.
      headersTimeout: 30_000,
      requestTimeout: 60_000,
      connectionsCheckingInterval: 5_000,
      maxHeaderSize: 16 * 1024,
      key: readFileSync(files.serverKey),
      cert: readFileSync(files.serverCert),
      ca: readFileSync(files.caCert),
      // Client certificates are optional (tokens also work) but, when sent, must chain to our CA.
      requestCert: true,
      rejectUnauthorized: false,
    },
    listener,
  );
  server = srv;
  srv.keepAliveTimeout = 65_000;
  srv.on('secureConnection', lingerBeforeClose);
  srv.on('request', (req: IncomingMessage, res: ServerResponse) => trackAnswer(req.socket, res));
  srv.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    continueInTurn(res);
    srv.emit('request', req, res);
  });
  srv.on('clientError', answerClientError);
  srv.on('upgrade', upgrades.onUpgrade);
  // CONNECT never reaches the request handler (Node hands over the socket): answer it here.
  srv.on('connect', (req: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => undefined);
    metrics.requests.inc({ method: methodLabel(req.method), code: 405 });
    socket.end(
      rawErrorResponse(
        new ApiError(
          405,
          'MethodNotAllowed',
          'the server does not allow this method on the requested resource',
        ),
      ),
    );
  });
  try {
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(options.port ?? 6443, host, () => {
        srv.off('error', reject);
        resolve();
      });
    });
    const port = (srv.address() as AddressInfo).port;
    await bootstrapCluster({ rest, resources, clusterIp, advertiseAddress: advertise, port });
    const bootstrapReport = await installBootstrapPolicy({
      rest,
      resources,
      policy: (options.bootstrapPolicy ?? bootstrapPolicy)(),
    });
    await ensureSystemPriorityClasses(rest, resources);
    await apiServices.start();
    await rest.resumeGracefulDeletions();
    graphFeed = await feedNodeGraph({ graph: nodeGraph, rest, resources });
    const urlHost = advertise.includes(':') ? `[${advertise}]` : advertise;
    const url = `https://${urlHost}:${port}`;
    const kubeconfigPath = join(options.dataDir, 'admin.kubeconfig');
    writePrivate(
      kubeconfigPath,
      kubeconfig({
        server: url,
        caCert: files.caCert,
        user: 'admin',
        clientCert: files.adminCert,
        clientKey: files.adminKey,
      }),
    );
    for (const c of componentTokens) {
      writePrivate(
        join(options.dataDir, c.file),
        kubeconfig({ server: url, caCert: files.caCert, user: c.user, token: c.token }),
      );
    }
    ready = true;
    // Users added to tokens.csv (addToken) are picked up without a restart.
    let tokensMtime = statSync(files.tokens, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    periodic('token-file-reload', 2000, () => {
      const m = statSync(files.tokens, { throwIfNoEntry: false })?.mtimeMs ?? 0;
      if (m !== tokensMtime) {
        tokensMtime = m;
        tokens = loadTokens(files.tokens);
      }
    });
    const ttl = options.eventTtlMs ?? 3_600_000;
    periodic('event-ttl-sweep', Math.min(ttl, 60_000), async () => {
      await rest.sweepEvents(ttl);
    });
    // Service address repair, as kube-apiserver's ClusterIP/NodePort repair loops (every 3 min).
    periodic('service-address-repair', options.addressRepairIntervalMs ?? 180_000, async () => {
      const report = await rest.repairServiceAddresses();
      options.onAddressRepair?.(report);
    });
    // System namespaces and the kubernetes Service come back when deleted (every 10 s, as there).
    periodic('system-objects', options.systemReconcileIntervalMs ?? 10_000, () =>
      ensureSystemObjects({ rest, resources, clusterIp, advertiseAddress: advertise, port }),
    );
    const storageObjects = periodic('storage-objects', options.storageObjectsIntervalMs ?? 60_000, () =>
      refreshStorageObjects(metrics, store, resources),
    );
    for (const t of tasks) t.start();
    void storageObjects.runNow();
    const adminToken = [...tokens.entries()].find(([, u]) => u.name === 'admin')?.[0] ?? '';
    return {
      url,
      port,
      kubeconfigPath,
      caCertPath: files.caCert,
      store,
      rest,
      resources,
      authorizer,
      bootstrapReport,
      adminToken,
      metrics,
      reloadTokens() {
        tokens = loadTokens(files.tokens);
      },
      async close() {
        ready = false;
        await Promise.all(tasks.map((t) => t.stop()));
        graphFeed?.stop();
        crds.stop();
        policyCache.stop();
        admission.stop();
        apiServices.stop();
        await new Promise<void>((resolve) => {
          srv.close(() => resolve());
          srv.closeAllConnections();
          upgrades.closeAll();
        });
        await store.close();
      },
    };
  } catch (err) {
    graphFeed?.stop();
    crds.stop();
    policyCache.stop();
    admission.stop();
    apiServices.stop();
    srv.close();
    srv.closeAllConnections();
    upgrades.closeAll();
    await store.close();
    throw err;
  }
}
