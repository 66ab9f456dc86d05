import { readFileSync, statSync } from 'node:fs';
import type net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel, uniqueName } from '../../test/harness/kernel.js';
import { isAlreadyExists, isNotFound, type SwitchyardError } from '../errors/index.js';
import { createNetlink } from '../netlink/index.js';
import {
  connectTcpIn,
  createNetns,
  createTcpServerIn,
  createUdpSocketIn,
  deleteNetns,
  listNetns,
  netnsExists,
  netnsPath,
  runInNetns,
  withNetns,
} from './index.js';

function caught(fn: () => unknown): SwitchyardError {
  try {
    fn();
  } catch (err: unknown) {
    return err as SwitchyardError;
  }
  throw new Error('expected a throw');
}

const threadNetInode = (): number => statSync('/proc/thread-self/ns/net').ino;

describeKernel('lib/netns on the real kernel', () => {
  const a = uniqueName('ns');
  const b = uniqueName('ns');
  const nl = createNetlink();

  beforeAll(async () => {
    createNetns(a);
    createNetns(b);
    // Loopback up so sockets on 127.0.0.1 inside the namespaces are reachable.
    await nl.setLink(a, { name: 'lo', up: true });
  });

  afterAll(() => {
    nl.dispose();
    deleteNetns(a, { ignoreMissing: true });
    deleteNetns(b, { ignoreMissing: true });
  });

  it('creates, lists and deletes named namespaces like ip netns', async () => {
    expect(listNetns()).toEqual(expect.arrayContaining([a, b]));
    expect(netnsExists(a)).toBe(true);
    const seen = await runInNetns(undefined, { cmd: 'ip', args: ['netns', 'list'] });
    expect(seen.stdout).toContain(a);
    expect(isAlreadyExists(caught(() => createNetns(a)))).toBe(true);
    const c = uniqueName('ns');
    createNetns(c);
    deleteNetns(c);
    expect(netnsExists(c)).toBe(false);
    const missing = caught(() => deleteNetns(c));
    expect(isNotFound(missing)).toBe(true);
    expect(missing.message).toBe(`network namespace "${c}" not found`);
    deleteNetns(c, { ignoreMissing: true });
    expect(caught(() => createNetns('bad/name')).message).toMatch(/^name: must use only letters/);
  });

  it('runs a child process inside the namespace and reports its exit status', async () => {
    const links = await runInNetns(b, { cmd: 'ip', args: ['-o', 'link', 'show'] });
    expect(links.exitCode).toBe(0);
    expect(links.stdout.trim().split('\n')).toHaveLength(1);
    expect(links.stdout).toContain('lo:');
    const failed = await runInNetns(b, { cmd: 'sh', args: ['-c', 'echo oops >&2; exit 3'] });
    expect(failed).toEqual({ stdout: '', stderr: 'oops\n', exitCode: 3 });
    await expect(runInNetns(b, { cmd: 'false' }, { check: true })).rejects.toThrow(/false: exit status 1/);
    const input = await runInNetns(b, { cmd: 'cat' }, { input: 'piped' });
    expect(input.stdout).toBe('piped');
  });

  it('switches the main thread for a synchronous function and always switches back', () => {
    const root = threadNetInode();
    const inside = withNetns(a, () => threadNetInode());
    expect(inside).toBe(statSync(netnsPath(a)).ino);
    expect(threadNetInode()).toBe(root);
    // Nested: the inner call restores the outer namespace, not the original one.
    const [outer, innerSeen, afterInner] = withNetns(a, () => {
      const o = threadNetInode();
      const i = withNetns(b, () => threadNetInode());
      return [o, i, threadNetInode()];
    });
    expect(innerSeen).toBe(statSync(netnsPath(b)).ino);
    expect(afterInner).toBe(outer);
    expect(() =>
      withNetns(a, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(threadNetInode()).toBe(root);
    // An async function would leave the namespace at its first await: refused.
    const asyncErr = caught(() => withNetns(a, async () => 1));
    expect(asyncErr.field).toBe('fn');
    expect(threadNetInode()).toBe(root);
    // /proc/sys/net answers for the namespace of the thread that opens it.
    const lo = withNetns(b, () => readFileSync('/proc/net/dev', 'utf8'));
    expect(lo.split('\n').filter((l) => l.includes(':'))).toHaveLength(1);
  });

  it('names the namespace when it does not exist', async () => {
    const err = caught(() => withNetns('sy-no-such-ns', () => 1));
    expect(isNotFound(err)).toBe(true);
    expect(err.message).toBe('network namespace "sy-no-such-ns" not found');
    await expect(runInNetns('sy-no-such-ns', { cmd: 'true' })).rejects.toThrow(
      'network namespace "sy-no-such-ns" not found',
    );
    await expect(createTcpServerIn('sy-no-such-ns', { host: '127.0.0.1', port: 0 })).rejects.toThrow(
      'network namespace "sy-no-such-ns" not found',
    );
  });

  it('serves a TCP server that lives inside the namespace', async () => {
    const server = await createTcpServerIn(a, { host: '127.0.0.1', port: 0 });
    try {
      server.on('connection', (sock) => sock.end('hello from the namespace\n'));
      const port = (server.address() as net.AddressInfo).port;
      const ss = await runInNetns(a, { cmd: 'ss', args: ['-Hltn', `sport = :${port}`] });
      expect(ss.stdout).toContain(`127.0.0.1:${port}`);
      const reply = await runInNetns(
        a,
        { cmd: 'socat', args: ['-', `TCP:127.0.0.1:${port}`] },
        { timeoutMs: 5000 },
      );
      expect(reply.stdout).toBe('hello from the namespace\n');
      // The other namespace has no such listener.
      const other = await runInNetns(b, { cmd: 'ss', args: ['-Hltn', `sport = :${port}`] });
      expect(other.stdout.trim()).toBe('');
      const addrInUse = createTcpServerIn(a, { host: '127.0.0.1', port });
      await expect(addrInUse).rejects.toThrow(/^bind EADDRINUSE 127\.0\.0\.1:\d+ in network namespace/);
    } finally {
      server.close();
    }
  });

  it('connects from inside the namespace, as a forwarder into it would', async () => {
    const server = await createTcpServerIn(a, { host: '127.0.0.1', port: 0 });
    try {
      server.on('connection', (sock) => sock.once('data', (d) => sock.end(`echo ${d}`)));
      const port = (server.address() as net.AddressInfo).port;
      const client = await connectTcpIn(a, { host: '127.0.0.1', port, timeoutMs: 5000 });
      const reply = new Promise<string>((resolve) => {
        let buf = '';
        client.on('data', (d: Buffer) => {
          buf += d.toString();
        });
        client.on('end', () => resolve(buf));
      });
      client.write('hi');
      expect(await reply).toBe('echo hi');
      client.destroy();
      // In namespace b even loopback is down: the error names the target and the namespace.
      await expect(connectTcpIn(b, { host: '127.0.0.1', port })).rejects.toThrow(
        `connect ENETUNREACH 127.0.0.1:${port} in network namespace "${b}"`,
      );
      // In a, nothing listens on port 1.
      await expect(connectTcpIn(a, { host: '127.0.0.1', port: 1 })).rejects.toThrow(
        `connect ECONNREFUSED 127.0.0.1:1 in network namespace "${a}"`,
      );
    } finally {
      server.close();
    }
  });

  it('receives on a UDP socket bound inside the namespace', async () => {
    const sock = await createUdpSocketIn(a, { host: '127.0.0.1', port: 0 });
    try {
      const port = sock.address().port;
      const got = new Promise<string>((resolve) => sock.once('message', (m) => resolve(m.toString())));
      const sent = await runInNetns(
        a,
        { cmd: 'socat', args: ['-t', '0.05', '-', `UDP:127.0.0.1:${port}`] },
        { input: 'ping' },
      );
      expect(sent.exitCode).toBe(0);
      expect(await got).toBe('ping');
      const ss = await runInNetns(a, { cmd: 'ss', args: ['-Hlun', `sport = :${port}`] });
      expect(ss.stdout).toContain(`127.0.0.1:${port}`);
    } finally {
      sock.close();
    }
  });
});
