/**
 * The pod's volumes (upstream pkg/volume: emptydir, hostpath, configmap, secret, projected,
 * downwardapi, and kubelet_pods.go makeMounts): the typed source of each `spec.volumes[]`
 * entry, where it lives on the node (`<rootDir>/pods/<uid>/volumes/kubernetes.io~<plugin>/<name>`,
 * a hostPath's own path), the files a configMap or secret volume projects (all keys or `items`,
 * `defaultMode` and per-item `mode`, secret data base64-decoded, `optional`; projected and
 * downwardAPI files come from projected.ts), and a container's CRI mounts
 * from its `volumeMounts` (readOnly, subPath). Those are pure; `setUpVolumes` makes the
 * directories, checks hostPath types and writes projected files atomically (a new timestamped
 * directory swapped in through the `..data` symlink, as upstream's AtomicWriter), and
 * `removePodDir` removes what the pod had on the node once it is gone.
 */
import {
  chmodSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, posix } from 'node:path';
import type { Volume } from '../../lib/api/index.js';
import type { MountInput } from '../../lib/cri/index.js';
import { invalid } from '../../lib/errors/index.js';
import type { ContainerSpec, KubeletPod, PodConfigObjects } from './model.js';
import {
  type DownwardItem,
  downwardFiles,
  downwardItems,
  type KeyToPath,
  keyToPaths,
  objectFiles,
  type ProjectedFile,
  type ProjectionSource,
  projectionFiles,
  projectionSources,
  record,
  relativePath,
} from './projected.js';

export type { KeyToPath, ProjectedFile } from './projected.js';

/** hostPath's `type` (core/v1 HostPathType); '' checks nothing. */
export type HostPathType =
  | ''
  | 'DirectoryOrCreate'
  | 'Directory'
  | 'FileOrCreate'
  | 'File'
  | 'Socket'
  | 'CharDevice'
  | 'BlockDevice';

export type VolumeSource =
  | { readonly kind: 'emptyDir' }
  | { readonly kind: 'hostPath'; readonly path: string; readonly type: HostPathType }
  | {
      readonly kind: 'configMap' | 'secret';
      readonly name: string;
      readonly items?: readonly KeyToPath[];
      readonly defaultMode: number;
      readonly optional: boolean;
    }
  | {
      readonly kind: 'projected';
      readonly sources: readonly ProjectionSource[];
      readonly defaultMode: number;
    }
  | { readonly kind: 'downwardAPI'; readonly items: readonly DownwardItem[]; readonly defaultMode: number };

/** A volume of the pod with its typed source. */
export interface PodVolume {
  readonly name: string;
  readonly source: VolumeSource;
}

/** The default file mode of configMap, secret, projected and downwardAPI volumes (0644). */
export const DEFAULT_MODE = 0o644;

const HOST_PATH_TYPES = new Set<string>([
  '',
  'DirectoryOrCreate',
  'Directory',
  'FileOrCreate',
  'File',
  'Socket',
  'CharDevice',
  'BlockDevice',
]);

const modeOf = (v: unknown): number => (typeof v === 'number' ? v : DEFAULT_MODE);

/** The typed source of `spec.volumes[i]`; an unsupported source throws naming the volume. */
export function volumeSource(v: Volume, index: number): VolumeSource {
  const field = `spec.volumes[${index}]`;
  if (record(v.emptyDir) || v.emptyDir === null) return { kind: 'emptyDir' };
  const host = record(v.hostPath);
  if (host) {
    const path = String(host.path ?? '');
    const type = String(host.type ?? '');
    if (!path.startsWith('/')) throw invalid(`${field}.hostPath.path`, `must be absolute, got "${path}"`);
    if (!HOST_PATH_TYPES.has(type)) throw invalid(`${field}.hostPath.type`, `unsupported type "${type}"`);
    return { kind: 'hostPath', path, type: type as HostPathType };
  }
  for (const kind of ['configMap', 'secret'] as const) {
    const o = record(v[kind]);
    if (!o) continue;
    const items = keyToPaths(`${field}.${kind}`, o.items);
    return {
      kind,
      name: String((kind === 'secret' ? o.secretName : o.name) ?? ''),
      ...(items ? { items } : {}),
      defaultMode: modeOf(o.defaultMode),
      optional: o.optional === true,
    };
  }
  const projected = record(v.projected);
  if (projected)
    return {
      kind: 'projected',
      sources: projectionSources(`${field}.projected`, projected.sources),
      defaultMode: modeOf(projected.defaultMode),
    };
  const downward = record(v.downwardAPI);
  if (downward)
    return {
      kind: 'downwardAPI',
      items: downwardItems(`${field}.downwardAPI`, downward.items),
      defaultMode: modeOf(downward.defaultMode),
    };
  const named = Object.keys(v).filter((k) => k !== 'name');
  throw invalid(field, `volume "${v.name}": unsupported volume source ${named.join(', ') || '(none)'}`);
}

