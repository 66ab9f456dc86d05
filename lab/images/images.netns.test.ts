/**
 * The three images in a real runtime: Debian's containerd 1.6, started in a throwaway network
 * namespace (nsenter --net, so runc still sees the cgroup mounts), imports the archives
 * `buildImages` wrote (`ctr images import`, CRI's k8s.io namespace) and runs them with `ctr run`:
 * busybox echoes, the pause image reaps an orphan and exits 0 within 1 s of SIGTERM, and the
 * suite image runs the CLI through its entrypoint and through `switchyard` on its PATH.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repoRoot } from '../../test/harness/cli.js';
import { describeKernel, uniqueName } from '../../test/harness/kernel.js';
import { type BuiltImage, buildImages } from './build.js';
import { BUSYBOX_ALIASES, BUSYBOX_IMAGE, imageCatalog, PAUSE_IMAGE, suiteImage } from './catalog.js';

/**
 * A project root for the suite image: package.json, package-lock.json, node_modules (the
 * repository's) and a dist/ bundled here as scripts/build.mjs bundles it, so the test never
 * writes the repository's own dist/.
 */
async function projectRoot(dir: string): Promise<string> {
  const root = join(dir, 'project');
  mkdirSync(root);
  for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(repoRoot, f), join(root, f));
  symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'));
  await build({
    entryPoints: { switchyard: join(repoRoot, 'cli', 'main.ts') },
    outdir: join(root, 'dist'),
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
    banner: {
      js: "import { createRequire as __syCreateRequire } from 'node:module'; const require = __syCreateRequire(import.meta.url);",
    },
  });
  return root;
}

