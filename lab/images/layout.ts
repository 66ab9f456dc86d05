/**
 * The OCI image-layout documents (image-spec v1.0): the image config, the manifest, the index
 * and the archive that holds them with the blobs. Pure: bytes and descriptors in, bytes and
 * descriptors out. Each JSON document is built with a fixed key order and no whitespace, so
 * the same image always has the same digests.
 */
import { createHash } from 'node:crypto';
import { dataEntry, type FileSource, type TarEntry } from './tar.js';

export const MEDIA_TYPES = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  /** Uncompressed layers: the archive is imported locally, so gzip would only cost time. */
  layer: 'application/vnd.oci.image.layer.v1.tar',
} as const;

/** The name containerd's importer (`ctr images import`) gives the image. */
export const CONTAINERD_NAME_ANNOTATION = 'io.containerd.image.name';
/** The OCI reference annotation (podman, skopeo and others read it). */
export const OCI_REF_ANNOTATION = 'org.opencontainers.image.ref.name';

/** A content descriptor: what a blob is, its digest (`sha256:<hex>`) and size in bytes. */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** What a container started from the image gets (the `config` of the image config). */
export interface RunConfig {
  readonly env: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly workingDir?: string;
}

/** `sha256:<hex>` of some bytes. */
export function digestOf(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** A descriptor of bytes in memory. */
export function describe(mediaType: string, data: Buffer): Descriptor {
  return { mediaType, digest: digestOf(data), size: data.length };
}

/** The OCI architecture name of a Node.js `process.arch`. */
export function ociArchitecture(arch: string = process.arch): string {
  const names: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' };
  const name = names[arch];
  if (name === undefined) throw new Error(`images: no OCI architecture name for "${arch}"`);
  return name;
}

/** The image config: platform, run config and the layers' diff ids (uncompressed, so their digests). */
export function imageConfig(architecture: string, run: RunConfig, layers: readonly Descriptor[]): Buffer {
  const config: Record<string, unknown> = { Env: [...run.env] };
  if (run.entrypoint) config.Entrypoint = [...run.entrypoint];
  if (run.cmd) config.Cmd = [...run.cmd];
  if (run.workingDir) config.WorkingDir = run.workingDir;
  return Buffer.from(
    JSON.stringify({
      architecture,
      os: 'linux',
      config,
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
    }),
  );
}

/** The image manifest. */
export function imageManifest(config: Descriptor, layers: readonly Descriptor[]): Buffer {
  const strip = (d: Descriptor) => ({ mediaType: d.mediaType, digest: d.digest, size: d.size });
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.manifest,
      config: strip(config),
      layers: layers.map(strip),
    }),
  );
}

/**
 * The layout's index.json: the manifest once per reference, each naming it for containerd
 * (`io.containerd.image.name`) and for OCI tools (`org.opencontainers.image.ref.name`), so
 * one import makes every name.
 */
export function imageIndex(manifest: Descriptor, refs: readonly string[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.index,
      manifests: refs.map((ref) => ({
        mediaType: MEDIA_TYPES.manifest,
        digest: manifest.digest,
        size: manifest.size,
        annotations: { [CONTAINERD_NAME_ANNOTATION]: ref, [OCI_REF_ANNOTATION]: ref },
      })),
    }),
  );
}

/** A blob to put in the archive, with where its bytes are. */
export interface Blob {
  readonly digest: string;
  readonly size: number;
  readonly source: FileSource;
}

/** The members of an OCI image-layout archive: oci-layout, index.json and blobs/sha256/<hex>. */
export function archiveEntries(index: Buffer, blobs: readonly Blob[]): TarEntry[] {
  const unique = new Map(blobs.map((b) => [b.digest, b]));
  return [
    dataEntry('oci-layout', '{"imageLayoutVersion":"1.0.0"}'),
    dataEntry('index.json', index),
    ...[...unique.values()].map(
      (b): TarEntry => ({
        kind: 'file',
        path: `blobs/sha256/${b.digest.replace(/^sha256:/, '')}`,
        mode: 0o644,
        size: b.size,
        source: b.source,
      }),
    ),
  ];
}
