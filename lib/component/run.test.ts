import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { HealthChecks } from '../obs/index.js';
import { runClientComponent, untilSignal } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'sy-component-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A kubeconfig naming a loopback server nobody listens on: the run loop below never calls it. */
function kubeconfig(): string {
  const path = join(dir, 'kubeconfig.yaml');
  writeFileSync(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]',
      'users: [{name: u, user: {}}]',
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
    ].join('\n'),
  );
  return path;
}

/** Collects JSON log lines and resolves when one with `msg` arrives. */
function logLines(stream: PassThrough): {
  lines: Record<string, unknown>[];
  waitFor(msg: string): Promise<void>;
} {
  const lines: Record<string, unknown>[] = [];
  let buf = '';
  const waiters: { msg: string; resolve: () => void }[] = [];
  stream.on('data', (chunk: Buffer) => {
    buf += chunk.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = JSON.parse(buf.slice(0, i)) as Record<string, unknown>;
      buf = buf.slice(i + 1);
      lines.push(line);
      for (const w of waiters) if (w.msg === line.msg) w.resolve();
    }
  });
  return {
    lines,
    waitFor: (msg) =>
      lines.some((l) => l.msg === msg)
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ msg, resolve })),
  };
}

describe('untilSignal', () => {
  it('resolves on SIGTERM and on SIGINT, and removes its listeners', async () => {
    const before = [process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')];
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      const done = untilSignal();
      expect(process.listenerCount(sig)).toBe((sig === 'SIGTERM' ? before[0] : before[1])! + 1);
      process.emit(sig, sig);
      await done;
      expect([process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')]).toEqual(before);
    }
  });
});

describe('runClientComponent', () => {
  it('serves metrics and readiness, logs started, and on SIGTERM stops the loop then exits 0', async () => {
    const stderr = new PassThrough();
    const log = logLines(stderr);
    let ready = false;
    let loopStopped = false;
    const exit = runClientComponent({
      component: 'demo-component',
      metricsComponent: 'demo',
      flags: { kubeconfig: kubeconfig(), metricsAddr: '127.0.0.1:0', logLevel: 'info' },
      stderr,
      setup: ({ client, metrics }) => {
        expect(client).toBeDefined();
        expect(metrics.component).toBe('demo');
        return {
          readiness: new HealthChecks().add('loop', () => ready),
          startedFields: { identity: 'me' },
          run: (signal) =>
            new Promise<void>((resolve) =>
              signal.addEventListener('abort', () => {
                loopStopped = true;
                resolve();
              }),
            ),
        };
      },
    });
    await log.waitFor('started');
    const started = log.lines.find((l) => l.msg === 'started')!;
    expect(started).toMatchObject({
      component: 'demo-component',
      server: 'http://127.0.0.1:1',
      identity: 'me',
    });
    const url = started.metrics as string;
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    ready = true;
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${url}/metrics`)).text()).toContain('process_cpu_user_seconds_total');
    expect(loopStopped).toBe(false);
    process.emit('SIGTERM', 'SIGTERM');
    expect(await exit).toBe(0);
    expect(loopStopped).toBe(true);
    await expect(fetch(`${url}/readyz`)).rejects.toThrow();
  });
});
