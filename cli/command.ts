/** The shape of one `switchyard` subcommand. */
export interface Command {
  /** The word(s) that select it, e.g. `up` or `lab clean`. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Full usage text printed by `--help`. */
  readonly usage: string;
  /** Runs the command with the arguments after its name; resolves to the exit status. */
  run(args: readonly string[], ctx: CommandContext): Promise<number>;
}

/** What every command gets from the entry point. */
export interface CommandContext {
  /** The repository root (where `./switchyard` lives). */
  readonly root: string;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** An error whose message is shown as the one line on stderr, with the exit status. */
export class UsageError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'UsageError';
    this.exitCode = exitCode;
  }
}
