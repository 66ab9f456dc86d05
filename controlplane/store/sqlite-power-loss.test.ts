/**
 * Power loss, simulated below the file system. The store runs in a child process on an ext4
 * file system on a loop device, mounted in a private mount namespace with `commit=600` (no
 * periodic journal commit) and `noauto_da_alloc`, so nothing reaches the device unless someone
 * syncs. The child's 16 writers create keys as fast as they can and print each one once it is
 * acknowledged. At the "power cut" the child kills itself with SIGKILL and the loop device's
 * backing image is copied at once: the copy holds exactly what the file system had sent to the
 * device — everything still in the page cache is lost, as in a real power cut. The copy is then
 * mounted (ext4 replays its journal), the store is opened on it, and every acknowledged key must
 * be there with its value.
 *
 * The control run is the same with the store's `syncFile` switched off: it must lose
 * acknowledged writes, which shows the harness tells a synced store from an unsynced one. A
 * kill -9 alone cannot: the page cache survives it (`apiserver/durability.test.ts` passes with
 * the fsync switched off).
 *
 * Needs root (loop devices, mount, unshare). Nothing leaks: the mounts live in mount namespaces
 * held by a `sleep` (at most 10 minutes) whose death unmounts them; `mount -o loop` detaches the
 * loop devices when their file system goes.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel, runId } from '../../test/harness/kernel.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const WRITERS = 16;
const STORM_MS = 1500;
let bundle: string;
let dir: string;
const processes = new Set<ChildProcess>();

/** The value the child writes for `key`; the check compares what it finds against it. */
const CHILD = `
import { openSqliteStore } from './sqlite.ts';
const [path, mode, cutAfterMs] = process.argv.slice(2);
const valueOf = (key) => JSON.stringify({ key, pad: 'x'.repeat(200) });
if (mode === 'check') {
  const store = openSqliteStore({ path, compactIntervalMs: 0 });
  const list = await store.list('/w/');
  process.stdout.write(JSON.stringify({ revision: list.revision, bad: list.items.filter((i) => i.value !== valueOf(i.key)).map((i) => i.key), keys: list.items.map((i) => i.key) }));
  await store.close();
} else {
  const store = openSqliteStore({ path, compactIntervalMs: 0, ...(mode === 'nosync' ? { syncFile: async () => {} } : {}) });
  // The power cut comes right after the first acknowledgement printed once cutAfterMs is up:
  // the other writers' next writes are queued, and the batch just acknowledged is the newest
  // on disk — or, unsynced, in the page cache only. (A timer alone would mostly fire just after
  // the longest event-loop turns, SQLite's checkpoints, which sync everything before them.)
  let due = false;
  setTimeout(() => { due = true; }, Number(cutAfterMs));
  const writer = async (w) => {
    for (let i = 0; ; i++) {
      const key = '/w/' + w + '/' + i;
      await store.create(key, valueOf(key));
      process.stdout.write(key + '\\n');
      if (due) process.kill(process.pid, 'SIGKILL');
    }
  };
  for (let w = 0; w < ${WRITERS}; w++) void writer(w);
}
`;

function missingTools(): string | undefined {
  for (const tool of ['losetup', 'mkfs.ext4', 'mount', 'unshare', 'nsenter', 'bash']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `the power-loss test needs ${tool} (util-linux, e2fsprogs)`;
    }
  }
  if (!existsSync('/dev/loop-control')) return 'the power-loss test needs loop devices (/dev/loop-control)';
  return undefined;
}

async function setUp(): Promise<void> {
  const missing = missingTools();
  if (missing) throw new Error(missing);
  // On tmpfs when there is one: the images stay in memory and the loop device's flushes are
  // cheap (the device is the image file; whether the host ever persists it does not matter).
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  dir = mkdtempSync(join(base, `sy-${runId()}-power-`));
  const out = join(root, 'node_modules', '.cache', 'switchyard-store-test');
  mkdirSync(out, { recursive: true });
  bundle = join(out, `power-loss-${process.pid}.mjs`);
  await build({
    stdin: { contents: CHILD, resolveDir: here, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: bundle,
    logLevel: 'error',
  });
}

async function tearDown(): Promise<void> {
  for (const p of processes) await stop(p);
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (bundle) rmSync(bundle, { force: true });
}

function exited(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((r) => p.once('exit', () => r()));
}

async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  await exited(p);
  processes.delete(p);
}

/**
 * Mounts `image` on `mountPoint` in a new private mount namespace held by a `sleep` (named
 * after the run, so the suite's guard would find it if it leaked). Killing it unmounts.
 */
