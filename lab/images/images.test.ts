/**
 * The image builder without a runtime: the tar writer's output read back by GNU tar, the OCI
 * documents' shapes and digests, reproducibility (two builds, same digests), the cache, and the
 * busybox and pause images built from this machine's busybox-static.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildImages, type ImageSpec } from './build.js';
import { BUSYBOX_ALIASES, BUSYBOX_IMAGE, IMAGE_PATH, imageCatalog, PAUSE_IMAGE } from './catalog.js';
import { imageConfig, imageIndex, imageManifest, MEDIA_TYPES } from './layout.js';
import { distEntries, nodeModulesEntries, PAUSE_SCRIPT, parseLdd, runtimePackages } from './sources.js';
import { dataEntry, type TarEntry, writeTar } from './tar.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sy-images-test-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tarBytes(entries: readonly TarEntry[]): Buffer {
  const chunks: Buffer[] = [];
  writeTar(entries, (c) => chunks.push(Buffer.from(c)));
  return Buffer.concat(chunks);
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Extracts a tar into a new directory with GNU tar; returns the directory. */
function extract(tar: string): string {
  const dir = tempDir();
  execFileSync('tar', ['-xf', tar, '-C', dir]);
  return dir;
}

const longPath = `a/${'deep-directory-name/'.repeat(8)}file-with-a-long-name-${'x'.repeat(80)}.txt`;

describe('writeTar', () => {
  const entries: TarEntry[] = [
    dataEntry('etc/passwd', 'root:x:0:0::/root:/bin/sh\n'),
    dataEntry('bin/tool', '#!/bin/sh\necho hi\n', 0o755),
    { kind: 'symlink', path: 'bin/sh', target: '/bin/tool' },
    { kind: 'dir', path: 'tmp', mode: 0o1777 },
    dataEntry(longPath, 'deep\n'),
    { kind: 'symlink', path: 'long-link', target: `/${longPath}` },
  ];

  it('writes sorted entries with their parents, owner 0, mtime 0 and the given modes', () => {
    const file = join(tempDir(), 'x.tar');
    writeFileSync(file, tarBytes(entries));
    const listing = execFileSync('tar', ['--numeric-owner', '-tvf', file], {
      encoding: 'utf8',
      env: { TZ: 'UTC' },
    })
      .trim()
      .split('\n');
    expect(listing.slice(0, 4)).toEqual([
      expect.stringMatching(/^drwxr-xr-x 0\/0 +0 1970-01-01 00:00 a\/$/),
      expect.stringMatching(/^drwxr-xr-x 0\/0 +0 1970-01-01 00:00 a\/deep-directory-name\/$/),
      expect.any(String),
      expect.any(String),
    ]);
    const names = listing.map((l) => l.split(/ +/).slice(5).join(' '));
    expect(names.filter((n) => !n.startsWith('a/'))).toEqual([
      'bin/',
      'bin/sh -> /bin/tool',
      'bin/tool',
      'etc/',
      'etc/passwd',
      `long-link -> /${longPath}`,
      'tmp/',
    ]);
    expect(listing.find((l) => l.endsWith(' bin/tool'))).toMatch(/^-rwxr-xr-x 0\/0 +18 1970-01-01 00:00 /);
    expect(listing.find((l) => l.endsWith(' tmp/'))).toMatch(/^drwxrwxrwt /);
    const root = extract(file);
    expect(readFileSync(join(root, longPath), 'utf8')).toBe('deep\n');
    expect(readlinkSync(join(root, 'long-link'))).toBe(`/${longPath}`);
  });

  it('gives the same bytes for the same entries in any order', () => {
    expect(tarBytes([...entries].reverse()).equals(tarBytes(entries))).toBe(true);
    expect(tarBytes(entries).length % 512).toBe(0);
  });

  it('rejects duplicate and malformed paths', () => {
    expect(() => tarBytes([dataEntry('a', 'x'), dataEntry('a', 'y')])).toThrow(/duplicate entry "a"/);
    expect(() => tarBytes([dataEntry('/abs', 'x')])).toThrow(/bad entry path/);
    expect(() => tarBytes([dataEntry('a/../b', 'x')])).toThrow(/bad entry path/);
    expect(() => tarBytes([dataEntry('a', 'x'), dataEntry('a/b', 'y')])).toThrow(/"a" is both a file/);
  });
});

