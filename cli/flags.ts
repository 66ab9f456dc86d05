/**
 * A small flag parser: `--name value`, `--name=value`, boolean `--name`, and `--` ending the
 * flags. Unknown flags are an error that names the flag.
 */
import type { ComponentFlags } from '../lib/component/index.js';
import { parseLogLevel } from '../lib/obs/index.js';
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

/** The flags every component that talks to the API server takes (docs/architecture.md §3). */
export const COMPONENT_FLAGS = {
  kubeconfig: { type: 'string' },
  'log-level': { type: 'string' },
  'metrics-addr': { type: 'string' },
} as const satisfies Readonly<Record<string, FlagSpec>>;

/** Their lines for a command's usage text, descriptions starting at (0-based) character `column`. */
export function componentFlagsUsage(column: number): string {
  const line = (flag: string, text: string): string => `  ${flag.padEnd(column - 3)} ${text}`;
  return [
    line('--kubeconfig FILE', 'API server credentials (default $KUBECONFIG, then ~/.kube/config)'),
    line('--log-level LEVEL', 'debug, info, warn or error (default info)'),
    line('--metrics-addr HOST:PORT', 'serve /metrics, /healthz and /readyz'),
  ].join('\n');
}

/** Reads the common component flags (lib/component's ComponentFlags); a bad level names the flag. */
export function componentFlags(parsed: ParsedArgs): ComponentFlags {
  const str = (name: string): string | undefined => {
    const v = parsed.flags[name];
    return typeof v === 'string' ? v : undefined;
  };
  const kubeconfig = str('kubeconfig');
  const level = str('log-level');
  const metricsAddr = str('metrics-addr');
  return {
    ...(kubeconfig !== undefined ? { kubeconfig } : {}),
    ...(level !== undefined ? { logLevel: parseLogLevel(level) } : {}),
    ...(metricsAddr !== undefined ? { metricsAddr } : {}),
  };
}
