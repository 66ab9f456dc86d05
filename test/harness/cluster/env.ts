/**
 * A real API server in-process (port 0, temp dir) plus a client from its admin kubeconfig, for
 * the scheduler's and controllers' tests. No fake of the API anywhere.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ApiServerOptions } from '../../../controlplane/apiserver/index.js';
import { KubeClient, parseKubeconfig } from '../../../lib/client/index.js';
import { startTestServer, type TestServer } from './apiserver.js';

/** A running API server and an admin client. */
export interface TestEnv {
  readonly server: TestServer;
  readonly client: KubeClient;
  /** A fresh admin client (components under test each get their own connection pool). */
  newClient(): KubeClient;
  /**
   * A fresh client as one of the users the API server writes a kubeconfig for beside
   * admin.kubeconfig (`scheduler`, `controller-manager`, …).
   */
  clientAs(user: string): KubeClient;
  stop(): Promise<void>;
}

/** Starts the API server (with `server` added to its options) and returns a client for it. */
export async function startTestEnv(server: Partial<ApiServerOptions> = {}): Promise<TestEnv> {
  const test = await startTestServer(server);
  const admin = test.server.kubeconfigPath;
  const clientFrom = (path: string): KubeClient =>
    new KubeClient({ config: parseKubeconfig(readFileSync(path, 'utf8'), { path }) });
  const newClient = (): KubeClient => clientFrom(admin);
  const client = newClient();
  return {
    server: test,
    client,
    newClient,
    clientAs: (user) => clientFrom(join(dirname(admin), `${user}.kubeconfig`)),
    async stop() {
      client.close();
      await test.stop();
    },
  };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err: unknown) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