async function mountHeld(image: string, mountPoint: string, options: string): Promise<ChildProcess> {
  mkdirSync(mountPoint, { recursive: true });
  const holder = spawn(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      '--',
      'bash',
      '-c',
      'mount -o "loop,$2" "$0" "$1" && echo mounted && exec -a "$3" sleep 600',
      image,
      mountPoint,
      options,
      `${dir}/holder`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  processes.add(holder);
  await new Promise<void>((resolve, reject) => {
    let err = '';
    holder.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
    });
    holder.stdout?.on('data', (c: Buffer) => {
      if (c.toString().includes('mounted')) resolve();
    });
    holder.once('exit', (code) => reject(new Error(`mounting ${image} failed (${code}): ${err}`)));
  });
  return holder;
}

/** Runs the child bundle inside `holder`'s mount namespace. */
function inMount(holder: ChildProcess, args: string[]): ChildProcess {
  const child = spawn(
    'nsenter',
    [`--mount=/proc/${holder.pid}/ns/mnt`, '--', process.execPath, bundle, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  processes.add(child);
  return child;
}

interface Outcome {
  readonly acked: readonly string[];
  readonly present: ReadonlySet<string>;
  readonly lost: readonly string[];
  readonly bad: readonly string[];
}

/** One storm, one power cut, one recovery. */
async function powerCut(name: string, mode: 'sync' | 'nosync'): Promise<Outcome> {
  const image = join(dir, `${name}.img`);
  const crashed = join(dir, `${name}-at-cut.img`);
  execFileSync('truncate', ['-s', '128M', image]);
  execFileSync('mkfs.ext4', [
    '-q',
    '-F',
    '-b',
    '4096',
    '-E',
    'lazy_itable_init=0,lazy_journal_init=0',
    image,
  ]);

  const live = await mountHeld(image, join(dir, `${name}-live`), 'commit=600,noauto_da_alloc');
  const acked: string[] = [];
  const writer = inMount(live, [join(dir, `${name}-live`, 'state.db'), mode, String(STORM_MS)]);
  // 'close', not 'exit': every acknowledgement the writer printed has been read by then.
  const closed = new Promise<void>((r) => writer.once('close', () => r()));
  let partial = '';
  let err = '';
  writer.stdout?.on('data', (c: Buffer) => {
    const lines = (partial + c.toString()).split('\n');
    partial = lines.pop() ?? '';
    acked.push(...lines);
  });
  writer.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  // The writer kills itself with SIGKILL after STORM_MS; the device keeps what it had been sent.
  await closed;
  if (writer.signalCode !== 'SIGKILL') throw new Error(`the writer exited with ${writer.exitCode}: ${err}`);
  execFileSync('cp', ['--sparse=always', image, crashed]);
  await stop(live);
  processes.delete(writer);

  const after = await mountHeld(crashed, join(dir, `${name}-after`), 'errors=remount-ro');
  try {
    const check = inMount(after, [join(dir, `${name}-after`, 'state.db'), 'check']);
    let out = '';
    let checkErr = '';
    check.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    check.stderr?.on('data', (c: Buffer) => {
      checkErr += c.toString();
    });
    const code = await new Promise<number | null>((r) => check.once('close', (c) => r(c)));
    processes.delete(check);
    if (code !== 0) throw new Error(`opening the store after the cut failed (${code}): ${checkErr}`);
    const found = JSON.parse(out) as { keys: string[]; bad: string[] };
    const present = new Set(found.keys);
    return { acked, present, lost: acked.filter((k) => !present.has(k)), bad: found.bad };
  } finally {
    await stop(after);
    rmSync(image, { force: true });
    rmSync(crashed, { force: true });
  }
}

describeKernel('sqlite store: power loss', () => {
  beforeAll(setUp);
  afterAll(tearDown);

  it('keeps every acknowledged write when the power goes mid-storm (unsynced page cache dropped)', async () => {
    const r = await powerCut('synced', 'sync');
    expect(r.acked.length).toBeGreaterThan(200);
    expect(r.lost).toEqual([]);
    expect(r.bad).toEqual([]);
    console.log(
      `power cut, fsync on: ${r.acked.length} acknowledged writes, ${r.present.size} present after the cut, 0 lost`,
    );
  });

  it('control: with the fsync switched off, the same cut loses acknowledged writes', async () => {
    // A cut right after one of SQLite's checkpoints loses nothing even unsynced (the checkpoint
    // synced it all), so the control gets four tries; one loss shows the harness sees it.
    const runs: Outcome[] = [];
    for (let i = 0; i < 4 && !runs.some((r) => r.lost.length > 0); i++) {
      runs.push(await powerCut(`unsynced${i}`, 'nosync'));
    }
    for (const r of runs) {
      expect(r.acked.length).toBeGreaterThan(200);
      console.log(
        `power cut, fsync off: ${r.acked.length} acknowledged writes, ${r.present.size} present after the cut, ${r.lost.length} lost`,
      );
    }
    expect(runs.some((r) => r.lost.length > 0)).toBe(true);
  });
});
