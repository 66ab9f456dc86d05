/**
 * A minimal OCI image (image-layout tar) built from Debian's busybox-static, so a runtime can
 * start a sandbox with nothing pulled from a registry (docs/architecture.md §4).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const APPLETS = ['sh', 'sleep', 'ip', 'cat', 'ls', 'ping', 'echo', 'nc', 'httpd'];

/** Writes an OCI image-layout tar named `ref` (e.g. docker.io/library/sybox:local) to `out`. */
export function buildBusyboxImage(ref: string, out: string): void {
  const work = mkdtempSync(join(tmpdir(), 'sy-img-'));
  try {
    const rootfs = join(work, 'rootfs');
    const blobs = join(work, 'oci', 'blobs', 'sha256');
    for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp'])
      mkdirSync(join(rootfs, d), { recursive: true });
    mkdirSync(blobs, { recursive: true });
    copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
    for (const a of APPLETS) symlinkSync('busybox', join(rootfs, 'bin', a));
    writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    const layer = join(work, 'layer.tar');
    execFileSync('tar', [
      '--sort=name',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '--mtime=@0',
      '-C',
      rootfs,
      '-cf',
      layer,
      '.',
    ]);
    const blob = (file: string): { digest: string; size: number } => {
      const digest = createHash('sha256').update(readFileSync(file)).digest('hex');
      copyFileSync(file, join(blobs, digest));
      return { digest, size: statSync(file).size };
    };
    const l = blob(layer);
    const configFile = join(work, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Env: ['PATH=/bin'], Cmd: ['/bin/sleep', '3600'] },
        rootfs: { type: 'layers', diff_ids: [`sha256:${l.digest}`] },
      }),
    );
    const c = blob(configFile);
    const manifestFile = join(work, 'manifest.json');
    writeFileSync(
      manifestFile,
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: `sha256:${c.digest}`,
          size: c.size,
        },
        layers: [
          { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${l.digest}`, size: l.size },
        ],
      }),
    );
    const m = blob(manifestFile);
    writeFileSync(
      join(work, 'oci', 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: `sha256:${m.digest}`,
            size: m.size,
            annotations: { 'io.containerd.image.name': ref, 'org.opencontainers.image.ref.name': 'local' },
          },
        ],
      }),
    );
    writeFileSync(join(work, 'oci', 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    execFileSync('tar', ['-C', join(work, 'oci'), '-cf', out, '.']);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
