/**
 * `switchyard cni install DIR`: writes the CNI plugin executables (bridge, host-local,
 * loopback, portmap) into DIR. Each file is replaced atomically (write + rename), so a runtime
 * exec'ing a plugin at the same moment never sees half a file.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Command, UsageError } from '../command.js';
import { parseFlags } from '../flags.js';

/** The plugins `cni install` writes, as built into dist/cni by scripts/build.mjs. */
export const CNI_PLUGINS = ['bridge', 'host-local', 'loopback', 'portmap'] as const;

export const cniCommand: Command = {
  name: 'cni',
  summary: 'cni install DIR: write the CNI plugins (bridge, host-local, loopback, portmap) into DIR',
  usage: `usage: switchyard cni install DIR

Writes the executables ${CNI_PLUGINS.join(', ')} into DIR (created if missing), e.g. a
runtime's CNI bin_dir such as /opt/cni/bin. Existing files of those names are replaced.`,
  async run(args, ctx) {
    const parsed = parseFlags(args, {});
    const [verb, dir, ...extra] = parsed.positionals;
    if (verb !== 'install')
      throw new UsageError(`cni: unknown subcommand "${verb ?? ''}" (want "install DIR")`);
    if (!dir) throw new UsageError('cni install: DIR is required');
    if (extra.length > 0) throw new UsageError(`cni install: unexpected argument "${extra[0]}"`);
    const from = join(ctx.root, 'dist', 'cni');
    const missing = CNI_PLUGINS.filter((p) => !existsSync(join(from, p)));
    if (missing.length > 0) {
      throw new UsageError(
        `cni install: ${missing.join(', ')} not built in ${from} (run ./switchyard to build)`,
        1,
      );
    }
    const to = resolve(dir);
    mkdirSync(to, { recursive: true });
    for (const plugin of CNI_PLUGINS) {
      const tmp = join(to, `.${plugin}.${process.pid}.tmp`);
      copyFileSync(join(from, plugin), tmp);
      chmodSync(tmp, 0o755);
      renameSync(tmp, join(to, plugin));
    }
    ctx.stdout.write(`installed ${CNI_PLUGINS.join(', ')} into ${to}\n`);
    return 0;
  },
};