/** Processes whose command line names our socket (containerd's shims), to kill by pid. */
function shimPids(sock: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(sock);
      } catch {
        return false;
      }
    })
    .map(Number);
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function wait(child: ChildProcess): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describeKernel('the lab images in containerd 1.6', () => {
  let host = '';
  let dir = '';
  let sock = '';
  let containerd: ChildProcess | undefined;
  let images: BuiltImage[] = [];
  let suite = '';
  const running: ChildProcess[] = [];

  const ctr = (...args: string[]): string =>
    execFileSync('ctr', ['-a', sock, '-n', 'k8s.io', ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const ctrRun = (...args: string[]): Promise<Run> => {
    const child = spawn('ctr', ['-a', sock, '-n', 'k8s.io', 'run', '--rm', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.push(child);
    return wait(child);
  };

  beforeAll(async () => {
    host = uniqueName('im');
    execFileSync('ip', ['netns', 'add', host]);
    execFileSync('ip', ['-n', host, 'link', 'set', 'lo', 'up']);
    dir = mkdtempSync(join(tmpdir(), 'sy-images-'));
    sock = join(dir, 'containerd.sock');
    const root = await projectRoot(dir);
    suite = suiteImage(root);
    const start = performance.now();
    images = buildImages(imageCatalog({ root }), { out: join(dir, 'images'), prune: true });
    console.log(
      `images built in ${Math.round(performance.now() - start)} ms: ${images.map((i) => `${i.name} ${(i.size / 2 ** 20).toFixed(1)} MiB`).join(', ')}`,
    );
    writeFileSync(
      join(dir, 'config.toml'),
      `version = 2
root = "${dir}/root"
state = "${dir}/state"
[grpc]
  address = "${sock}"
[ttrpc]
  address = "${sock}.ttrpc"
[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "${PAUSE_IMAGE}"
    restrict_oom_score_adj = true
  [plugins."io.containerd.internal.v1.opt"]
    path = "${dir}/opt"
`,
    );
    const log = join(dir, 'containerd.log');
    containerd = spawn(
      'nsenter',
      [`--net=/run/netns/${host}`, 'containerd', '--config', join(dir, 'config.toml')],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    containerd.stderr?.on('data', (d: Buffer) => writeFileSync(log, d, { flag: 'a' }));
    for (let i = 0; i < 100 && !existsSync(sock); i++) await sleep(100);
    for (const image of images) ctr('images', 'import', image.archive);
  }, 180_000);

  afterAll(async () => {
    for (const child of running) if (child.exitCode === null && child.pid) child.kill('SIGKILL');
    if (containerd?.pid) {
      containerd.kill('SIGTERM');
      await new Promise((r) => containerd?.once('exit', r));
    }
    for (const pid of shimPids(sock)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    // Unmount whatever a failed run left under our root (container rootfs, shm), deepest first.
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '')
      .filter((m) => dir && m.startsWith(dir))
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    if (host) execFileSync('ip', ['netns', 'del', host], { stdio: 'ignore' });
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('imports every image under each of its names with the built digest', () => {
    const listed = ctr('images', 'ls');
    for (const image of images) {
      for (const ref of image.refs) {
        expect(listed).toMatch(new RegExp(`^${ref.replaceAll('.', '\\.')}\\s.*${image.digest}`, 'm'));
      }
    }
    expect(images.map((i) => i.refs[0])).toEqual([BUSYBOX_IMAGE, PAUSE_IMAGE, suite]);
  });

  it('busybox runs a command (by its own name and as docker.io/library/busybox:1)', async () => {
    expect(await ctrRun(BUSYBOX_IMAGE, `${host}-b1`, 'echo', 'ok')).toMatchObject({
      code: 0,
      stdout: 'ok\n',
    });
    expect(
      await ctrRun(BUSYBOX_ALIASES[1] ?? '', `${host}-b2`, 'sh', '-c', 'id -un; echo $PATH'),
    ).toMatchObject({
      code: 0,
      stdout: 'root\n/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n',
    });
  }, 60_000);

  it('pause reaps an orphan and exits 0 within 1 s of SIGTERM', async () => {
    const id = `${host}-p1`;
    const done = ctrRun(PAUSE_IMAGE, id);
    let tasks = '';
    for (let i = 0; i < 100 && !/RUNNING/.test(tasks); i++) {
      await sleep(100);
      tasks = ctr('tasks', 'ls')
        .split('\n')
        .filter((l) => l.startsWith(id))
        .join('\n');
    }
    expect(tasks).toMatch(/RUNNING/);
    // An exec'd shell leaves a child behind; it is re-parented to the container's PID 1 and,
    // once it exits, must not stay a zombie.
    ctr('tasks', 'exec', '--exec-id', 'orphan', id, 'sh', '-c', 'sleep 0.2 & exit 0');
    await sleep(800);
    const states = ctr(
      'tasks',
      'exec',
      '--exec-id',
      'ps',
      id,
      'sh',
      '-c',
      'for f in /proc/[0-9]*/stat; do cat $f; done',
    );
    expect(states).toMatch(/^1 \(pause\) S /m);
    expect(states).not.toMatch(/\) Z /);
    const start = performance.now();
    ctr('tasks', 'kill', '--signal', 'SIGTERM', id);
    const result = await done;
    const ms = performance.now() - start;
    console.log(`pause stopped ${Math.round(ms)} ms after SIGTERM (ctr run returned)`);
    expect(result.code).toBe(0);
    expect(ms).toBeLessThan(1000);
  }, 60_000);

  it('the suite image runs the CLI through its entrypoint and as `switchyard` on PATH', async () => {
    const viaEntrypoint = await ctrRun(suite, `${host}-s1`);
    expect(viaEntrypoint.code).toBe(0);
    expect(viaEntrypoint.stdout).toMatch(/^usage: switchyard COMMAND/);
    const viaPath = await ctrRun(suite, `${host}-s2`, 'switchyard', 'images', '--help');
    expect(viaPath).toMatchObject({ code: 0 });
    expect(viaPath.stdout).toMatch(/usage: switchyard images build/);
  }, 60_000);
});
