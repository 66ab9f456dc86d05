/**
 * Helpers for the API server's own tests: a real server on 127.0.0.1 port 0 in a temp data
 * dir, an HTTPS client that trusts its CA, and the real kubectl with a private KUBECONFIG,
 * HOME and --cache-dir so discovery caches never leak between runs.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ApiServer,
  type ApiServerOptions,
  startApiServer,
} from '../../../controlplane/apiserver/index.js';

/** A running test server and its temp dir. */
export interface TestServer {
  readonly server: ApiServer;
  readonly dir: string;
  /** Stops the server and removes the temp dir. */
  stop(): Promise<void>;
}

/** Starts a server in a fresh temp dir on a free port. */
export async function startTestServer(extra: Partial<ApiServerOptions> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sy-apiserver-'));
  let server: ApiServer;
  try {
    server = await startApiServer({ dataDir: join(dir, 'data'), host: '127.0.0.1', port: 0, ...extra });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    server,
    dir,
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An HTTP answer, body parsed as JSON when possible. */
export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

/** Credentials for `call`. */
export type Credentials =
  | { readonly token: string }
  | { readonly cert: string; readonly key: string }
  | { readonly anonymous: true };

const agents = new Map<string, Agent>();

/** A keep-alive agent per server and client certificate, so tests measure the server, not TLS handshakes. */
function agentFor(url: string, ca: string, cert?: string): Agent {
  const key = `${url}|${cert ?? ''}`;
  let agent = agents.get(key);
  if (!agent) {
    agent = new Agent({ keepAlive: true, ca: readFileSync(ca) });
    agents.set(key, agent);
  }
  return agent;
}

/** One HTTPS request to the server. */
export function call(
  server: Pick<ApiServer, 'url' | 'caCertPath' | 'adminToken'>,
  method: string,
  path: string,
  options: {
    readonly body?: unknown;
    readonly contentType?: string;
    readonly accept?: string;
    readonly as?: Credentials;
    /** Further request headers (If-None-Match, …). */
    readonly headers?: Readonly<Record<string, string>>;
  } = {},
): Promise<Answer> {
  const as = options.as ?? { token: server.adminToken };
  const headers: Record<string, string> = {
    Accept: options.accept ?? 'application/json',
    ...options.headers,
  };
  if ('token' in as) headers.Authorization = `Bearer ${as.token}`;
  let payload: Buffer | undefined;
  if (options.body !== undefined) {
    payload = Buffer.isBuffer(options.body) ? options.body : Buffer.from(JSON.stringify(options.body));
    headers['Content-Type'] = options.contentType ?? 'application/json';
    headers['Content-Length'] = String(payload.length);
  }
  const url = new URL(path, server.url);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        headers,
        ...('cert' in as
          ? {
              ca: readFileSync(server.caCertPath),
              cert: readFileSync(as.cert),
              key: readFileSync(as.key),
              agent: false,
            }
          : { agent: agentFor(server.url, server.caCertPath) }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> = {};
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            // not JSON (health endpoints)
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** kubectl's environment for a test server: its admin kubeconfig, a private HOME in its temp dir. */
export function kubectlEnv(t: TestServer): { kubeconfig: string; home: string } {
  const home = join(t.dir, 'home');
  mkdirSync(home, { recursive: true });
  return { kubeconfig: t.server.kubeconfigPath, home };
}

/** Writes `text` to `name` in the test server's temp dir and returns the path (for `kubectl -f`). */
export function writeTestFile(t: TestServer, name: string, text: string): string {
  const path = join(t.dir, name);
  writeFileSync(path, text);
  return path;
}

/** Result of a kubectl run. */
export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real kubectl against `kubeconfig`, isolated HOME and cache; never throws on exit status. */
export function kubectl(
  env: { readonly kubeconfig: string; readonly home: string },
  args: readonly string[],
  options: { readonly timeoutMs?: number } = {},
): Promise<KubectlResult> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      ['--cache-dir', join(env.home, 'cache'), ...args],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: env.home, KUBECONFIG: env.kubeconfig },
        timeout: options.timeoutMs ?? 30_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