/** The pod's volumes, typed. */
export function podVolumes(pod: Pick<KubeletPod, 'volumes'>): PodVolume[] {
  return pod.volumes.map((v, i) => ({ name: v.name, source: volumeSource(v, i) }));
}

/** `<rootDir>/pods/<uid>`: everything the pod has on the node besides its logs. */
export function podDir(rootDir: string, uid: string): string {
  return join(rootDir, 'pods', uid);
}

const PLUGIN_DIRS = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  projected: 'kubernetes.io~projected',
  downwardAPI: 'kubernetes.io~downward-api',
} as const;

/** Where a volume is on the node. */
export function volumePath(rootDir: string, uid: string, v: PodVolume): string {
  if (v.source.kind === 'hostPath') return v.source.path;
  return join(podDir(rootDir, uid), 'volumes', PLUGIN_DIRS[v.source.kind], v.name);
}

/**
 * The container's CRI mounts (makeMounts): each volumeMount's volume, or the subPath inside
 * it; configMap, secret, projected and downwardAPI volumes are always read-only.
 */
export function containerMounts(
  pod: Pick<KubeletPod, 'uid' | 'volumes'>,
  spec: Pick<ContainerSpec, 'name' | 'volumeMounts'>,
  rootDir: string,
): MountInput[] {
  const volumes = new Map(podVolumes(pod).map((v) => [v.name, v]));
  return spec.volumeMounts.map((m, i) => {
    const field = `${spec.name}.volumeMounts[${i}]`;
    const v = volumes.get(m.name);
    if (!v) throw invalid(`${field}.name`, `no volume "${m.name}" in the pod`);
    const base = volumePath(rootDir, pod.uid, v);
    const hostPath = m.subPath ? join(base, relativePath(`${field}.subPath`, m.subPath)) : base;
    const readonly = m.readOnly === true || (v.source.kind !== 'emptyDir' && v.source.kind !== 'hostPath');
    return { containerPath: m.mountPath, hostPath, readonly };
  });
}

/**
 * The files a configMap or secret volume projects, by relative path; undefined when the
 * object is absent and the volume optional. A missing object or item key throws.
 */
export function projectedFiles(
  source: Extract<VolumeSource, { kind: 'configMap' | 'secret' }>,
  objects: PodConfigObjects,
): Map<string, ProjectedFile> | undefined {
  return objectFiles(source, objects, source.defaultMode);
}

/** Every file a volume with projected content holds (configMap, secret, projected, downwardAPI). */
export function volumeFiles(
  source: Exclude<VolumeSource, { kind: 'emptyDir' | 'hostPath' }>,
  pod: KubeletPod,
  objects: PodConfigObjects,
): Map<string, ProjectedFile> {
  if (source.kind === 'projected') return projectionFiles(source.sources, pod, objects, source.defaultMode);
  if (source.kind === 'downwardAPI') return downwardFiles(source.items, pod, source.defaultMode);
  return projectedFiles(source, objects) ?? new Map();
}

/** Checks (and for the *OrCreate types makes) a hostPath volume's path. */
export function checkHostPath(path: string, type: HostPathType): void {
  const field = `hostPath ${path}`;
  if (type === 'DirectoryOrCreate' && !existsSync(path)) mkdirSync(path, { recursive: true, mode: 0o755 });
  if (type === 'FileOrCreate' && !existsSync(path)) closeSync(openSync(path, 'a', 0o644));
  if (type === '') return;
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    throw invalid(field, `hostPath type check failed: ${path} does not exist`);
  }
  const ok =
    type === 'Directory' || type === 'DirectoryOrCreate'
      ? st.isDirectory()
      : type === 'File' || type === 'FileOrCreate'
        ? st.isFile()
        : type === 'Socket'
          ? st.isSocket()
          : type === 'CharDevice'
            ? st.isCharacterDevice()
            : st.isBlockDevice();
  if (!ok) throw invalid(field, `hostPath type check failed: ${path} is not a ${type}`);
}

