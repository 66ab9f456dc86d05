/**
 * The kubelet's serving certificate when `--tls-cert-file`/`--tls-private-key-file` are not
 * given: a self-signed pair for the node's name and IP (as upstream's kubelet makes one when it
 * has none), written once under `<rootDir>/pki/kubelet.crt|key` by openssl and reused on later
 * starts.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ServingPair {
  readonly certFile: string;
  readonly keyFile: string;
}

/** The subjectAltName of the node's serving certificate. */
export function servingSan(nodeName: string, ips: readonly string[]): string {
  return [`DNS:${nodeName}`, ...[...new Set(ips)].map((ip) => `IP:${ip}`)].join(',');
}

/** The pair under `<rootDir>/pki/`, made when absent (ECDSA P-256, one year). */
export async function ensureServingPair(
  rootDir: string,
  nodeName: string,
  ips: readonly string[],
): Promise<ServingPair> {
  const dir = join(rootDir, 'pki');
  const pair = { certFile: join(dir, 'kubelet.crt'), keyFile: join(dir, 'kubelet.key') };
  if (existsSync(pair.certFile) && existsSync(pair.keyFile)) return pair;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    pair.keyFile,
    '-out',
    pair.certFile,
    '-days',
    '365',
    '-subj',
    `/CN=${nodeName}@${Math.floor(Date.now() / 1000)}`,
    '-addext',
    `subjectAltName=${servingSan(nodeName, ips)}`,
    '-addext',
    'extendedKeyUsage=serverAuth',
  ]);
  return pair;
}
