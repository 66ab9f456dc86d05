/**
 * volumes.ts: sources, host paths and CRI mounts (pure), and the writer on temp dirs — emptyDir,
 * hostPath type checks, configMap/secret files with modes and items, atomic updates through
 * `..data`, and the pod's directory removed.
 */
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { toKubeletPod } from './model.js';
import { apiPod } from './testing/fixtures.js';
import {
  checkHostPath,
  containerMounts,
  projectedFiles,
  removePodDir,
  setUpVolumes,
  volumePath,
  volumeSource,
  writeProjected,
} from './volumes.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'sy-vol-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const objects = {
  configMaps: new Map([
    ['cfg', { data: { 'app.conf': 'port=80\n', mode: 'dev' }, binaryData: { 'bin.dat': b64('\x00\x01') } }],
  ]),
  secrets: new Map([['creds', { data: { password: b64('s3cret') } }]]),
};

function pod(hostDir: string) {
  return toKubeletPod(
    apiPod(
      {
        containers: [
          {
            name: 'app',
            image: 'busybox',
            volumeMounts: [
              { name: 'scratch', mountPath: '/scratch' },
              { name: 'cfg', mountPath: '/etc/app' },
              { name: 'creds', mountPath: '/etc/creds', readOnly: false },
              { name: 'host', mountPath: '/host/sub', subPath: 'sub/dir', readOnly: true },
            ],
          },
        ],
        volumes: [
          { name: 'scratch', emptyDir: {} },
          {
            name: 'cfg',
            configMap: { name: 'cfg', items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o600 }] },
          },
          { name: 'creds', secret: { secretName: 'creds', defaultMode: 0o400 } },
          { name: 'host', hostPath: { path: hostDir, type: 'DirectoryOrCreate' } },
        ],
      },
      { name: 'web', namespace: 'default', uid: 'uid-1' },
    ),
  );
}

describe('volume sources and mounts', () => {
  it('types each source and names an unsupported one', () => {
    expect(volumeSource({ name: 'a', emptyDir: {} }, 0)).toEqual({ kind: 'emptyDir' });
    expect(volumeSource({ name: 'h', hostPath: { path: '/x' } }, 1)).toEqual({
      kind: 'hostPath',
      path: '/x',
      type: '',
    });
    expect(volumeSource({ name: 's', secret: { secretName: 'x', optional: true } }, 2)).toEqual({
      kind: 'secret',
      name: 'x',
      defaultMode: 0o644,
      optional: true,
    });
    expect(() => volumeSource({ name: 'n', nfs: { server: 'x' } }, 3)).toThrow(
      /^spec.volumes\[3\]: volume "n": unsupported volume source nfs/,
    );
    expect(() => volumeSource({ name: 'h', hostPath: { path: 'rel' } }, 0)).toThrow(
      /hostPath.path: must be absolute/,
    );
    expect(() =>
      volumeSource({ name: 'c', configMap: { name: 'c', items: [{ key: 'k', path: '../x' }] } }, 0),
    ).toThrow(/items\[0\].path: must be a relative path/);
  });

  it('maps volumeMounts to CRI mounts: plugin dirs, subPath, read-only configMap and secret', () => {
    const p = pod('/srv/host');
    const mounts = containerMounts(p, p.containers[0]!, '/var/lib/kubelet');
    expect(mounts).toEqual([
      {
        containerPath: '/scratch',
        hostPath: '/var/lib/kubelet/pods/uid-1/volumes/kubernetes.io~empty-dir/scratch',
        readonly: false,
      },
      {
        containerPath: '/etc/app',
        hostPath: '/var/lib/kubelet/pods/uid-1/volumes/kubernetes.io~configmap/cfg',
        readonly: true,
      },
      {
        containerPath: '/etc/creds',
        hostPath: '/var/lib/kubelet/pods/uid-1/volumes/kubernetes.io~secret/creds',
        readonly: true,
      },
      { containerPath: '/host/sub', hostPath: '/srv/host/sub/dir', readonly: true },
    ]);
    const bad = { ...p.containers[0]!, volumeMounts: [{ name: 'nope', mountPath: '/x' }] };
    expect(() => containerMounts(p, bad, '/r')).toThrow(/^app.volumeMounts\[0\].name: no volume "nope"/);
  });

  it('projects all keys or the items, decoding secrets, and honours optional', () => {
    const all = projectedFiles(
      { kind: 'configMap', name: 'cfg', defaultMode: 0o644, optional: false },
      objects,
    );
    expect([...(all ?? new Map()).keys()].sort()).toEqual(['app.conf', 'bin.dat', 'mode']);
    expect(all?.get('bin.dat')?.data).toEqual(Buffer.from([0, 1]));
    const secret = projectedFiles(
      { kind: 'secret', name: 'creds', defaultMode: 0o400, optional: false },
      objects,
    );
    expect(secret?.get('password')).toEqual({ data: Buffer.from('s3cret'), mode: 0o400 });
    expect(
      projectedFiles({ kind: 'secret', name: 'gone', defaultMode: 0o644, optional: true }, objects),
    ).toBeUndefined();
    expect(() =>
      projectedFiles({ kind: 'secret', name: 'gone', defaultMode: 0o644, optional: false }, objects),
    ).toThrow('secret "gone" not found');
    const items = {
      kind: 'configMap' as const,
      name: 'cfg',
      defaultMode: 0o644,
      optional: false,
      items: [{ key: 'x', path: 'x' }],
    };
    expect(() => projectedFiles(items, objects)).toThrow(/references non-existent key x/);
  });
});

