/**
 * The `switchyard` entry point: picks the subcommand (one or two words), handles `--help`,
 * and turns errors into one clear line on stderr with a non-zero exit status.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SwitchyardError } from '../lib/errors/index.js';
import { type Command, UsageError } from './command.js';
import { type CommandEntry, commandEntries, loadCommands } from './commands/index.js';

async function overview(): Promise<string> {
  const commands = await loadCommands();
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `usage: switchyard COMMAND [ARGS…]\n\nCommands:\n${lines.join('\n')}\n\nRun "switchyard COMMAND --help" for a command's flags.\n`;
}

async function select(
  argv: readonly string[],
): Promise<{ command: Command; args: readonly string[] } | undefined> {
  const two = `${argv[0] ?? ''} ${argv[1] ?? ''}`;
  const byTwo = commandEntries.find((c) => c.name === two);
  if (byTwo) return { command: await byTwo.load(), args: argv.slice(2) };
  const byOne: CommandEntry | undefined = commandEntries.find((c) => c.name === argv[0]);
  return byOne ? { command: await byOne.load(), args: argv.slice(1) } : undefined;
}

async function main(argv: readonly string[]): Promise<number> {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const ctx = { root, stdout: process.stdout, stderr: process.stderr };
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(await overview());
    return argv.length === 0 ? 2 : 0;
  }
  const picked = await select(argv);
  if (!picked) throw new UsageError(`unknown command "${argv[0]}" (see "switchyard --help")`);
  const passThrough = picked.command.name === 'test' || picked.command.name === 'exec';
  if (!passThrough && (picked.args.includes('--help') || picked.args.includes('-h'))) {
    process.stdout.write(`${picked.command.usage}\n`);
    return 0;
  }
  if (passThrough && (picked.args[0] === '--help' || picked.args[0] === '-h')) {
    process.stdout.write(`${picked.command.usage}\n`);
    return 0;
  }
  return picked.command.run(picked.args, ctx);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const message =
      err instanceof UsageError || err instanceof SwitchyardError
        ? err.message
        : String(err instanceof Error ? (err.stack ?? err.message) : err);
    process.stderr.write(`switchyard: ${message}\n`);
    process.exitCode = err instanceof UsageError ? err.exitCode : 1;
  },
);
