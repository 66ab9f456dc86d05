import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, isInvalid, type SwitchyardError } from '../errors/index.js';
import { type ApiError, isUnauthorized } from './errors.js';
import { inClusterConfig } from './in-cluster.js';
import { loadKubeconfig, parseKubeconfig, type RestConfig } from './kubeconfig.js';
import { loadRestConfig } from './load-config.js';
import { coreResources } from './resource.js';
import { KubeClient } from './rest.js';

let dir: string;
let server: Server;
let url: string;
const b64 = (file: string) => readFileSync(join(dir, file)).toString('base64');

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA, a server certificate for 127.0.0.1 + api.switchyard.test, and a client certificate for "alice". */
function makePki(): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=sy-test-ca',
  );
  writeFileSync(
    join(dir, 'server.ext'),
    'subjectAltName=DNS:api.switchyard.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, cn] of [
    ['server', 'apiserver'],
    ['client', 'alice'],
  ] as const) {
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    );
  }
  writeFileSync(join(dir, 'token'), 'file-token\n');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sy-kubeconfig-'));
  makePki();
  server = createServer(
    {
      key: readFileSync(join(dir, 'server.key')),
      cert: readFileSync(join(dir, 'server.crt')),
      ca: readFileSync(join(dir, 'ca.crt')),
      requestCert: true,
      rejectUnauthorized: false, // token clients have no certificate; authorise per request
    },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const cn = socket.authorized ? socket.getPeerCertificate().subject?.CN : undefined;
      const auth = req.headers.authorization;
      const user =
        cn ??
        (auth === 'Bearer s3cret' ? 'token-user' : undefined) ??
        (auth === 'Bearer file-token' ? 'file-user' : undefined) ??
        (auth === `Basic ${Buffer.from('bob:pw').toString('base64')}` ? 'bob' : undefined);
      res.setHeader('content-type', 'application/json');
      if (!user) {
        res.writeHead(401);
        res.end(
          JSON.stringify({
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            reason: 'Unauthorized',
            code: 401,
            message: 'Unauthorized',
          }),
        );
        return;
      }
      res.end(
        JSON.stringify({
          kind: 'NamespaceList',
          apiVersion: 'v1',
          metadata: { resourceVersion: '1' },
          items: [{ metadata: { name: user } }],
        }),
      );
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

interface KcOptions {
  cluster?: Record<string, unknown>;
  user?: Record<string, unknown>;
  namespace?: string;
}

function kubeconfigYaml(o: KcOptions): string {
  const cluster = { server: url, ...o.cluster };
  const user = o.user ?? {};
  const ctx: Record<string, string> = {
    cluster: 'c',
    user: 'u',
    ...(o.namespace ? { namespace: o.namespace } : {}),
  };
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'ctx',
    clusters: [{ name: 'c', cluster }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: ctx }],
  });
}

