/**
 * The client against an in-process gRPC server built from the same proto on a unix socket:
 * typed responses (64-bit integers as strings, enums by name, absent messages null), the error
 * class and its predicates, deadlines and ExecSync's stretched deadline.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, isNotFound } from '../errors/index.js';
import { CriClient, CriError, criProtoPath, isCriNotFound, isCriUnavailable } from './index.js';

type Handler = grpc.handleUnaryCall<Record<string, unknown>, Record<string, unknown>>;

const NANOS = '1764950000123456789'; // past 2^53: must survive as a string

describe('CriClient', () => {
  let dir = '';
  let server: grpc.Server;
  let client: CriClient;
  const seen: Record<string, unknown>[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sy-cri-'));
    const def = protoLoader.loadSync(criProtoPath(), { keepCase: false, longs: String, enums: String });
    const runtime = def['runtime.v1.RuntimeService'] as grpc.ServiceDefinition;
    const images = def['runtime.v1.ImageService'] as grpc.ServiceDefinition;
    const version: Handler = (call, cb) => {
      seen.push(call.request);
      cb(null, { version: '0.1.0', runtimeName: 'fake', runtimeVersion: '1', runtimeApiVersion: 'v1' });
    };
    const containerStatus: Handler = (call, cb) => {
      seen.push(call.request);
      if (call.request.containerId !== 'c1') {
        cb({
          code: grpc.status.NOT_FOUND,
          details: `container "${String(call.request.containerId)}" not found`,
        });
        return;
      }
      cb(null, { status: { id: 'c1', state: 'CONTAINER_RUNNING', createdAt: NANOS, exitCode: 0 } });
    };
    const stopContainer: Handler = () => {
      // never answers: the deadline must end the call
    };
    const execSync: Handler = (call, cb) => {
      seen.push(call.request);
      setTimeout(() => cb(null, { stdout: Buffer.from('hi\n'), exitCode: 3 }), 300);
    };
    const imageStatus: Handler = (_call, cb) => cb(null, {});
    server = new grpc.Server();
    server.addService(runtime, {
      Version: version,
      ContainerStatus: containerStatus,
      StopContainer: stopContainer,
      ExecSync: execSync,
    });
    server.addService(images, { ImageStatus: imageStatus });
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`unix://${join(dir, 'cri.sock')}`, grpc.ServerCredentials.createInsecure(), (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    client = new CriClient(join(dir, 'cri.sock'), { timeoutMs: 200 });
  });

  afterAll(async () => {
    client?.close();
    await new Promise<void>((resolve) => server?.tryShutdown(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends typed requests and returns typed responses', async () => {
    const v = await client.version();
    expect(v).toEqual({
      version: '0.1.0',
      runtimeName: 'fake',
      runtimeVersion: '1',
      runtimeApiVersion: 'v1',
    });
    expect(seen.at(-1)).toMatchObject({ version: 'v1' });
    const s = await client.containerStatus({ containerId: 'c1' });
    expect(s.status?.state).toBe('CONTAINER_RUNNING');
    expect(s.status?.createdAt).toBe(NANOS);
    expect(s.status?.startedAt).toBe('0');
    expect(s.status?.metadata).toBeNull();
    expect(s.status?.mounts).toEqual([]);
    expect(s.status?.labels).toEqual({});
    expect(s.info).toEqual({});
    expect((await client.imageStatus({ image: { image: 'nope:latest' } })).image).toBeNull();
  });

  it('maps gRPC failures to CriError with the code', async () => {
    const err = await client.containerStatus({ containerId: 'c2' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CriError);
    expect(isCriNotFound(err)).toBe(true);
    expect(isNotFound(err)).toBe(true);
    expect(err).toMatchObject({
      method: 'ContainerStatus',
      grpcCode: grpc.status.NOT_FOUND,
      grpcStatus: 'NOT_FOUND',
      details: 'container "c2" not found',
      message: 'CRI ContainerStatus: NOT_FOUND: container "c2" not found',
    });
    const unimplemented = await client.listImages().catch((e: unknown) => e);
    expect(unimplemented).toMatchObject({ grpcStatus: 'UNIMPLEMENTED', code: ErrorCode.Unsupported });
  });

  it('ends a call at its deadline', async () => {
    const start = Date.now();
    const err = await client
      .stopContainer({ containerId: 'c1' }, { timeoutMs: 150 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ grpcStatus: 'DEADLINE_EXCEEDED', code: ErrorCode.Timeout });
    expect(Date.now() - start).toBeLessThan(1000);
  });

  it('stretches the deadline of ExecSync over its timeout; a non-zero exit is a response', async () => {
    const r = await client.execSync({ containerId: 'c1', cmd: ['echo', 'hi'], timeout: 1 });
    expect(r.stdout.toString()).toBe('hi\n');
    expect(r.stderr.length).toBe(0);
    expect(r.exitCode).toBe(3);
    expect(seen.at(-1)).toMatchObject({ containerId: 'c1', cmd: ['echo', 'hi'], timeout: '1' });
    // Without a timeout the client's own 200 ms deadline applies.
    const err = await client.execSync({ containerId: 'c1', cmd: ['true'] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ grpcStatus: 'DEADLINE_EXCEEDED' });
  });

  it('reports an absent runtime as UNAVAILABLE', async () => {
    const gone = new CriClient(join(dir, 'missing.sock'), { timeoutMs: 2000 });
    try {
      const err = await gone.version().catch((e: unknown) => e);
      expect(isCriUnavailable(err)).toBe(true);
    } finally {
      gone.close();
    }
  });
});
