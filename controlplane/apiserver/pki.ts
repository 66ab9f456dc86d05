/**
 * First-start credentials in the data dir, made with the `openssl` command (Debian's openssl):
 * a CA, a serving certificate for the API server's names and addresses, an admin client
 * certificate (CN=admin, O=system:masters, the groups Kubernetes trusts fully), a token file in
 * kube-apiserver's --token-auth-file CSV format, and DIR/admin.kubeconfig (mode 0600).
 * Existing files are kept, so restarts reuse the same identity.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { invalid } from '../../lib/errors/index.js';
import { loadTokens } from './auth.js';

const run = promisify(execFile);

/** Where the credentials live. */
export interface PkiFiles {
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
  readonly tokens: string;
}

/** Options for `ensurePki`. */
export interface PkiOptions {
  readonly dir: string;
  /** Extra DNS names and IP addresses for the serving certificate. */
  readonly hosts: readonly string[];
}

/** Paths of the credential files in `dir/pki`. */
export function pkiFiles(dir: string): PkiFiles {
  const p = join(dir, 'pki');
  return {
    caCert: join(p, 'ca.crt'),
    caKey: join(p, 'ca.key'),
    serverCert: join(p, 'apiserver.crt'),
    serverKey: join(p, 'apiserver.key'),
    adminCert: join(p, 'admin.crt'),
    adminKey: join(p, 'admin.key'),
    tokens: join(dir, 'tokens.csv'),
  };
}

async function keyPair(key: string): Promise<void> {
  // P-256 keys: generated in milliseconds, accepted by Go's crypto/tls (kubectl) and Node.
  await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
  chmodSync(key, 0o600);
}

async function signed(options: {
  readonly files: PkiFiles;
  readonly key: string;
  readonly cert: string;
  readonly subject: string;
  readonly ext: string;
}): Promise<void> {
  await keyPair(options.key);
  const csr = `${options.cert}.csr`;
  const extFile = `${options.cert}.ext`;
  writeFileSync(extFile, options.ext);
  await run('openssl', ['req', '-new', '-key', options.key, '-subj', options.subject, '-out', csr]);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    options.files.caCert,
    '-CAkey',
    options.files.caKey,
    '-CAcreateserial',
    '-days',
    '3650',
    '-sha256',
    '-extfile',
    extFile,
    '-out',
    options.cert,
  ]);
}

/** Makes whatever credentials are missing; returns their paths. */
export async function ensurePki(options: PkiOptions): Promise<PkiFiles> {
  const files = pkiFiles(options.dir);
  mkdirSync(join(options.dir, 'pki'), { recursive: true, mode: 0o700 });
  if (!existsSync(files.caCert)) {
    await keyPair(files.caKey);
    await run('openssl', [
      'req',
      '-x509',
      '-new',
      '-key',
      files.caKey,
      '-subj',
      '/CN=switchyard-ca',
      '-days',
      '3650',
      '-sha256',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      files.caCert,
    ]);
  }
  if (!existsSync(files.serverCert)) {
    const names = [
      'localhost',
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local',
    ];
    const ips = ['127.0.0.1'];
    for (const h of options.hosts) {
      if (/^[0-9.]+$/.test(h) || h.includes(':')) ips.push(h);
      else names.push(h);
    }
    const san = [...new Set(names)].map((n) => `DNS:${n}`).concat([...new Set(ips)].map((i) => `IP:${i}`));
    await signed({
      files,
      key: files.serverKey,
      cert: files.serverCert,
      subject: '/CN=kube-apiserver',
      ext: `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${san.join(',')}\n`,
    });
  }
  if (!existsSync(files.adminCert)) {
    await signed({
      files,
      key: files.adminKey,
      cert: files.adminCert,
      subject: '/O=system:masters/CN=admin',
      ext: 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
    });
  }
  if (!existsSync(files.tokens)) {
    // kube-apiserver --token-auth-file: token,user,uid,"group1,group2".
    const token = randomBytes(24).toString('hex');
    writeFileSync(files.tokens, `${token},admin,admin,"system:masters"\n`, { mode: 0o600 });
  }
  return files;
}

/** Options for a kubeconfig. */
export interface KubeconfigOptions {
  readonly server: string;
  readonly caCert: string;
  readonly user: string;
  /** Client certificate and key files (embedded), or a bearer token. */
  readonly clientCert?: string;
  readonly clientKey?: string;
  readonly token?: string;
}

/** A kubeconfig (YAML is a superset of JSON, so JSON is written) with everything embedded. */
export function kubeconfig(options: KubeconfigOptions): string {
  const b64 = (file: string): string => readFileSync(file).toString('base64');
  const user: Record<string, string> = {};
  if (options.clientCert && options.clientKey) {
    user['client-certificate-data'] = b64(options.clientCert);
    user['client-key-data'] = b64(options.clientKey);
  }
  if (options.token) user.token = options.token;
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'switchyard',
        cluster: { server: options.server, 'certificate-authority-data': b64(options.caCert) },
      },
    ],
    users: [{ name: options.user, user }],
    contexts: [
      { name: 'switchyard', context: { cluster: 'switchyard', user: options.user, namespace: 'default' } },
    ],
    'current-context': 'switchyard',
    preferences: {},
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Writes `content` to `path` with mode 0600 (also when the file existed with wider mode). */
export function writePrivate(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/**
 * The bearer token of `user` in DIR/tokens.csv, added (with `groups`) when the user has none:
 * stable across restarts, so kubeconfigs written earlier keep working.
 */
export function ensureToken(options: {
  readonly dir: string;
  readonly user: string;
  readonly groups?: readonly string[];
}): string {
  for (const [token, user] of loadTokens(pkiFiles(options.dir).tokens)) {
    if (user.name === options.user) return token;
  }
  return addToken(options);
}

/**
 * Adds a user to DIR/tokens.csv and returns its new bearer token (for component and node
 * kubeconfigs: e.g. user `system:node:node-1`, groups `system:nodes`). A running server picks
 * the file up within a few seconds.
 */
export function addToken(options: {
  readonly dir: string;
  readonly user: string;
  readonly groups?: readonly string[];
}): string {
  if (!/^[^,"\n]+$/.test(options.user)) {
    throw invalid('user', `must not contain commas, quotes or newlines, got "${options.user}"`);
  }
  const token = randomBytes(24).toString('hex');
  const groups = (options.groups ?? []).join(',');
  appendFileSync(pkiFiles(options.dir).tokens, `${token},${options.user},${options.user},"${groups}"\n`, {
    mode: 0o600,
  });
  return token;
}
