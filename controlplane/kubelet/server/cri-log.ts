/**
 * The CRI container log format and the kubelet's selection over it, pure (no files): containerd
 * writes one line per piece, `<RFC3339Nano time> <stdout|stderr> <F|P>[:tags] <text>\n`
 * (containerd `pkg/cri/io/logger.go`; `P` marks a piece of a longer line, `F` its last piece),
 * and the kubelet (`pkg/kubelet/kuberuntime/logs/logs.go`) joins the pieces, drops messages
 * older than `since`, prefixes the time with nine fixed digits when asked (once per output line,
 * with the first piece's time), and stops after `limitBytes`. `findTailStart` is upstream's
 * FindTailLineStartIndex: `tailLines` counts file lines (pieces) from the end.
 */

/** One parsed file line. */
export interface CriLogLine {
  /** The time as written (zone kept). */
  readonly time: string;
  /** The time in nanoseconds since the epoch (for `since`). */
  readonly timeNs: bigint;
  readonly stream: 'stdout' | 'stderr';
  /** `P`: a piece; the text continues in the next line of the same stream. */
  readonly partial: boolean;
  /** The text, with `\n` appended for a full (`F`) line. */
  readonly content: Buffer;
}

const TIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;
const SPACE = 0x20;
const NEWLINE = Buffer.from('\n');

/** Parses an RFC 3339 time with up to nine fraction digits into epoch nanoseconds; undefined if malformed. */
export function parseTimeNs(text: string): bigint | undefined {
  const m = TIME.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** The time as upstream prints it with `timestamps=true`: nine fraction digits, the zone kept. */
export function formatTime(time: string): string {
  const m = TIME.exec(time);
  if (!m) return time;
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}${m[3]}`;
}

/** Parses one file line (without its `\n`); undefined for a line not in the CRI format. */
export function parseCriLine(line: Buffer): CriLogLine | undefined {
  const a = line.indexOf(SPACE);
  if (a < 0) return undefined;
  const b = line.indexOf(SPACE, a + 1);
  if (b < 0) return undefined;
  const stream = line.subarray(a + 1, b).toString('latin1');
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const time = line.subarray(0, a).toString('latin1');
  const timeNs = parseTimeNs(time);
  if (timeNs === undefined) return undefined;
  // The tag field is `F` or `P`, optionally followed by `:`-separated tags; the text follows one space.
  let c = line.indexOf(SPACE, b + 1);
  if (c < 0) c = line.length;
  const tag = line
    .subarray(b + 1, c)
    .toString('latin1')
    .split(':')[0];
  if (tag !== 'F' && tag !== 'P') return undefined;
  const text = line.subarray(Math.min(c + 1, line.length));
  const partial = tag === 'P';
  return { time, timeNs, stream, partial, content: partial ? text : Buffer.concat([text, NEWLINE]) };
}

/** What the kubelet selects from a log (the query of `/containerLogs`). */
export interface LogSelection {
  /** Messages older than this are skipped (sinceTime, or now − sinceSeconds). */
  readonly sinceNs?: bigint;
  /** Prefix each output line with its time. */
  readonly timestamps: boolean;
  /** Stop after this many bytes (the prefixes count). */
  readonly limitBytes?: number;
}

/** What `LogFormatter.push` gives back: bytes to write, and whether the limit is reached. */
export interface FormatResult {
  readonly out: Buffer;
  readonly done: boolean;
}

const NOTHING: FormatResult = { out: Buffer.alloc(0), done: false };

/** Turns file lines into the bytes of the answer, keeping the state between lines. */
export class LogFormatter {
  readonly #selection: LogSelection;
  #atLineStart = true;
  #written = 0;
  #done = false;

  constructor(selection: LogSelection) {
    this.#selection = selection;
  }

  /** True once `limitBytes` is reached: nothing more is written. */
  get done(): boolean {
    return this.#done;
  }

  /** Formats one file line (without its `\n`); malformed lines are skipped, as upstream does. */
  push(line: Buffer): FormatResult {
    if (this.#done) return { out: Buffer.alloc(0), done: true };
    const msg = parseCriLine(line);
    if (!msg) return NOTHING;
    const since = this.#selection.sinceNs;
    if (since !== undefined && msg.timeNs < since) return NOTHING;
    let out = msg.content;
    if (this.#selection.timestamps && this.#atLineStart)
      out = Buffer.concat([Buffer.from(`${formatTime(msg.time)} `), out]);
    this.#atLineStart = !msg.partial;
    const limit = this.#selection.limitBytes;
    if (limit !== undefined && this.#written + out.length >= limit) {
      out = out.subarray(0, limit - this.#written);
      this.#written = limit;
      this.#done = true;
      return { out, done: true };
    }
    this.#written += out.length;
    return { out, done: false };
  }
}

/**
 * Where the last `n` lines of a file start (upstream FindTailLineStartIndex): every `\n` counts,
 * the final one included, so `a\nb\nc\n` with n = 2 starts at `b`. `readAt(position, length)`
 * reads that many bytes of the file (fewer only at its end).
 */
export function findTailStart(
  size: number,
  n: number,
  readAt: (position: number, length: number) => Buffer,
  blockSize = 1024,
): number {
  if (n < 0) return 0;
  let left = size;
  let count = 0;
  let block: Buffer = Buffer.alloc(0);
  for (let right = size; right > 0 && count <= n; right -= blockSize) {
    left = Math.max(0, right - blockSize);
    block = readAt(left, right - left);
    for (const byte of block) if (byte === 0x0a) count++;
  }
  let offset = 0;
  for (; count > n; count--) offset = block.indexOf(0x0a, offset) + 1;
  return left + offset;
}

/** Splits a byte stream into lines (without `\n`), bounded: a longer line is cut into pieces. */
export class LineSplitter {
  readonly #maxLine: number;
  #pending: Buffer = Buffer.alloc(0);

  constructor(maxLine: number) {
    this.#maxLine = maxLine;
  }

  /** The complete lines in `chunk` (with what was pending before it). */
  push(chunk: Buffer): Buffer[] {
    let data = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    const lines: Buffer[] = [];
    for (;;) {
      const nl = data.indexOf(0x0a);
      if (nl < 0) break;
      lines.push(data.subarray(0, nl));
      data = data.subarray(nl + 1);
    }
    while (data.length > this.#maxLine) {
      lines.push(data.subarray(0, this.#maxLine));
      data = data.subarray(this.#maxLine);
    }
    this.#pending = Buffer.from(data);
    return lines;
  }

  /** The unterminated rest (a line being written), and forget it. */
  flush(): Buffer | undefined {
    const rest = this.#pending;
    this.#pending = Buffer.alloc(0);
    return rest.length > 0 ? rest : undefined;
  }
}
