/**
 * log-reader.ts on real files in the CRI format, as containerd writes them: the whole log, the
 * tail, follow while the file grows (and ends when the container stops), follow across a
 * rotation (the old file renamed, a new one at the path), a slow reader (backpressure), a
 * client that leaves, and a missing file.
 */
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { openLogStream, type StreamLogOptions } from './log-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'sy-kubelet-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
const line = (text: string, stream = 'stdout', tag = 'F'): string =>
  `2026-12-05T18:00:${String(n++ % 60).padStart(2, '0')}.5Z ${stream} ${tag} ${text}\n`;

/** A sink that collects what is written; `delayMs` makes it slow (a small buffer, so writes wait). */
function sink(delayMs = 0): Writable & { text(): string } {
  const chunks: Buffer[] = [];
  const w = new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      if (delayMs > 0) setTimeout(done, delayMs);
      else done();
    },
  });
  return Object.assign(w, { text: () => Buffer.concat(chunks).toString() });
}

function options(over: Partial<StreamLogOptions> = {}): StreamLogOptions {
  return {
    selection: { timestamps: false },
    follow: false,
    isRunning: async () => false,
    signal: new AbortController().signal,
    recheckMs: 50,
    ...over,
  };
}

const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('openLogStream', () => {
  it('reads the whole log, joining pieces; an unterminated last line is written too', async () => {
    const path = file(
      'a.log',
      line('one') + line('tw', 'stderr', 'P') + line('o', 'stderr') + line('three').slice(0, -1),
    );
    const out = sink();
    await (await openLogStream(path, out, options()))();
    expect(out.text()).toBe('one\ntwo\nthree\n');
  });

  it('tails by file lines', async () => {
    const path = file('b.log', [1, 2, 3, 4, 5].map((i) => line(`l${i}`)).join(''));
    const out = sink();
    await (await openLogStream(path, out, options({ tailLines: 2 })))();
    expect(out.text()).toBe('l4\nl5\n');
    const none = sink();
    await (await openLogStream(path, none, options({ tailLines: 0 })))();
    expect(none.text()).toBe('');
  });

  it('follows the file as it grows and ends once the container stopped', async () => {
    const path = file('c.log', line('first'));
    let running = true;
    const out = sink();
    const done = (
      await openLogStream(path, out, options({ follow: true, isRunning: async () => running }))
    )();
    await sleep(100);
    appendFileSync(path, line('second'));
    await expect.poll(() => out.text(), { timeout: 3000 }).toBe('first\nsecond\n');
    appendFileSync(path, line('last'));
    running = false;
    await done;
    expect(out.text()).toBe('first\nsecond\nlast\n');
  });

  it('follow of a container that no longer runs reads the log and ends at once', async () => {
    const path = file('c2.log', line('done'));
    const out = sink();
    const started = Date.now();
    await (await openLogStream(path, out, options({ follow: true, recheckMs: 10_000 })))();
    expect(out.text()).toBe('done\n');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a runtime that cannot say whether the container runs ends the follow', async () => {
    const path = file('c3.log', line('x'));
    const isRunning = () => Promise.reject(new Error('CRI ContainerStatus: NOT_FOUND'));
    await (await openLogStream(path, sink(), options({ follow: true, isRunning })))();
  });

  it('follows across a rotation: the old file to its end, then the new one from its start', async () => {
    const path = file('d.log', line('old-1'));
    let running = true;
    const out = sink();
    const done = (
      await openLogStream(path, out, options({ follow: true, isRunning: async () => running }))
    )();
    await expect.poll(() => out.text()).toBe('old-1\n');
    appendFileSync(path, line('old-2'));
    renameSync(path, `${path}.20261205-180000`);
    writeFileSync(path, line('new-1'));
    await expect.poll(() => out.text(), { timeout: 3000 }).toBe('old-1\nold-2\nnew-1\n');
    running = false;
    await done;
  });

  it('waits for a slow reader instead of buffering (and loses nothing)', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => line(`line ${i} ${'x'.repeat(100)}`));
    const path = file('e.log', lines.join(''));
    const out = sink(1);
    const run = await openLogStream(path, out, options());
    await run();
    const got = out.text().split('\n');
    expect(got.length).toBe(301);
    expect(got[299]).toBe(`line 299 ${'x'.repeat(100)}`);
  });

  it('stops when the client leaves, also while following', async () => {
    const path = file('f.log', line('a'));
    const abort = new AbortController();
    const out = sink();
    const done = (
      await openLogStream(
        path,
        out,
        options({ follow: true, isRunning: async () => true, signal: abort.signal }),
      )
    )();
    await expect.poll(() => out.text()).toBe('a\n');
    abort.abort();
    await done;
  });

  it('a missing file fails before anything is written', async () => {
    await expect(openLogStream(join(dir, 'missing.log'), sink(), options())).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