describe('OCI documents', () => {
  const layer = { mediaType: MEDIA_TYPES.layer, digest: `sha256:${'a'.repeat(64)}`, size: 1024 };

  it('config: platform, run config, diff ids', () => {
    const config = JSON.parse(
      imageConfig('amd64', { env: [IMAGE_PATH], entrypoint: ['/pause'], workingDir: '/w' }, [
        layer,
      ]).toString(),
    );
    expect(config).toEqual({
      architecture: 'amd64',
      os: 'linux',
      config: { Env: [IMAGE_PATH], Entrypoint: ['/pause'], WorkingDir: '/w' },
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
    });
  });

  it('manifest and index: descriptors, one index entry per name with both annotations', () => {
    const configBytes = imageConfig('amd64', { env: [] }, [layer]);
    const config = { mediaType: MEDIA_TYPES.config, digest: sha256(configBytes), size: configBytes.length };
    const manifestBytes = imageManifest(config, [layer]);
    expect(JSON.parse(manifestBytes.toString())).toEqual({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.manifest,
      config,
      layers: [layer],
    });
    const manifest = {
      mediaType: MEDIA_TYPES.manifest,
      digest: sha256(manifestBytes),
      size: manifestBytes.length,
    };
    const index = JSON.parse(
      imageIndex(manifest, ['switchyard.local/x:1', 'docker.io/library/x:latest']).toString(),
    );
    expect(index).toEqual({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.index,
      manifests: ['switchyard.local/x:1', 'docker.io/library/x:latest'].map((ref) => ({
        ...manifest,
        annotations: { 'io.containerd.image.name': ref, 'org.opencontainers.image.ref.name': ref },
      })),
    });
  });
});

describe('parseLdd', () => {
  it('takes the resolved paths and the loader, skips the vDSO, fails on a missing library', () => {
    const text = `\tlinux-vdso.so.1 (0x00007ffd)
\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f52fce00000)
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f52fcc1e000)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f52fd1d2000)
`;
    expect(parseLdd(text)).toEqual([
      '/lib/x86_64-linux-gnu/libstdc++.so.6',
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/lib64/ld-linux-x86-64.so.2',
    ]);
    expect(() => parseLdd('\tlibgone.so.1 => not found\n')).toThrow(/cannot find libgone\.so\.1/);
  });
});

describe('the suite image sources', () => {
  it('takes the installed non-dev packages without their nested node_modules, and dist/ without stamps and caches', () => {
    const root = tempDir();
    writeFileSync(join(root, 'package.json'), '{"version":"1.2.3"}');
    writeFileSync(
      join(root, 'package-lock.json'),
      JSON.stringify({
        packages: {
          '': { name: 'x' },
          'node_modules/run': {},
          'node_modules/run/node_modules/nested': {},
          'node_modules/dev-only': { dev: true },
          'node_modules/optional-absent': { optional: true },
        },
      }),
    );
    for (const d of ['run/lib', 'run/node_modules/nested', 'dev-only']) {
      mkdirSync(join(root, 'node_modules', d), { recursive: true });
    }
    writeFileSync(join(root, 'node_modules/run/lib/index.js'), 'module.exports = 1;\n');
    writeFileSync(join(root, 'node_modules/run/node_modules/nested/index.js'), '');
    writeFileSync(join(root, 'node_modules/dev-only/index.js'), '');
    expect(runtimePackages(root)).toEqual(['node_modules/run', 'node_modules/run/node_modules/nested']);
    const paths = nodeModulesEntries(root).map((e) => e.path);
    expect(paths.sort()).toEqual([
      'switchyard/node_modules/run',
      'switchyard/node_modules/run/lib',
      'switchyard/node_modules/run/lib/index.js',
      'switchyard/node_modules/run/node_modules/nested',
      'switchyard/node_modules/run/node_modules/nested/index.js',
      'switchyard/package.json',
    ]);

    expect(() => distEntries(root)).toThrow(/switchyard\.mjs is missing/);
    mkdirSync(join(root, 'dist', 'cni'), { recursive: true });
    for (const f of ['switchyard.mjs', '.stamp', 'cni/bridge', 'cni/.bridge.0123.v8cache']) {
      writeFileSync(join(root, 'dist', f), '');
    }
    expect(
      distEntries(root)
        .map((e) => e.path)
        .sort(),
    ).toEqual([
      'switchyard/dist',
      'switchyard/dist/cni',
      'switchyard/dist/cni/bridge',
      'switchyard/dist/switchyard.mjs',
      'usr/local/bin/switchyard',
    ]);
  });
});

