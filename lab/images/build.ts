/**
 * Builds the lab's images as OCI image-layout archives (`<out>/<name>.tar`, ready for
 * `ctr images import`), with a cache under `<out>/.cache`:
 *
 * - a layer is keyed by a digest of its entry list, where a file stands for its path, mode,
 *   size, inode and change times (as make and ccache's direct mode do), so an unchanged layer is
 *   never read again; its blob is stored by content digest in `.cache/blobs/sha256/`;
 * - an archive is rewritten only when its manifest digest changed (`<name>.json` records it).
 *
 * Blobs no image uses any more are removed at the end of a build of every image.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  archiveEntries,
  type Blob,
  type Descriptor,
  describe,
  imageConfig,
  imageIndex,
  imageManifest,
  MEDIA_TYPES,
  ociArchitecture,
  type RunConfig,
} from './layout.js';
import { normaliseEntries, type TarEntry, writeTar } from './tar.js';

/** One layer of an image: a name (for messages and sharing) and how to list its entries. */
export interface LayerSpec {
  readonly name: string;
  entries(): TarEntry[];
}

/** An image to build. */
export interface ImageSpec {
  /** File name of the archive (`<name>.tar`). */
  readonly name: string;
  /** The references it is imported as; the first is its own name. */
  readonly refs: readonly string[];
  readonly layers: readonly LayerSpec[];
  readonly run: RunConfig;
}

/** What building one image gave. */
export interface BuiltImage {
  readonly name: string;
  readonly refs: readonly string[];
  /** The manifest's digest: the image digest `ctr images ls` and CRI show. */
  readonly digest: string;
  readonly archive: string;
  readonly config: Descriptor;
  /** The archive's size in bytes. */
  readonly size: number;
  readonly layers: readonly Descriptor[];
  /** True when the archive from an earlier build was kept as it was. */
  readonly cached: boolean;
}

export interface BuildOptions {
  readonly out: string;
  readonly architecture?: string;
}

/** The cache key of a layer: its entries, files by their stat fingerprint, in-memory bytes by digest. */
export function layerKey(entries: readonly TarEntry[]): string {
  const hash = createHash('sha256');
  for (const e of normaliseEntries(entries)) {
    if (e.kind === 'dir') hash.update(`d ${e.path} ${e.mode}\n`);
    else if (e.kind === 'symlink') hash.update(`l ${e.path} ${e.target}\n`);
    else if ('data' in e.source) {
      hash.update(
        `f ${e.path} ${e.mode} ${e.size} ${createHash('sha256').update(e.source.data).digest('hex')}\n`,
      );
    } else {
      const st = statSync(e.source.file, { bigint: true });
      hash.update(
        `f ${e.path} ${e.mode} ${e.size} ${e.source.file} ${st.dev}:${st.ino} ${st.mtimeNs} ${st.ctimeNs}\n`,
      );
    }
  }
  return hash.digest('hex');
}

class Cache {
  readonly blobs: string;
  readonly keys: string;
  constructor(out: string) {
    this.blobs = join(out, '.cache', 'blobs', 'sha256');
    this.keys = join(out, '.cache', 'layers');
    mkdirSync(this.blobs, { recursive: true });
    mkdirSync(this.keys, { recursive: true });
  }

  blobPath(digest: string): string {
    return join(this.blobs, digest.replace(/^sha256:/, ''));
  }

  has(d: { digest: string; size: number }): boolean {
    try {
      return statSync(this.blobPath(d.digest)).size === d.size;
    } catch {
      return false;
    }
  }

  /** A small blob (config, manifest), stored by its digest. */
  putBytes(mediaType: string, data: Buffer): Descriptor {
    const d = describe(mediaType, data);
    if (!this.has(d)) writeAtomic(this.blobPath(d.digest), data);
    return d;
  }

