/**
 * `switchyard images build [--out DIR]`: writes the lab's images (busybox, pause, the suite) as
 * OCI image-layout archives into DIR (default `.switchyard/images`, under SWITCHYARD_STATE_DIR
 * when set) and prints each one's references, digest and size. Unchanged layers and archives are
 * reused from the cache in DIR, so a second run only checks file metadata.
 */
import { join, resolve } from 'node:path';
import { buildImages, imageCatalog } from '../../lab/images/index.js';
import { type Command, UsageError } from '../command.js';
import { parseFlags, stringFlag } from '../flags.js';
import { pathsFor } from './lab-env.js';

function mebibytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

export const imagesCommand: Command = {
  name: 'images',
  summary: 'images build [--out DIR]: build the lab images (busybox, pause, the suite) as OCI archives',
  usage: `usage: switchyard images build [--out DIR]

Builds, from Debian packages and this project's dist/ (nothing is pulled), three OCI
image-layout archives for \`ctr images import\`:
  busybox.tar     switchyard.local/busybox:1 (also docker.io/library/busybox:latest and :1): busybox-static
  pause.tar       switchyard.local/pause:1: the pod sandbox, sleeps until SIGTERM/SIGINT
  switchyard.tar  switchyard.local/switchyard:<version>: Node.js and the built suite,
                  entrypoint \`node /switchyard/dist/switchyard.mjs\`
DIR defaults to .switchyard/images. The archives are reproducible (same input, same digest);
unchanged layers come from DIR/.cache.`,
  async run(args, ctx) {
    const parsed = parseFlags(args, { out: { type: 'string' } });
    const [verb, ...extra] = parsed.positionals;
    if (verb !== 'build') throw new UsageError(`images: unknown subcommand "${verb ?? ''}" (want "build")`);
    if (extra.length > 0) throw new UsageError(`images build: unexpected argument "${extra[0]}"`);
    const out = resolve(stringFlag(parsed, 'out') ?? join(pathsFor(ctx).stateDir, 'images'));
    const start = performance.now();
    const built = buildImages(imageCatalog({ root: ctx.root }), { out, prune: true });
    for (const image of built) {
      ctx.stdout.write(
        `${image.refs.join(' ')}\n  ${image.digest}  ${mebibytes(image.size)}  ${image.archive}${image.cached ? '  (cached)' : ''}\n`,
      );
    }
    ctx.stdout.write(
      `built ${built.length} images in ${((performance.now() - start) / 1000).toFixed(1)} s\n`,
    );
    return 0;
  },
};
