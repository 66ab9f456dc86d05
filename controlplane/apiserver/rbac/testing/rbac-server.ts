/**
 * The server the RBAC request tests (server.test.ts, escalation.test.ts) run against: the
 * minimal bootstrap policy, namespaces `team` and `other`, the service account `team/robot`,
 * and callers as the admin, as a token, and helpers that mint tokens.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import { type Answer, call, type TestServer } from '../../../../test/harness/cluster/apiserver.js';
import { addToken } from '../../pki.js';
import { type ServerHarness, useTestServer } from '../../testing/harness.js';
import { minimalPolicy } from './minimal-policy.js';

/** The RBAC API group. */
export const G = 'rbac.authorization.k8s.io';
/** The RBAC API's path prefix. */
export const RBAC = `/apis/${G}/v1`;

/** The handles of an RBAC request test file; valid from `beforeAll` on. */
export interface RbacServer {
  readonly t: TestServer;
  admin(method: string, path: string, body?: unknown): Promise<Answer>;
  /** A request with a bearer token. */
  as(token: string, method: string, path: string, body?: unknown): Promise<Answer>;
  /** POSTs as the admin, expects 201, returns the object. */
  mustCreate(path: string, body: unknown): Promise<Record<string, unknown>>;
  /** A TokenRequest token for a service account. */
  saToken(ns: string, name: string): Promise<string>;
  /** A static token for `user` in `groups`, loaded at once. */
  userToken(user: string, groups?: string[]): string;
}

async function mustCreate(h: ServerHarness, path: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await h.api('POST', path, body);
  expect(r.status, `${path}: ${r.text}`).toBe(201);
  return r.json;
}

/** Starts the server before the file's tests and stops it after them. */
export function useRbacServer(): RbacServer {
  const h = useTestServer({
    server: { bootstrapPolicy: minimalPolicy },
    async setup(h) {
      await mustCreate(h, '/api/v1/namespaces', { metadata: { name: 'team' } });
      await mustCreate(h, '/api/v1/namespaces', { metadata: { name: 'other' } });
      await mustCreate(h, '/api/v1/namespaces/team/serviceaccounts', { metadata: { name: 'robot' } });
    },
  });
  return {
    get t() {
      return h.t;
    },
    admin: (method, path, body) => h.api(method, path, body),
    as: (token, method, path, body) =>
      call(h.t.server, method, path, { as: { token }, ...(body === undefined ? {} : { body }) }),
    mustCreate: (path, body) => mustCreate(h, path, body),
    async saToken(ns, name) {
      const r = await h.api('POST', `/api/v1/namespaces/${ns}/serviceaccounts/${name}/token`, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {},
      });
      expect(r.status).toBe(201);
      return (r.json.status as { token: string }).token;
    },
    userToken(user, groups = []) {
      const token = addToken({ dir: join(h.t.dir, 'data'), user, groups });
      h.t.server.reloadTokens();
      return token;
    },
  };
}
