/**
 * One real API server per test file, with the real kubectl wired to it: `useTestServer()`
 * registers the vitest `beforeAll`/`afterAll` that start the server (with a private kubectl HOME)
 * and stop it, and returns the handles every server test used to declare by hand — the server,
 * a kubectl runner, an admin HTTPS caller, a writer for `-f` files and a kubeconfig for a bearer
 * token.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import {
  type Answer,
  call,
  type KubectlResult,
  kubectl,
  kubectlEnv,
  startTestServer,
  type TestServer,
  writeTestFile,
} from '../../../test/harness/cluster/apiserver.js';
import { addToken, kubeconfig } from '../pki.js';
import type { ApiServerOptions } from '../server.js';

/** Where kubectl finds its kubeconfig and keeps its HOME and caches. */
export interface KubectlEnv {
  readonly kubeconfig: string;
  readonly home: string;
}

/** The handles of a server test file; `t` and `env` are valid from `beforeAll` on. */
export interface ServerHarness {
  /** The running test server. */
  readonly t: TestServer;
  /** The admin kubeconfig and private HOME. */
  readonly env: KubectlEnv;
  /** Runs kubectl as the admin. */
  k(...args: string[]): Promise<KubectlResult>;
  /** One HTTPS request as the admin, with an optional JSON (or `contentType`) body. */
  api(method: string, path: string, body?: unknown, contentType?: string): Promise<Answer>;
  /** GETs `path` as the admin and returns the body as JSON. */
  stored(path: string): Promise<Record<string, unknown>>;
  /** Writes a file in the server's temp dir and returns its path (for `kubectl -f`). */
  file(name: string, text: string): string;
  /** A kubeconfig for a bearer token beside the admin one, with its own HOME. */
  tokenKubeconfig(name: string, token: string): KubectlEnv;
  /**
   * A new token user `name` holding a Role of `rules` in `namespace` (Role and RoleBinding both
   * named `name`), and its kubeconfig.
   */
  userWithRole(name: string, namespace: string, rules: readonly PolicyRuleJson[]): Promise<KubectlEnv>;
}

/** One RBAC rule as the API takes it. */
export interface PolicyRuleJson {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

/**
 * Starts a test server before the file's tests and stops it after them; `setup` runs once
 * the server is up (to seed objects).
 */
export function useTestServer(
  options: {
    readonly server?: Partial<ApiServerOptions>;
    readonly setup?: (h: ServerHarness) => Promise<void>;
  } = {},
): ServerHarness {
  let server: TestServer | undefined;
  let env: KubectlEnv | undefined;
  const started = (): TestServer => {
    if (!server) throw new Error('the test server is not running (used outside a test?)');
    return server;
  };
  const h: ServerHarness = {
    get t() {
      return started();
    },
    get env() {
      if (!env) throw new Error('the test server is not running (used outside a test?)');
      return env;
    },
    k: (...args) => kubectl(h.env, args),
    api: (method, path, body, contentType) =>
      call(started().server, method, path, {
        ...(body !== undefined ? { body } : {}),
        ...(contentType ? { contentType } : {}),
      }),
    stored: async (path) => (await h.api('GET', path)).json,
    file: (name, text) => writeTestFile(started(), name, text),
    tokenKubeconfig(name, token) {
      const t = started();
      const path = join(t.dir, `${name}.kubeconfig`);
      writeFileSync(
        path,
        kubeconfig({ server: t.server.url, caCert: t.server.caCertPath, user: name, token }),
      );
      const home = join(t.dir, `home-${name}`);
      mkdirSync(home, { recursive: true });
      return { kubeconfig: path, home };
    },
    async userWithRole(name, namespace, rules) {
      const t = started();
      const token = addToken({ dir: join(t.dir, 'data'), user: name });
      t.server.reloadTokens();
      const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}`;
      const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name }, rules };
      const binding = {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [{ kind: 'User', name, apiGroup: 'rbac.authorization.k8s.io' }],
      };
      for (const [path, body] of [
        [`${rbac}/roles`, role],
        [`${rbac}/rolebindings`, binding],
      ] as const) {
        const made = await h.api('POST', path, body);
        if (made.status !== 201) throw new Error(`POST ${path}: ${made.status} ${JSON.stringify(made.json)}`);
      }
      return h.tokenKubeconfig(name, token);
    },
  };
  beforeAll(async () => {
    server = await startTestServer(options.server);
    env = kubectlEnv(server);
    await options.setup?.(h);
  });
  afterAll(async () => {
    await server?.stop();
  });
  return h;
}