const DATA_LINK = '..data';

/** Every file under `dir` (relative paths), with its bytes. */
function readTree(dir: string, prefix = ''): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) for (const [k, v] of readTree(dir, rel)) out.set(k, v);
    else out.set(rel, readFileSync(join(dir, rel)));
  }
  return out;
}

function sameFiles(dir: string, files: ReadonlyMap<string, ProjectedFile>): boolean {
  try {
    const current = readTree(join(dir, DATA_LINK));
    if (current.size !== files.size) return false;
    for (const [path, f] of files) {
      const have = current.get(path);
      if (!have?.equals(f.data)) return false;
      if ((statSync(join(dir, DATA_LINK, path)).mode & 0o7777) !== f.mode) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes `files` into `dir` atomically: a fresh `..<time>` directory, `..data` swapped to it by a
 * rename, a top-level symlink per first path element into `..data`; stale entries and the old
 * directory removed. Returns false when `dir` already holds exactly these files.
 */
export function writeProjected(dir: string, files: ReadonlyMap<string, ProjectedFile>): boolean {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (sameFiles(dir, files)) return false;
  const stamp = `..${new Date().toISOString().replace(/[-:.]/g, '_')}_${process.pid}`;
  const target = join(dir, stamp);
  mkdirSync(target, { mode: 0o755 });
  for (const [path, f] of files) {
    mkdirSync(dirname(join(target, path)), { recursive: true, mode: 0o755 });
    writeFileSync(join(target, path), f.data);
    chmodSync(join(target, path), f.mode);
  }
  let old: string | undefined;
  try {
    old = readlinkSync(join(dir, DATA_LINK));
  } catch {
    old = undefined;
  }
  const tmpLink = join(dir, '..data_tmp');
  rmSync(tmpLink, { force: true });
  symlinkSync(stamp, tmpLink);
  renameSync(tmpLink, join(dir, DATA_LINK));
  const top = new Set([...files.keys()].map((p) => p.split('/')[0] ?? p));
  for (const name of top) {
    try {
      lstatSync(join(dir, name));
    } catch {
      symlinkSync(posix.join(DATA_LINK, name), join(dir, name));
    }
  }
  for (const name of readdirSync(dir)) {
    const stale = name.startsWith('..') ? name === old && old !== stamp : !top.has(name);
    if (stale) rmSync(join(dir, name), { recursive: true, force: true });
  }
  return true;
}

/**
 * Makes every volume of the pod ready before its containers start (upstream
 * WaitForAttachAndMount): emptyDir directories, hostPath checks, and the files of configMap,
 * secret, projected and downwardAPI volumes (rewritten only when they changed, e.g. a token).
 * Throws the first failure, naming the volume.
 */
export function setUpVolumes(pod: KubeletPod, rootDir: string, objects: PodConfigObjects): void {
  for (const v of podVolumes(pod)) {
    const path = volumePath(rootDir, pod.uid, v);
    try {
      const s = v.source;
      if (s.kind === 'emptyDir') {
        // Made once: later syncs leave what the containers did to it alone.
        if (!existsSync(path)) {
          mkdirSync(path, { recursive: true });
          chmodSync(path, 0o777);
        }
      } else if (s.kind === 'hostPath') checkHostPath(s.path, s.type);
      else writeProjected(path, volumeFiles(s, pod, objects));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw invalid(`volume "${v.name}"`, `MountVolume.SetUp failed: ${message}`);
    }
  }
}

/** Removes `<rootDir>/pods/<uid>` (emptyDir contents, projected files) once the pod is gone. */
export function removePodDir(rootDir: string, uid: string): void {
  if (uid === '' || uid.includes('/')) return;
  rmSync(podDir(rootDir, uid), { recursive: true, force: true });
}