  /** A layer: from the cache when its key is known and its blob is there, else written now. */
  layer(entries: readonly TarEntry[]): Descriptor {
    const key = layerKey(entries);
    const keyFile = join(this.keys, key);
    const known = readRecord(keyFile);
    if (known && this.has(known)) return { mediaType: MEDIA_TYPES.layer, ...known };
    const tmp = join(this.blobs, `.tmp-${process.pid}-${key.slice(0, 12)}`);
    const fd = openSync(tmp, 'w');
    const hash = createHash('sha256');
    let size = 0;
    try {
      writeTar(entries, (chunk) => {
        hash.update(chunk);
        writeSync(fd, chunk);
        size += chunk.length;
      });
    } catch (err) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw err;
    }
    closeSync(fd);
    const digest = `sha256:${hash.digest('hex')}`;
    renameSync(tmp, this.blobPath(digest));
    writeAtomic(keyFile, JSON.stringify({ digest, size }));
    return { mediaType: MEDIA_TYPES.layer, digest, size };
  }

  /** Removes blobs outside `keep` and layer keys whose blob is gone. */
  prune(keep: ReadonlySet<string>): void {
    for (const f of readdirSync(this.blobs)) {
      if (!keep.has(`sha256:${f}`)) rmSync(join(this.blobs, f), { force: true });
    }
    for (const f of readdirSync(this.keys)) {
      const record = readRecord(join(this.keys, f));
      if (!record || !keep.has(record.digest)) rmSync(join(this.keys, f), { force: true });
    }
  }
}

function writeAtomic(file: string, data: string | Buffer): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

function readRecord(file: string): { digest: string; size: number } | undefined {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as { digest?: unknown; size?: unknown };
    return typeof r.digest === 'string' && typeof r.size === 'number'
      ? { digest: r.digest, size: r.size }
      : undefined;
  } catch {
    return undefined;
  }
}

/** What `<name>.json` beside an archive records. */
interface ArchiveRecord {
  readonly refs: readonly string[];
  readonly digest: string;
  readonly size: number;
}

function buildOne(spec: ImageSpec, cache: Cache, out: string, architecture: string): BuiltImage {
  const layers = spec.layers.map((l) => {
    try {
      return cache.layer(l.entries());
    } catch (err) {
      throw new Error(`images: ${spec.name}: layer ${l.name}: ${(err as Error).message}`);
    }
  });
  const config = cache.putBytes(MEDIA_TYPES.config, imageConfig(architecture, spec.run, layers));
  const manifest = cache.putBytes(MEDIA_TYPES.manifest, imageManifest(config, layers));
  const index = imageIndex(manifest, spec.refs);
  const archive = join(out, `${spec.name}.tar`);
  const recordFile = join(out, `${spec.name}.json`);
  const record = (readJson(recordFile) ?? {}) as Partial<ArchiveRecord>;
  const sameRefs = JSON.stringify(record.refs) === JSON.stringify(spec.refs);
  let size = existsSync(archive) ? statSync(archive).size : -1;
  const cached = record.digest === manifest.digest && sameRefs && record.size === size;
  if (!cached) {
    const blobs: Blob[] = [config, manifest, ...layers].map((d) => ({
      digest: d.digest,
      size: d.size,
      source: { file: cache.blobPath(d.digest) },
    }));
    const tmp = `${archive}.tmp-${process.pid}`;
    const fd = openSync(tmp, 'w');
    size = 0;
    try {
      writeTar(archiveEntries(index, blobs), (chunk) => {
        writeSync(fd, chunk);
        size += chunk.length;
      });
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, archive);
    writeAtomic(recordFile, `${JSON.stringify({ refs: spec.refs, digest: manifest.digest, size })}\n`);
  }
  return { name: spec.name, refs: spec.refs, digest: manifest.digest, archive, config, size, layers, cached };
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Builds each image into `out` (created if missing). With `prune` (building the whole
 * catalog), blobs no built image uses are removed from the cache afterwards.
 */
export function buildImages(
  specs: readonly ImageSpec[],
  options: BuildOptions & { prune?: boolean },
): BuiltImage[] {
  mkdirSync(options.out, { recursive: true });
  const cache = new Cache(options.out);
  const architecture = options.architecture ?? ociArchitecture();
  const built = specs.map((spec) => buildOne(spec, cache, options.out, architecture));
  if (options.prune) {
    cache.prune(new Set(built.flatMap((i) => [i.digest, i.config.digest, ...i.layers.map((l) => l.digest)])));
  }
  return built;
}
