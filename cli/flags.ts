/**
 * A small flag parser: `--name value`, `--name=value`, boolean `--name`, and `--` ending the
 * flags. Unknown flags are an error that names the flag.
 */
import {
  CLIENT_FLAGS,
  type ComponentFlags,
  componentFlagsUsage,
  LEADER_ELECTION_FLAGS,
  LOG_FLAGS,
  readComponentFlags,
} from '../lib/component/index.js';
import { UsageError } from './command.js';

/** Declares one flag: `string` takes a value, `boolean` does not. */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly default?: string | boolean;
}

/** Parsed flags plus the positional arguments and anything after `--`. */
export interface ParsedArgs {
  readonly flags: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
  readonly rest: readonly string[];
}

/** Parses `args` against `specs`; throws a UsageError naming any unknown or incomplete flag. */
export function parseFlags(args: readonly string[], specs: Readonly<Record<string, FlagSpec>>): ParsedArgs {
  const flags: Record<string, string | boolean | undefined> = {};
  for (const [name, spec] of Object.entries(specs)) flags[name] = spec.default;
  const positionals: string[] = [];
  let rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      rest = args.slice(i + 1) as string[];
      break;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = specs[name];
    if (!spec) throw new UsageError(`unknown flag --${name}`);
    if (spec.type === 'boolean') {
      if (eq !== -1) throw new UsageError(`flag --${name} takes no value`);
      flags[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else value = args[++i];
    if (value === undefined) throw new UsageError(`flag --${name} needs a value`);
    flags[name] = value;
  }
  return { flags, positionals, rest };
}

/** Reads a flag as a positive integer within bounds, or throws naming the flag. */
export function intFlag(parsed: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const raw = parsed.flags[name];
  if (raw === undefined || typeof raw === 'boolean') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name}: must be an integer ${min}–${max}, got "${raw}"`);
  }
  return n;
}

/** A string flag's value, or undefined when absent. */
export function stringFlag(parsed: ParsedArgs, name: string): string | undefined {
  const v = parsed.flags[name];
  return typeof v === 'string' ? v : undefined;
}

/** `{ [key]: value }` when the string flag `name` was given, else `{}` (for optional fields). */
export function stringField<K extends string>(
  parsed: ParsedArgs,
  name: string,
  key: K,
): Partial<Record<K, string>> {
  const v = stringFlag(parsed, name);
  return v === undefined ? {} : ({ [key]: v } as Partial<Record<K, string>>);
}

/** `{ [key]: n }` when the integer flag `name` was given (within bounds), else `{}`. */
export function intField<K extends string>(
  parsed: ParsedArgs,
  name: string,
  key: K,
  min: number,
  max: number,
): Partial<Record<K, number>> {
  const v = intFlag(parsed, name, min, max);
  return v === undefined ? {} : ({ [key]: v } as Partial<Record<K, number>>);
}

/** The flags every component that talks to the API server takes (lib/component, docs/architecture.md §3). */
export const COMPONENT_FLAGS = CLIENT_FLAGS;

/** Reads the common component flags (lib/component's ComponentFlags); a bad value names the flag. */
export function componentFlags(parsed: ParsedArgs): ComponentFlags {
  return readComponentFlags(parsed.flags);
}

export { componentFlagsUsage, LEADER_ELECTION_FLAGS, LOG_FLAGS };
