/**
 * CronJob schedules: the standard five-field cron format as kube-controller-manager reads it
 * (robfig/cron v3 `ParseStandard`): minute hour day-of-month month day-of-week, each a list of
 * `*`, `?`, values, ranges `a-b` and steps `/n`; month and weekday names (JAN, mon …); the
 * descriptors @yearly @annually @monthly @weekly @daily @midnight @hourly and `@every <dur>`;
 * and a `CRON_TZ=<zone>` (or `TZ=`) prefix. Day-of-month and day-of-week are ORed unless either
 * is unrestricted (`*`/`?`), as in Vixie cron. Times are computed in an IANA zone with `Intl`;
 * a wall time that a DST change skips does not fire; one it repeats fires in both passes
 * when the walk reaches it (as robfig's minute-by-minute walk does).
 */

/** A parsed schedule. */
export interface CronSchedule {
  /** The zone named in the schedule text (`CRON_TZ=`/`TZ=`), if any. */
  readonly zone: string | undefined;
  /** The first activation strictly after `afterMs` (ms since the epoch) in `zone`, if any within 5 years. */
  next(afterMs: number, zone?: string): number | undefined;
}

/** The result of parsing: a schedule or the problem, worded as the API server reports it. */
export type ParsedSchedule =
  | { readonly ok: true; readonly schedule: CronSchedule }
  | { readonly ok: false; readonly problem: string };

interface Bounds {
  readonly min: number;
  readonly max: number;
  readonly names?: Readonly<Record<string, number>>;
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const FIELDS: readonly Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: Object.fromEntries(MONTH_NAMES.map((n, i) => [n, i + 1])) },
  { min: 0, max: 6, names: Object.fromEntries(DAY_NAMES.map((n, i) => [n, i])) },
];

const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

class ParseProblem extends Error {}

/** One field: the allowed values, and whether it was written unrestricted (`*`, `?`, `*\/1`). */
interface FieldSet {
  readonly values: ReadonlySet<number>;
  readonly star: boolean;
}

function parseValue(text: string, b: Bounds): number {
  const named = b.names?.[text.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^\d+$/.test(text)) throw new ParseProblem(`failed to parse int from ${text}`);
  return Number(text);
}

function parseField(text: string, b: Bounds): FieldSet {
  const values = new Set<number>();
  let star = false;
  for (const part of text.split(',')) {
    const slash = part.split('/');
    if (slash.length > 2) throw new ParseProblem(`too many slashes: ${part}`);
    const [rangeText = '', stepText] = slash;
    const dash = rangeText.split('-');
    if (dash.length > 2) throw new ParseProblem(`too many hyphens: ${rangeText}`);
    let lo: number;
    let hi: number;
    let partStar = false;
    if (rangeText === '*' || rangeText === '?') {
      lo = b.min;
      hi = b.max;
      partStar = true;
    } else {
      lo = parseValue(dash[0] ?? '', b);
      hi = dash.length === 2 ? parseValue(dash[1] ?? '', b) : lo;
    }
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText)) throw new ParseProblem(`failed to parse int from ${stepText}`);
      step = Number(stepText);
      // `N/step` means `N-max/step`.
      if (!partStar && dash.length === 1) hi = b.max;
      if (step > 1) partStar = false;
    }
    if (lo < b.min) throw new ParseProblem(`beginning of range (${lo}) below minimum (${b.min}): ${part}`);
    if (hi > b.max) throw new ParseProblem(`end of range (${hi}) above maximum (${b.max}): ${part}`);
    if (lo > hi) throw new ParseProblem(`beginning of range (${lo}) beyond end of range (${hi}): ${part}`);
    if (step === 0) throw new ParseProblem(`step of range should be a positive number: ${part}`);
    for (let v = lo; v <= hi; v += step) values.add(v);
    star ||= partStar;
  }
  return { values, star };
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's time.ParseDuration, for `@every` (positive durations only). */
function parseGoDuration(text: string): number {
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let at = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number(m[1]) * (DURATION_UNITS[m[2] ?? ''] ?? 0);
    at = re.lastIndex;
  }
  if (text === '' || at !== text.length) throw new ParseProblem(`failed to parse duration @every ${text}`);
  return total;
}

