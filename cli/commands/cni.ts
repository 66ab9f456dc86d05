/**
 * `switchyard cni install DIR`: writes the CNI plugin executables (bridge, host-local,
 * loopback, portmap) into DIR. Each file is replaced atomically (write + rename), so a runtime
 * exec'ing a plugin at the same moment never sees half a file.
 * `switchyard cni bench`: ours vs the reference plugins (what `switchyard bench cni` runs).
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatCniBench, runCniBench } from '../../bench/cni/runner.js';
import { CNI_PLUGINS } from '../../cni/index.js';
import { type Command, UsageError } from '../command.js';
import { intFlag, parseFlags } from '../flags.js';

export const cniCommand: Command = {
  name: 'cni',
  summary: 'cni install DIR | cni bench: install the CNI plugins into DIR, or benchmark them',
  usage: `usage: switchyard cni install DIR
       switchyard cni bench [--pods N] [--concurrent N] [--reference DIR]

install  writes the executables ${CNI_PLUGINS.join(', ')} into DIR (created if missing), e.g. a
         runtime's CNI bin_dir such as /opt/cni/bin. Existing files of those names are replaced.
bench    runs our bridge + host-local and the reference ones (default /usr/lib/cni) side by side,
         alternating, in private namespaces (needs root): ADD/DEL p50/p95 over --pods (50) pods,
         wall time of --concurrent (20) parallel ADDs, and the node start-up floor.`,
  async run(args, ctx) {
    const parsed = parseFlags(args, {
      pods: { type: 'string' },
      concurrent: { type: 'string' },
      reference: { type: 'string', default: '/usr/lib/cni' },
    });
    const [verb, dir, ...extra] = parsed.positionals;
    if (verb === 'bench') {
      const pods = intFlag(parsed, 'pods', 2, 250) ?? 50;
      const concurrent = intFlag(parsed, 'concurrent', 1, pods) ?? Math.min(20, pods);
      const result = await runCniBench({
        ours: join(ctx.root, 'dist', 'cni'),
        reference: String(parsed.flags.reference),
        pods,
        concurrent,
        log: (line) => ctx.stderr.write(`cni bench: ${line}\n`),
      });
      ctx.stdout.write(formatCniBench(result, { pods, concurrent }));
      return 0;
    }
    if (verb !== 'install') {
      throw new UsageError(`cni: unknown subcommand "${verb ?? ''}" (want "install DIR" or "bench")`);
    }
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