function writeKubeconfig(o: KcOptions): string {
  const path = join(dir, `kc-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, kubeconfigYaml(o));
  return path;
}

async function whoAmI(config: RestConfig): Promise<string> {
  const client = new KubeClient({ config, timeoutMs: 5000 });
  try {
    const list = await client.resource(coreResources.namespaces).list();
    return list.items[0]!.metadata.name!;
  } finally {
    client.close();
  }
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err: unknown) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('kubeconfig against a real HTTPS server', () => {
  it('bearer token + certificate-authority file (relative to the kubeconfig)', async () => {
    const config = loadKubeconfig({
      path: writeKubeconfig({ cluster: { 'certificate-authority': 'ca.crt' }, user: { token: 's3cret' } }),
    });
    expect(await whoAmI(config)).toBe('token-user');
  });

  it('client certificate and key data + certificate-authority-data', async () => {
    const path = writeKubeconfig({
      cluster: { 'certificate-authority-data': b64('ca.crt') },
      user: { 'client-certificate-data': b64('client.crt'), 'client-key-data': b64('client.key') },
    });
    expect(await whoAmI(loadKubeconfig({ path }))).toBe('alice');
  });

  it('tokenFile and basic auth', async () => {
    expect(
      await whoAmI(
        loadKubeconfig({
          path: writeKubeconfig({
            cluster: { 'certificate-authority': 'ca.crt' },
            user: { tokenFile: 'token' },
          }),
        }),
      ),
    ).toBe('file-user');
    expect(
      await whoAmI(
        loadKubeconfig({
          path: writeKubeconfig({
            cluster: { 'certificate-authority': 'ca.crt' },
            user: { username: 'bob', password: 'pw' },
          }),
        }),
      ),
    ).toBe('bob');
  });

  it('insecure-skip-tls-verify accepts the unknown CA; without it the TLS check fails', async () => {
    const insecure = loadKubeconfig({
      path: writeKubeconfig({ cluster: { 'insecure-skip-tls-verify': true }, user: { token: 's3cret' } }),
    });
    expect(await whoAmI(insecure)).toBe('token-user');
    const strict = loadKubeconfig({ path: writeKubeconfig({ user: { token: 's3cret' } }) });
    const err = (await failure(whoAmI(strict))) as SwitchyardError;
    expect(err.code).toBe(ErrorCode.System);
    expect(err.message).toMatch(/self[- ]signed|unable to (verify|get local issuer)/i);
  });

  it('tls-server-name selects the name the certificate is checked against', async () => {
    const ok = loadKubeconfig({
      path: writeKubeconfig({
        cluster: { 'certificate-authority': 'ca.crt', 'tls-server-name': 'api.switchyard.test' },
        user: { token: 's3cret' },
      }),
    });
    expect(await whoAmI(ok)).toBe('token-user');
    const wrong = loadKubeconfig({
      path: writeKubeconfig({
        cluster: { 'certificate-authority': 'ca.crt', 'tls-server-name': 'other.example' },
        user: { token: 's3cret' },
      }),
    });
    expect((await failure(whoAmI(wrong))).message).toMatch(/other\.example/);
  });

  it('no credentials → 401 as an ApiError with isUnauthorized', async () => {
    const anon = loadKubeconfig({
      path: writeKubeconfig({ cluster: { 'certificate-authority': 'ca.crt' } }),
    });
    const err = await failure(whoAmI(anon));
    expect(isUnauthorized(err)).toBe(true);
    expect((err as ApiError).statusCode).toBe(401);
  });

  it('agrees with @kubernetes/client-node on server, namespace and credentials', () => {
    const text = kubeconfigYaml({
      cluster: { 'certificate-authority-data': b64('ca.crt'), 'tls-server-name': 'api.switchyard.test' },
      user: { token: 's3cret' },
      namespace: 'demo',
    });
    const ours = parseKubeconfig(text, { path: '/virtual' });
    const kc = new KubeConfig();
    kc.loadFromString(text);
    expect(ours.server).toBe(kc.getCurrentCluster()?.server);
    expect(ours.namespace).toBe(kc.getContextObject(kc.getCurrentContext())?.namespace);
    expect(ours.token).toBe(kc.getCurrentUser()?.token);
    expect(ours.ca?.toString('base64')).toBe(kc.getCurrentCluster()?.caData);
    expect(ours.tlsServerName).toBe(kc.getCurrentCluster()?.tlsServerName);
  });
});

describe('malformed kubeconfig → one clear error naming the path', () => {
  const base = {
    'current-context': 'ctx',
    clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443' } }],
    users: [{ name: 'u', user: { token: 'x' } }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
  };
  const cases: [string, unknown, string, string?][] = [
    ['bad YAML', 'a: [b', 'kubeconfig /x: not valid YAML'],
    ['not a mapping', '- 1', 'kubeconfig /x: must be a YAML mapping'],
    [
      'no current context',
      { ...base, 'current-context': undefined },
      'kubeconfig /x: current-context: not set',
    ],
    [
      'unknown context',
      { ...base, 'current-context': 'foo' },
      'kubeconfig /x: contexts: context "foo" (current-context) not found',
    ],
    ['requested context', base, 'kubeconfig /x: contexts: context "nope" (requested) not found', 'nope'],
    [
      'unknown cluster',
      { ...base, contexts: [{ name: 'ctx', context: { cluster: 'zz', user: 'u' } }] },
      'kubeconfig /x: clusters: cluster "zz" (context "ctx") not found',
    ],
    [
      'bad server',
      { ...base, clusters: [{ name: 'c', cluster: { server: 'ftp://h' } }] },
      'kubeconfig /x: clusters[0].cluster.server: must be an http or https URL',
    ],
    [
      'no server',
      { ...base, clusters: [{ name: 'c', cluster: {} }] },
      'kubeconfig /x: clusters[0].cluster.server: required',
    ],
    [
      'bad base64',
      {
        ...base,
        users: [{ name: 'u', user: { 'client-certificate-data': 'QUJD', 'client-key-data': 'not*base64' } }],
      },
      'kubeconfig /x: users[0].user.client-key-data: not valid base64',
    ],
    [
      'cert without key',
      { ...base, users: [{ name: 'u', user: { 'client-certificate-data': 'QUJD' } }] },
      'kubeconfig /x: users[0].user.client-key: required when a client certificate is set',
    ],
    [
      'missing CA file',
      {
        ...base,
        clusters: [
          { name: 'c', cluster: { server: 'https://h', 'certificate-authority': '/nonexistent/ca.crt' } },
        ],
      },
      'kubeconfig /x: clusters[0].cluster.certificate-authority: cannot read /nonexistent/ca.crt',
    ],
    [
      'insecure is not a boolean',
      {
        ...base,
        clusters: [{ name: 'c', cluster: { server: 'https://h', 'insecure-skip-tls-verify': 'yes' } }],
      },
      'kubeconfig /x: clusters[0].cluster.insecure-skip-tls-verify: must be true or false',
    ],
    [
      'exec plugin',
      { ...base, users: [{ name: 'u', user: { exec: { command: 'x' } } }] },
      'kubeconfig /x: users[0].user.exec: not supported',
    ],
    ['nameless entry', { ...base, users: [{ user: {} }] }, 'kubeconfig /x: users[0].name: required'],
  ];
  for (const [what, doc, message, context] of cases) {
    it(what, () => {
      const text = typeof doc === 'string' ? doc : JSON.stringify(doc);
      let err: unknown;
      try {
        parseKubeconfig(text, { path: '/x', ...(context ? { context } : {}) });
      } catch (e: unknown) {
        err = e;
      }
      expect(isInvalid(err)).toBe(true);
      expect((err as Error).message.startsWith(message)).toBe(true);
      expect((err as Error).message.split('\n')).toHaveLength(1);
    });
  }

  it('a missing file names the file', () => {
    expect(() => loadKubeconfig({ path: '/nonexistent/kubeconfig' })).toThrow(
      /^kubeconfig \/nonexistent\/kubeconfig: cannot read: .*ENOENT/,
    );
  });

  it('KUBECONFIG picks the file; the context namespace defaults to "default"', () => {
    const path = writeKubeconfig({ user: { token: 'x' } });
    const cfg = loadKubeconfig({ env: { KUBECONFIG: `${path}:/other` } });
    expect(cfg.namespace).toBe('default');
    expect(cfg.source).toBe(`kubeconfig ${path} (context "ctx")`);
  });
});

describe('in-cluster config', () => {
  it('reads the service account files and the service env', async () => {
    const sa = join(dir, 'sa');
    execFileSync('mkdir', ['-p', sa]);
    writeFileSync(join(sa, 'token'), 's3cret\n');
    writeFileSync(join(sa, 'ca.crt'), readFileSync(join(dir, 'ca.crt')));
    writeFileSync(join(sa, 'namespace'), 'kube-system');
    const port = new URL(url).port;
    const cfg = inClusterConfig({
      serviceAccountDir: sa,
      env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: port },
    });
    expect(cfg).toMatchObject({ server: url, namespace: 'kube-system', tokenFile: join(sa, 'token') });
    expect(await whoAmI(cfg)).toBe('token-user');
    expect(
      inClusterConfig({
        serviceAccountDir: sa,
        env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' },
      }).server,
    ).toBe('https://[fd00::1]:443');
    expect(() => inClusterConfig({ serviceAccountDir: sa, env: {} })).toThrow(
      /KUBERNETES_SERVICE_HOST: not set/,
    );
    expect(() =>
      inClusterConfig({
        serviceAccountDir: join(dir, 'none'),
        env: { KUBERNETES_SERVICE_HOST: 'h', KUBERNETES_SERVICE_PORT: '1' },
      }),
    ).toThrow(/token: cannot read/);
  });
});

describe('loadRestConfig lookup order', () => {
  it('flag, then $KUBECONFIG, then in-cluster, then ~/.kube/config', () => {
    const flag = writeKubeconfig({ user: { token: 'flag' } });
    const fromEnv = writeKubeconfig({ user: { token: 'env' } });
    const sa = join(dir, 'sa2');
    execFileSync('mkdir', ['-p', join(sa), join(dir, 'home', '.kube')]);
    writeFileSync(join(sa, 'token'), 'pod');
    writeFileSync(join(sa, 'ca.crt'), readFileSync(join(dir, 'ca.crt')));
    writeFileSync(join(dir, 'home', '.kube', 'config'), kubeconfigYaml({ user: { token: 'home' } }));
    const pod = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
    const home = { HOME: join(dir, 'home') };
    expect(loadRestConfig({ kubeconfig: flag, env: { KUBECONFIG: fromEnv, ...pod } }).token).toBe('flag');
    expect(loadRestConfig({ env: { KUBECONFIG: fromEnv, ...pod } }).token).toBe('env');
    expect(loadRestConfig({ env: { ...pod, ...home }, serviceAccountDir: sa }).tokenFile).toBe(
      join(sa, 'token'),
    );
    expect(loadRestConfig({ env: home }).token).toBe('home');
  });
});
