/**
 * JSON-lines logger: one object per line (`{"time","level","component","msg",…fields}`), so
 * logs from many components interleave safely and stay greppable with jq. The clock and the
 * output stream are injected (STYLE.md habit 10).
 */
import { invalid } from '../errors/index.js';

/** Levels in increasing severity. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Extra key/values of a log line. Errors are expanded to `{ name, message, code, … }`. */
export type LogFields = Readonly<Record<string, unknown>>;

/** Where lines go: anything with `write(string)` (process.stderr, a test buffer). */
export interface LogSink {
  write(line: string): unknown;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Lowest level written; default `info`. */
  readonly level?: LogLevel;
  /** Default `process.stderr`. */
  readonly stream?: LogSink;
  /** Milliseconds since the epoch; default `Date.now`. */
  readonly now?: () => number;
  readonly component?: string;
  readonly fields?: LogFields;
}

/** A structured logger. */
export interface Logger {
  readonly level: LogLevel;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** True when lines at `level` are written (skip building costly fields otherwise). */
  enabled(level: LogLevel): boolean;
  /** A logger that adds `fields` (and `component`, when given) to every line. */
  child(options: { readonly component?: string; readonly fields?: LogFields }): Logger;
}

/** Parses a `--log-level` value. */
export function parseLogLevel(text: string, field = '--log-level'): LogLevel {
  if (!(LOG_LEVELS as readonly string[]).includes(text)) {
    throw invalid(field, `${JSON.stringify(text)} is not one of ${LOG_LEVELS.join(', ')}`);
  }
  return text as LogLevel;
}

/** Makes values JSON-safe: errors keep their coded fields, bigints become strings. */
function plain(value: unknown): unknown {
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: value.message };
    for (const key of ['code', 'field', 'syscall', 'errno', 'address', 'port'] as const) {
      const v = (value as unknown as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = v;
    }
    return out;
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

class JsonLogger implements Logger {
  readonly level: LogLevel;
  readonly #min: number;
  readonly #stream: LogSink;
  readonly #now: () => number;
  readonly #component: string | undefined;
  readonly #fields: LogFields;

  constructor(options: LoggerOptions) {
    this.level = options.level ?? 'info';
    this.#min = LOG_LEVELS.indexOf(this.level);
    this.#stream = options.stream ?? process.stderr;
    this.#now = options.now ?? Date.now;
    this.#component = options.component;
    this.#fields = options.fields ?? {};
  }

  enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) >= this.#min;
  }

  #write(level: LogLevel, msg: string, fields: LogFields | undefined): void {
    if (!this.enabled(level)) return;
    const line: Record<string, unknown> = { time: new Date(this.#now()).toISOString(), level };
    if (this.#component !== undefined) line.component = this.#component;
    line.msg = msg;
    for (const [k, v] of Object.entries(this.#fields)) line[k] = plain(v);
    for (const [k, v] of Object.entries(fields ?? {})) {
      // The fixed keys stay authoritative so a field can never forge the level or time.
      if (k !== 'time' && k !== 'level' && k !== 'msg' && k !== 'component') line[k] = plain(v);
    }
    let text: string;
    try {
      text = JSON.stringify(line, (_k, v: unknown) => plain(v));
    } catch {
      text = JSON.stringify({
        time: line.time,
        level,
        component: this.#component,
        msg,
        logError: 'unserialisable fields',
      });
    }
    this.#stream.write(`${text}\n`);
  }

  debug(msg: string, fields?: LogFields): void {
    this.#write('debug', msg, fields);
  }

  info(msg: string, fields?: LogFields): void {
    this.#write('info', msg, fields);
  }

  warn(msg: string, fields?: LogFields): void {
    this.#write('warn', msg, fields);
  }

  error(msg: string, fields?: LogFields): void {
    this.#write('error', msg, fields);
  }

  child(options: { readonly component?: string; readonly fields?: LogFields }): Logger {
    const component = options.component ?? this.#component;
    return new JsonLogger({
      level: this.level,
      stream: this.#stream,
      now: this.#now,
      ...(component === undefined ? {} : { component }),
      fields: { ...this.#fields, ...options.fields },
    });
  }
}

/** A JSON-lines logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  if (options.level !== undefined) parseLogLevel(options.level, 'level');
  return new JsonLogger(options);
}
