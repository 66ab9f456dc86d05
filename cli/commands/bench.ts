/** `switchyard bench [NAME]`: runs the registered benchmarks and prints their tables. */
import { benchmarks, findBenchmark, renderTable } from '../../bench/index.js';
import { type Command, UsageError } from '../command.js';
import { intFlag, parseFlags } from '../flags.js';

const list = benchmarks.map(
  (b) => `  ${b.name.padEnd(10)} ${b.summary} (default ${b.defaultIterations} iterations)`,
);

export const benchCommand: Command = {
  name: 'bench',
  summary: 'run the benchmarks (each beside its reference, same run)',
  usage: `usage: switchyard bench [NAME] [--iterations N]

Runs one benchmark, or all of them, and prints a table per benchmark with the
reference measured in the same run and the speedup (above 1: Switchyard is better).

Benchmarks:
${list.join('\n')}

Flags:
  --iterations N   repetitions (1–100000), default per benchmark`,
  async run(args, ctx) {
    const parsed = parseFlags(args, { iterations: { type: 'string' } });
    const iterations = intFlag(parsed, 'iterations', 1, 100_000);
    if (parsed.positionals.length > 1) throw new UsageError('bench: at most one benchmark name');
    const name = parsed.positionals[0];
    const chosen = name === undefined ? benchmarks : [findBenchmark(name)];
    if (chosen.some((b) => b === undefined)) {
      throw new UsageError(
        `bench: unknown benchmark "${name}" (known: ${benchmarks.map((b) => b.name).join(', ')})`,
      );
    }
    for (const b of chosen) {
      if (!b) continue;
      const result = await b.run({
        ...(iterations !== undefined ? { iterations } : {}),
        log: (line) => ctx.stderr.write(`${line}\n`),
        root: ctx.root,
      });
      ctx.stdout.write(`${renderTable(result)}\n`);
    }
    return 0;
  },
};
