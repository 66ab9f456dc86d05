/**
 * In-cluster configuration against the real API server: a service-account token issued by it
 * (TokenRequest) is written with its CA and namespace into a directory laid out as the
 * kubelet's projected volume (`..data` → a timestamped directory, `token` → `..data/token`);
 * the loader picks it from the pod's service environment, the server names the service
 * account, a rotated token is used at once (and any token once it is a minute old), and each
 * missing piece is one clear error.
 */
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/harness/cluster/apiserver.js';
import { inClusterConfig } from './in-cluster.js';
import type { RestConfig } from './kubeconfig.js';
import { loadRestConfig } from './load-config.js';
import { coreResources, defineResource } from './resource.js';
import { KubeClient } from './rest.js';

const serviceAccounts = defineResource({
  group: '',
  version: 'v1',
  plural: 'serviceaccounts',
  kind: 'ServiceAccount',
  namespaced: true,
});

/** The part of a TokenRequest answer the tests read. */
interface TokenAnswer {
  readonly status?: { readonly token?: string };
}

let t: TestServer;
let admin: KubeClient;
let dir: string;
let generation = 0;

beforeAll(async () => {
  t = await startTestServer();
  admin = new KubeClient({
    config: {
      server: t.server.url,
      ca: readFileSync(t.server.caCertPath),
      token: t.server.adminToken,
      insecureSkipTlsVerify: false,
      namespace: 'apps',
      source: 'test',
    },
  });
  await admin.resource(coreResources.namespaces).create({ metadata: { name: 'apps' } });
  for (const name of ['runner', 'other'])
    await admin.resource(serviceAccounts).create({ metadata: { name } });
  dir = mkdtempSync(join(tmpdir(), 'sy-in-cluster-'));
});
afterAll(async () => {
  admin.close();
  await t.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A token for service account `name` in `apps`, from the server's TokenRequest. */
async function issueToken(name: string): Promise<string> {
  const answer = await admin.resource(serviceAccounts).createSubresource<TokenAnswer>(name, 'token', {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    metadata: {},
    spec: { expirationSeconds: 3600 },
  });
  const token = answer.status?.token;
  if (!token) throw new Error(`no token in ${JSON.stringify(answer)}`);
  return token;
}

/** Writes `files` as the kubelet does: a new timestamped directory, then an atomic `..data` swap. */
function project(sa: string, files: Readonly<Record<string, string | Buffer>>): void {
  mkdirSync(sa, { recursive: true });
  const gen = `..gen_${++generation}`;
  mkdirSync(join(sa, gen));
  for (const [name, body] of Object.entries(files)) writeFileSync(join(sa, gen, name), body);
  symlinkSync(gen, join(sa, '..data_tmp'));
  renameSync(join(sa, '..data_tmp'), join(sa, '..data'));
  for (const name of Object.keys(files)) {
    try {
      symlinkSync(join('..data', name), join(sa, name));
    } catch {
      // the link exists from an earlier projection and follows ..data
    }
  }
}

/** Who the server says `config` authenticates as (SelfSubjectReview, `kubectl auth whoami`). */
async function whoAmI(client: KubeClient): Promise<string> {
  const review = await client.requestJson<{ status?: { userInfo?: { username?: string } } }>({
    method: 'POST',
    path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
    contentType: 'application/json',
  });
  return review.status?.userInfo?.username ?? '';
}

const podEnv = (host: string, port: number) => ({
  KUBERNETES_SERVICE_HOST: host,
  KUBERNETES_SERVICE_PORT: String(port),
  HOME: join(tmpdir(), 'sy-no-home'),
});

describe('in-cluster configuration against the real API server', () => {
  it('authenticates with a service-account token the server issued, and follows its rotation', async () => {
    const sa = join(dir, 'serviceaccount');
    project(sa, {
      token: await issueToken('runner'),
      'ca.crt': readFileSync(t.server.caCertPath),
      namespace: 'apps',
    });
    const config: RestConfig = loadRestConfig({
      env: podEnv('127.0.0.1', t.server.port),
      serviceAccountDir: sa,
    });
    expect(config).toMatchObject({
      server: `https://127.0.0.1:${t.server.port}`,
      namespace: 'apps',
      tokenFile: join(sa, 'token'),
      insecureSkipTlsVerify: false,
      source: `in-cluster config (${sa})`,
    });
    const client = new KubeClient({ config });
    try {
      expect(await whoAmI(client)).toBe('system:serviceaccount:apps:runner');
      // The kubelet rotates the token: the next request uses the new one, long before the
      // once-a-minute re-read would.
      project(sa, {
        token: await issueToken('other'),
        'ca.crt': readFileSync(t.server.caCertPath),
        namespace: 'apps',
      });
      expect(await whoAmI(client)).toBe('system:serviceaccount:apps:other');
      // Single-object calls default to the namespace file's namespace.
      const sas = await client
        .resource(serviceAccounts)
        .get('runner')
        .catch((err: unknown) => err);
      expect((sas as { statusCode?: number }).statusCode).toBe(403); // apps/other may not read it: RBAC
      expect(JSON.stringify((sas as { status?: unknown }).status)).toContain('in the namespace \\"apps\\"');
    } finally {
      client.close();
    }
  });

  it('re-reads the token at least every minute, even when the file looks unchanged', async () => {
    const { FakeClock } = await import('../reconcile/index.js');
    const sa = join(dir, 'ttl');
    mkdirSync(sa);
    const [first, second] = [await issueToken('runner'), await issueToken('other')];
    const width = Math.max(first.length, second.length);
    const tokenPath = join(sa, 'token');
    const epoch = 1_700_000_000; // whole seconds, so the stamp can be restored exactly
    writeFileSync(tokenPath, first.padEnd(width, ' '));
    utimesSync(tokenPath, epoch, epoch);
    writeFileSync(join(sa, 'ca.crt'), readFileSync(t.server.caCertPath));
    const clock = new FakeClock();
    const client = new KubeClient({
      config: inClusterConfig({ env: podEnv('127.0.0.1', t.server.port), serviceAccountDir: sa }),
      clock,
    });
    try {
      expect(await whoAmI(client)).toBe('system:serviceaccount:apps:runner');
      // Same inode, size and mtime: nothing shows the change, so the cached token stays ...
      writeFileSync(tokenPath, second.padEnd(width, ' '));
      utimesSync(tokenPath, epoch, epoch);
      await clock.advance(59_999);
      expect(await whoAmI(client)).toBe('system:serviceaccount:apps:runner');
      // ... until it is a minute old (client-go's cachingTokenSource period).
      await clock.advance(1);
      expect(await whoAmI(client)).toBe('system:serviceaccount:apps:other');
    } finally {
      client.close();
    }
  });

  it('brackets an IPv6 service host (a server listening on ::1)', async () => {
    const v6 = await startTestServer({ host: '::1' });
    const sa = join(dir, 'v6');
    try {
      const token = await issueTokenFrom(v6);
      project(sa, { token, 'ca.crt': readFileSync(v6.server.caCertPath) });
      const config = inClusterConfig({ env: podEnv('::1', v6.server.port), serviceAccountDir: sa });
      expect(config.server).toBe(`https://[::1]:${v6.server.port}`);
      expect(config.namespace).toBe('default'); // no namespace file
      const client = new KubeClient({ config });
      try {
        expect(await whoAmI(client)).toBe('system:serviceaccount:default:default');
      } finally {
        client.close();
      }
    } finally {
      await v6.stop();
    }
  });

  it('names what is missing', () => {
    const none = join(dir, 'none');
    const sa = join(dir, 'serviceaccount');
    const fail = (f: () => unknown): string => {
      try {
        f();
      } catch (err: unknown) {
        return (err as Error).message;
      }
      throw new Error('expected an error');
    };
    expect(fail(() => loadRestConfig({ env: { HOME: none } }))).toBe(
      `no API server configuration: no --kubeconfig given, $KUBECONFIG not set, not in a pod ` +
        `($KUBERNETES_SERVICE_HOST/_PORT not set), and ${join(none, '.kube', 'config')} does not exist`,
    );
    expect(
      fail(() => loadRestConfig({ env: { KUBERNETES_SERVICE_HOST: '10.96.0.1' }, serviceAccountDir: sa })),
    ).toBe(
      `in-cluster config (${sa}): KUBERNETES_SERVICE_PORT: not set (KUBERNETES_SERVICE_HOST is "10.96.0.1")`,
    );
    expect(
      fail(() => loadRestConfig({ env: { KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: sa })),
    ).toBe(`in-cluster config (${sa}): KUBERNETES_SERVICE_HOST: not set (not running in a pod?)`);
    expect(fail(() => inClusterConfig({ env: podEnv('10.96.0.1', 70000), serviceAccountDir: sa }))).toMatch(
      /KUBERNETES_SERVICE_PORT: must be a port number, got "70000"$/,
    );
    expect(fail(() => inClusterConfig({ env: podEnv('10.96.0.1', 443), serviceAccountDir: none }))).toMatch(
      new RegExp(`^in-cluster config \\(${none}\\): token: cannot read ${join(none, 'token')}: `),
    );
    const noCa = join(dir, 'no-ca');
    project(noCa, { token: 'x' });
    expect(fail(() => inClusterConfig({ env: podEnv('10.96.0.1', 443), serviceAccountDir: noCa }))).toMatch(
      new RegExp(`: ca.crt: cannot read ${join(noCa, 'ca.crt')}: `),
    );
    const empty = join(dir, 'empty');
    project(empty, { token: '\n', 'ca.crt': 'x' });
    expect(fail(() => inClusterConfig({ env: podEnv('10.96.0.1', 443), serviceAccountDir: empty }))).toMatch(
      /: token: .* is empty$/,
    );
  });
});

/** A token for `default/default` from another server (its own signing key). */
async function issueTokenFrom(other: TestServer): Promise<string> {
  const client = new KubeClient({
    config: {
      server: other.server.url,
      ca: readFileSync(other.server.caCertPath),
      token: other.server.adminToken,
      insecureSkipTlsVerify: false,
      namespace: 'default',
      source: 'test',
    },
  });
  try {
    const sas = client.resource(serviceAccounts);
    await sas.create({ metadata: { name: 'default' } }).catch(() => undefined); // no controller makes it here
    const answer = await sas.createSubresource<TokenAnswer>('default', 'token', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: {},
      spec: {},
    });
    return answer.status?.token ?? '';
  } finally {
    client.close();
  }
}
