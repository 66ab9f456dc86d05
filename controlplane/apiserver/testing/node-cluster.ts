/**
 * The cluster the Node authorizer tests (node-authorization, node-writes, node-identity) run
 * against: a real server with kubelet tokens for node-1 and node-2 (as `addToken` makes them)
 * and two bound pods — web-1 on node-1 (Secrets by volume, env and image pull; a projected
 * ConfigMap; a service account) and other-2 on node-2 — plus objects no pod uses.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import {
  type Answer,
  call,
  startTestServer,
  type TestServer,
} from '../../../test/harness/cluster/apiserver.js';
import { addToken } from '../pki.js';
import { eventually } from './wait.js';

/** Content type of a JSON merge patch. */
export const MERGE = 'application/merge-patch+json';
/** The default namespace's path prefix. */
export const NS = '/api/v1/namespaces/default';

/** A request as the admin or as a node; JSON body unless `contentType` says otherwise. */
export type Caller = (method: string, path: string, body?: unknown, contentType?: string) => Promise<Answer>;

/** The handles of a node test file; valid from `beforeAll` on. */
export interface NodeCluster {
  readonly t: TestServer;
  /** node-2's bearer token. */
  readonly node2: string;
  readonly admin: (method: string, path: string, body?: unknown) => Promise<Answer>;
  /** Requests as node-1 and node-2. */
  readonly n1: Caller;
  readonly n2: Caller;
  /** Expects 201 and returns the answer. */
  created(r: Promise<Answer>): Promise<Answer>;
  secret(name: string): Promise<Answer>;
  configMap(name: string): Promise<Answer>;
  pod(name: string, spec: Record<string, unknown>): Promise<Answer>;
}

/** The 403 a denied node read gets: the authorizer's message and its reason after a colon. */
export const noRelation = (node: string, verb: string, what: string, name: string) =>
  `${what} "${name}" is forbidden: User "system:node:${node}" cannot ${verb} resource "${what}" in API group "" in the namespace "default": no relationship found between node '${node}' and this object`;

/** Waits (briefly) for the graph to follow a store change: it follows the store's watch. */
export async function eventuallyStatus(check: () => Promise<number>, status: number): Promise<void> {
  expect(await eventually(check, (s) => s === status)).toBe(status);
}

/** Starts the cluster before the file's tests and stops it after them. */
export function useNodeCluster(): NodeCluster {
  let server: TestServer | undefined;
  let node1 = '';
  let node2 = '';
  const started = (): TestServer => {
    if (!server) throw new Error('the node test server is not running (used outside a test?)');
    return server;
  };
  const admin = (method: string, path: string, body?: unknown): Promise<Answer> =>
    call(started().server, method, path, body !== undefined ? { body } : {});
  const as =
    (token: () => string): Caller =>
    (method, path, body, contentType) =>
      call(started().server, method, path, {
        as: { token: token() },
        ...(body !== undefined ? { body, contentType: contentType ?? 'application/json' } : {}),
      });
  const created = async (r: Promise<Answer>): Promise<Answer> => {
    const a = await r;
    expect(a.status, a.text).toBe(201);
    return a;
  };
  const secret = (name: string) => created(admin('POST', `${NS}/secrets`, { metadata: { name }, data: {} }));
  const configMap = (name: string) => created(admin('POST', `${NS}/configmaps`, { metadata: { name } }));
  const pod = (name: string, spec: Record<string, unknown>) =>
    created(
      admin('POST', `${NS}/pods`, {
        metadata: { name },
        spec: { containers: [{ name: 'c', image: 'busybox:1.36' }], ...spec },
      }),
    );
  beforeAll(async () => {
    server = await startTestServer();
    const dir = join(started().dir, 'data');
    node1 = addToken({ dir, user: 'system:node:node-1', groups: ['system:nodes'] });
    node2 = addToken({ dir, user: 'system:node:node-2', groups: ['system:nodes'] });
    started().server.reloadTokens();
    // Two bound pods: web-1 on node-1 (secrets by volume, env and image pull; a projected
    // ConfigMap; a service account), other-2 on node-2; and objects no pod uses.
    for (const s of ['s-vol', 's-env', 's-pull', 's-other', 's-unused']) await secret(s);
    for (const c of ['cm-proj', 'cm-other']) await configMap(c);
    await created(admin('POST', `${NS}/serviceaccounts`, { metadata: { name: 'web' } }));
    await pod('web-1', {
      nodeName: 'node-1',
      serviceAccountName: 'web',
      imagePullSecrets: [{ name: 's-pull' }],
      containers: [
        {
          name: 'c',
          image: 'busybox:1.36',
          env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's-env', key: 'k' } } }],
        },
      ],
      volumes: [
        { name: 'a', secret: { secretName: 's-vol' } },
        { name: 'b', projected: { sources: [{ configMap: { name: 'cm-proj' } }] } },
      ],
    });
    await pod('other-2', {
      nodeName: 'node-2',
      volumes: [
        { name: 'a', secret: { secretName: 's-other' } },
        { name: 'b', configMap: { name: 'cm-other' } },
      ],
    });
  });
  afterAll(async () => {
    await server?.stop();
  });
  return {
    get t() {
      return started();
    },
    get node2() {
      return node2;
    },
    admin,
    n1: as(() => node1),
    n2: as(() => node2),
    created,
    secret,
    configMap,
    pod,
  };
}
