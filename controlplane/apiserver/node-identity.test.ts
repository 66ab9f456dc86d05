/**
 * Node identities against the real server: a client certificate with CN system:node:<name> and
 * O system:nodes is that node, and the authorizer's graph is rebuilt from the store across a
 * restart before the server answers.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { call } from '../../test/harness/cluster/apiserver.js';
import { addToken } from './pki.js';
import { startApiServer } from './server.js';
import { eventuallyStatus, NS, noRelation, useNodeCluster } from './testing/node-cluster.js';

const c = useNodeCluster();
const { created, secret, pod } = c;

describe('node identity by client certificate', () => {
  it('CN system:node:<name>, O system:nodes is that node (the x509 authenticator)', async () => {
    const pki = join(c.t.dir, 'data', 'pki');
    const key = join(c.t.dir, 'node-1.key');
    const csr = join(c.t.dir, 'node-1.csr');
    const cert = join(c.t.dir, 'node-1.crt');
    execFileSync('openssl', [
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-out',
      key,
    ]);
    execFileSync('openssl', [
      'req',
      '-new',
      '-key',
      key,
      '-subj',
      '/O=system:nodes/CN=system:node:node-1',
      '-out',
      csr,
    ]);
    execFileSync('openssl', [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      join(pki, 'ca.crt'),
      '-CAkey',
      join(pki, 'ca.key'),
      '-CAcreateserial',
      '-days',
      '1',
      '-out',
      cert,
    ]);
    await secret('s-cert');
    await pod('cert-1', { nodeName: 'node-1', volumes: [{ name: 'a', secret: { secretName: 's-cert' } }] });
    const get = (name: string) => call(c.t.server, 'GET', `${NS}/secrets/${name}`, { as: { cert, key } });
    await eventuallyStatus(async () => (await get('s-cert')).status, 200);
    expect((await get('s-other')).json.message).toBe(noRelation('node-1', 'get', 'secrets', 's-other'));
  });
});

describe('the graph across a restart', () => {
  it('is rebuilt from the store before the server answers', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sy-apiserver-'));
    try {
      const options = { dataDir, host: '127.0.0.1', port: 0 };
      let server = await startApiServer(options);
      const token = addToken({ dir: dataDir, user: 'system:node:node-5', groups: ['system:nodes'] });
      server.reloadTokens();
      await created(call(server, 'POST', `${NS}/secrets`, { body: { metadata: { name: 'kept' } } }));
      await created(
        call(server, 'POST', `${NS}/pods`, {
          body: {
            metadata: { name: 'p' },
            spec: {
              nodeName: 'node-5',
              containers: [{ name: 'c', image: 'busybox:1.36' }],
              volumes: [{ name: 'a', secret: { secretName: 'kept' } }],
            },
          },
        }),
      );
      await server.close();
      server = await startApiServer(options);
      try {
        const get = await call(server, 'GET', `${NS}/secrets/kept`, { as: { token } });
        expect(get.status).toBe(200);
      } finally {
        await server.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