// ---- time zones ---------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Whether `zone` is an IANA time zone name this runtime knows. */
export function isKnownTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock time in `zone` at instant `ms`, as ms of a UTC date with the same fields. */
export function wallClock(ms: number, zone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(ms))) parts[p.type] = Number(p.value);
  const wall = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return wall + (((ms % 1000) + 1000) % 1000);
}

/** The instants whose wall-clock time in `zone` is `wall` (none in a DST gap, two in an overlap). */
function instantsOf(wall: number, zone: string): number[] {
  const out = new Set<number>();
  // The offset is within ±18 h; probing a day either side finds both sides of a change.
  for (const probe of [wall - 86_400_000, wall, wall + 86_400_000]) {
    const offset = wallClock(probe, zone) - probe;
    const candidate = wall - offset;
    if (wallClock(candidate, zone) === wall) out.add(candidate);
  }
  return [...out].sort((a, b) => a - b);
}

// ---- the schedule -------------------------------------------------------------------------

const FIVE_YEARS_MS = 5 * 366 * 86_400_000;

class FieldSchedule implements CronSchedule {
  constructor(
    readonly zone: string | undefined,
    private readonly f: readonly FieldSet[],
  ) {}

  #dayMatches(d: Date): boolean {
    const dom = this.f[2] as FieldSet;
    const dow = this.f[4] as FieldSet;
    const a = dom.values.has(d.getUTCDate());
    const b = dow.values.has(d.getUTCDay());
    return dom.star || dow.star ? a && b : a || b;
  }

  next(afterMs: number, zone?: string): number | undefined {
    const tz = this.zone ?? zone ?? 'UTC';
    const [min, hour, , month] = this.f as [FieldSet, FieldSet, FieldSet, FieldSet, FieldSet];
    // Walk wall-clock minutes (held as UTC dates), skipping whole months, days and hours.
    // The current wall minute is examined too: in a repeated hour its second instant is later.
    let wall = Math.floor(wallClock(afterMs, tz) / 60_000) * 60_000;
    const limit = wall + FIVE_YEARS_MS;
    while (wall < limit) {
      const d = new Date(wall);
      if (!month.values.has(d.getUTCMonth() + 1)) {
        wall = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
        continue;
      }
      if (!this.#dayMatches(d)) {
        wall = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
        continue;
      }
      if (!hour.values.has(d.getUTCHours())) {
        wall = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
        continue;
      }
      if (!min.values.has(d.getUTCMinutes())) {
        wall += 60_000;
        continue;
      }
      const at = instantsOf(wall, tz).find((t) => t > afterMs);
      if (at !== undefined) return at;
      wall += 60_000;
    }
    return undefined;
  }
}

class EverySchedule implements CronSchedule {
  readonly zone = undefined;
  constructor(private readonly everyMs: number) {}
  next(afterMs: number): number {
    // robfig's ConstantDelaySchedule: whole seconds, at least one.
    return Math.floor(afterMs / 1000) * 1000 + Math.max(1000, Math.floor(this.everyMs / 1000) * 1000);
  }
}

/** Parses a CronJob schedule. */
export function parseSchedule(text: string): ParsedSchedule {
  try {
    return { ok: true, schedule: parseOrThrow(text) };
  } catch (err) {
    if (err instanceof ParseProblem) return { ok: false, problem: err.message };
    throw err;
  }
}

function parseOrThrow(input: string): CronSchedule {
  let text = input.trim();
  if (text === '') throw new ParseProblem('empty spec string');
  let zone: string | undefined;
  const tz = /^(?:CRON_TZ|TZ)=(\S+)\s*/.exec(text);
  if (tz) {
    zone = tz[1] ?? '';
    if (!isKnownTimeZone(zone))
      throw new ParseProblem(`provided bad location ${zone}: unknown time zone ${zone}`);
    text = text.slice(tz[0].length);
  }
  if (text.startsWith('@')) {
    if (text.startsWith('@every ')) {
      const ms = parseGoDuration(text.slice('@every '.length).trim());
      return new EverySchedule(ms);
    }
    const fields = DESCRIPTORS[text];
    if (!fields) throw new ParseProblem(`unrecognized descriptor: ${text}`);
    text = fields;
  }
  const parts = text.split(/\s+/).filter((p) => p !== '');
  if (parts.length !== 5) throw new ParseProblem(`expected exactly 5 fields, found ${parts.length}: ${text}`);
  return new FieldSchedule(
    zone,
    parts.map((p, i) => parseField(p, FIELDS[i] as Bounds)),
  );
}