describe('the volume writer', () => {
  it('sets up every volume, then removes the pod dir', () => {
    const root = tempDir();
    const host = join(tempDir(), 'made');
    const p = pod(host);
    setUpVolumes(p, root, objects);
    const vols = Object.fromEntries(
      p.volumes.map((v, i) => [
        v.name,
        volumePath(root, p.uid, { name: v.name, source: volumeSource(v, i) }),
      ]),
    );
    expect(statSync(vols.scratch!).mode & 0o777).toBe(0o777);
    expect(readFileSync(join(vols.cfg!, 'conf/app.conf'), 'utf8')).toBe('port=80\n');
    expect(statSync(join(vols.cfg!, 'conf/app.conf')).mode & 0o777).toBe(0o600);
    expect(readlinkSync(join(vols.cfg!, 'conf'))).toBe('..data/conf');
    expect(readFileSync(join(vols.creds!, 'password'), 'utf8')).toBe('s3cret');
    expect(statSync(join(vols.creds!, 'password')).mode & 0o777).toBe(0o400);
    expect(statSync(host).isDirectory()).toBe(true);

    removePodDir(root, p.uid);
    expect(existsSync(join(root, 'pods', 'uid-1'))).toBe(false);
    expect(existsSync(host)).toBe(true);
  });

  it('swaps projected files atomically and drops stale keys', () => {
    const dir = join(tempDir(), 'v');
    const f = (s: string) => ({ data: Buffer.from(s), mode: 0o644 });
    expect(
      writeProjected(
        dir,
        new Map([
          ['a', f('1')],
          ['b', f('2')],
        ]),
      ),
    ).toBe(true);
    const first = readlinkSync(join(dir, '..data'));
    expect(
      writeProjected(
        dir,
        new Map([
          ['a', f('1')],
          ['b', f('2')],
        ]),
      ),
    ).toBe(false);
    expect(writeProjected(dir, new Map([['a', f('3')]]))).toBe(true);
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('3');
    expect(existsSync(join(dir, 'b'))).toBe(false);
    expect(existsSync(join(dir, first))).toBe(false);
    expect(lstatSync(join(dir, 'a')).isSymbolicLink()).toBe(true);
  });

  it('checks hostPath types', () => {
    const d = tempDir();
    writeFileSync(join(d, 'file'), 'x');
    expect(() => checkHostPath(join(d, 'file'), 'File')).not.toThrow();
    expect(() => checkHostPath(join(d, 'file'), 'Directory')).toThrow(/is not a Directory/);
    expect(() => checkHostPath(join(d, 'absent'), 'Directory')).toThrow(/does not exist/);
    expect(() => checkHostPath(join(d, 'absent'), '')).not.toThrow();
    checkHostPath(join(d, 'new-file'), 'FileOrCreate');
    expect(statSync(join(d, 'new-file')).isFile()).toBe(true);
    expect(() => checkHostPath(join(d, 'file'), 'Socket')).toThrow(/is not a Socket/);
  });
});
