/**
 * A real API server in-process (port 0, temp dir) plus a client from its admin kubeconfig, for
 * the scheduler's and controllers' tests. No fake of the API anywhere.
 */
import { readFileSync } from 'node:fs';
import { KubeClient, parseKubeconfig } from '../../../lib/client/index.js';
import { startTestServer, type TestServer } from './apiserver.js';

/** A running API server and an admin client. */
export interface TestEnv {
  readonly server: TestServer;
  readonly client: KubeClient;
  /** A fresh client (components under test each get their own connection pool). */
  newClient(): KubeClient;
  stop(): Promise<void>;
}

/** Starts the API server and returns a client for it. */
export async function startTestEnv(): Promise<TestEnv> {
  const server = await startTestServer();
  const path = server.server.kubeconfigPath;
  const newClient = (): KubeClient =>
    new KubeClient({ config: parseKubeconfig(readFileSync(path, 'utf8'), { path }) });
  const client = newClient();
  return {
    server,
    client,
    newClient,
    async stop() {
      client.close();
      await server.stop();
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
