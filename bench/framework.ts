/**
 * The benchmark framework: a benchmark measures Switchyard and a reference in the same run
 * and returns rows; `renderTable` prints them with the speedup, so a number is never read
 * without the baseline measured next to it on the same (shared, noisy) machine.
 */

/** One measured quantity for Switchyard and for the reference. */
export interface BenchRow {
  readonly metric: string;
  readonly unit: string;
  readonly ours: number;
  readonly reference: number;
  /** Whether a larger value is better (rates) or a smaller one (latencies). */
  readonly better: 'higher' | 'lower';
}

/** What a benchmark returns. */
export interface BenchResult {
  readonly title: string;
  /** What the reference column is, e.g. `ip(8) commands`. */
  readonly referenceLabel: string;
  readonly rows: readonly BenchRow[];
  readonly notes?: readonly string[];
}

/** Options every benchmark accepts. */
export interface BenchOptions {
  /** Repetitions; each benchmark has its own default. */
  readonly iterations?: number;
  /** Progress lines (stderr in the CLI). */
  readonly log: (line: string) => void;
  /** The repository root, where `dist/` (the built CLI and CNI plugins) lives; default: the cwd. */
  readonly root?: string;
}

/** A named benchmark. */
export interface Benchmark {
  readonly name: string;
  readonly summary: string;
  readonly defaultIterations: number;
  run(options: BenchOptions): Promise<BenchResult>;
}

/** Speedup of ours over the reference: above 1 means Switchyard is better. */
export function speedup(row: BenchRow): number {
  if (row.ours === 0 || row.reference === 0) return Number.NaN;
  return row.better === 'higher' ? row.ours / row.reference : row.reference / row.ours;
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/** Renders a result as a fixed-width text table with a speedup column. */
export function renderTable(result: BenchResult): string {
  const header = ['metric', 'switchyard', result.referenceLabel, 'speedup'];
  const body = result.rows.map((r) => [
    `${r.metric} (${r.unit})`,
    fmt(r.ours),
    fmt(r.reference),
    `${fmt(speedup(r))}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const out = [
    result.title,
    '',
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
  ];
  for (const n of result.notes ?? []) out.push(`  ${n}`);
  return `${out.join('\n')}\n`;
}

/** The p-th percentile (0–100) of samples, nearest rank. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}