/** Reads an archive back: index → manifest → config and layers, checking every blob's digest. */
function readArchive(tar: string) {
  const root = extract(tar);
  const blob = (digest: string): Buffer => {
    const data = readFileSync(join(root, 'blobs', 'sha256', digest.replace('sha256:', '')));
    expect(sha256(data)).toBe(digest);
    return data;
  };
  expect(JSON.parse(readFileSync(join(root, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
  const index = JSON.parse(readFileSync(join(root, 'index.json'), 'utf8'));
  const entry = index.manifests[0];
  const manifestBytes = blob(entry.digest);
  expect(manifestBytes.length).toBe(entry.size);
  const manifest = JSON.parse(manifestBytes.toString());
  const config = JSON.parse(blob(manifest.config.digest).toString());
  const layers = manifest.layers.map((l: { digest: string; size: number }) => {
    const data = blob(l.digest);
    expect(data.length).toBe(l.size);
    return data;
  });
  expect(config.rootfs.diff_ids).toEqual(manifest.layers.map((l: { digest: string }) => l.digest));
  expect(readdirSync(join(root, 'blobs', 'sha256')).length).toBe(2 + new Set(config.rootfs.diff_ids).size);
  return { index, manifest, config, layers };
}

describe('buildImages', () => {
  function spec(file: string): ImageSpec {
    return {
      name: 'tiny',
      refs: ['switchyard.local/tiny:1'],
      layers: [
        { name: 'base', entries: () => [dataEntry('etc/hello', 'hello\n')] },
        {
          name: 'app',
          entries: () => [
            { kind: 'file', path: 'app/data', mode: 0o644, size: statSync(file).size, source: { file } },
          ],
        },
      ],
      run: { env: [IMAGE_PATH], cmd: ['cat', '/app/data'] },
    };
  }

  it('is reproducible, caches unchanged images and rebuilds changed ones', () => {
    const src = tempDir();
    const file = join(src, 'data');
    writeFileSync(file, 'one\n');
    const [a] = buildImages([spec(file)], { out: tempDir(), architecture: 'amd64', prune: true });
    const outB = tempDir();
    // A different mtime on the source must not change the image.
    utimesSync(file, new Date(1_000_000), new Date(2_000_000));
    const [b] = buildImages([spec(file)], { out: outB, architecture: 'amd64', prune: true });
    expect(a?.digest).toBe(b?.digest);
    expect(a?.cached).toBe(false);
    expect(readFileSync(a?.archive ?? '').equals(readFileSync(b?.archive ?? ''))).toBe(true);

    const again = buildImages([spec(file)], { out: outB, architecture: 'amd64', prune: true });
    expect(again[0]?.cached).toBe(true);
    expect(again[0]?.digest).toBe(b?.digest);

    const { index, config } = readArchive(b?.archive ?? '');
    expect(index.manifests[0].annotations['io.containerd.image.name']).toBe('switchyard.local/tiny:1');
    expect(config.config.Cmd).toEqual(['cat', '/app/data']);

    writeFileSync(file, 'two\n');
    const [c] = buildImages([spec(file)], { out: outB, architecture: 'amd64', prune: true });
    expect(c?.cached).toBe(false);
    expect(c?.digest).not.toBe(b?.digest);
    expect(c?.layers[0]).toEqual(b?.layers[0]);
    // The old app layer, config and manifest were pruned: three blobs of the old image are gone.
    const blobs = readdirSync(join(outB, '.cache', 'blobs', 'sha256'));
    expect(blobs.sort()).toEqual(
      [
        c?.digest,
        ...(c?.layers ?? []).map((l) => l.digest),
        readArchive(c?.archive ?? '').manifest.config.digest,
      ]
        .map((d) => String(d).replace('sha256:', ''))
        .sort(),
    );
  });
});

describe('the busybox and pause images', () => {
  it('are built from busybox-static, reproducibly, with the applets, passwd, group, /tmp and /pause', () => {
    const root = tempDir();
    mkdirSync(join(root, 'dist'));
    writeFileSync(join(root, 'package.json'), '{"version":"0.0.0"}');
    const catalog = imageCatalog({ root }).filter((s) => s.name !== 'switchyard');
    const first = buildImages(catalog, { out: tempDir() });
    const second = buildImages(catalog, { out: tempDir() });
    expect(second.map((i) => i.digest)).toEqual(first.map((i) => i.digest));
    const [busybox, pause] = first;
    expect(busybox?.refs).toEqual([BUSYBOX_IMAGE, ...BUSYBOX_ALIASES]);
    expect(pause?.refs).toEqual([PAUSE_IMAGE]);
    // The pause image is the busybox layer (shared, one blob in containerd) and /pause.
    expect(pause?.layers[0]).toEqual(busybox?.layers[0]);

    const bb = readArchive(busybox?.archive ?? '');
    expect(
      bb.index.manifests.map((m: { annotations: Record<string, string> }) => m.annotations),
    ).toHaveLength(3);
    expect(bb.config.config).toEqual({ Env: [IMAGE_PATH], Cmd: ['sh'] });
    const layerFile = join(tempDir(), 'layer.tar');
    writeFileSync(layerFile, bb.layers[0]);
    const fs = extract(layerFile);
    expect(readFileSync(join(fs, 'bin', 'busybox')).equals(readFileSync('/bin/busybox'))).toBe(true);
    for (const applet of ['bin/sh', 'bin/echo', 'bin/sleep', 'usr/bin/wget', 'sbin/ip']) {
      expect(readlinkSync(join(fs, applet))).toBe('/bin/busybox');
    }
    expect(readFileSync(join(fs, 'etc', 'passwd'), 'utf8')).toMatch(/^root:x:0:0:/);
    expect(readFileSync(join(fs, 'etc', 'group'), 'utf8')).toMatch(/^root:x:0:/);
    expect(statSync(join(fs, 'tmp')).mode & 0o7777).toBe(0o1777);

    const p = readArchive(pause?.archive ?? '');
    expect(p.config.config).toEqual({ Env: [IMAGE_PATH], Entrypoint: ['/pause'] });
    const pauseFile = join(tempDir(), 'pause.tar');
    writeFileSync(pauseFile, p.layers[1]);
    const pfs = extract(pauseFile);
    expect(readFileSync(join(pfs, 'pause'), 'utf8')).toBe(PAUSE_SCRIPT);
    expect(statSync(join(pfs, 'pause')).mode & 0o777).toBe(0o755);
  });
});
