/**
 * Splits a byte stream into newline-terminated lines (the watch wire format: one JSON event
 * per line). Works on bytes so a UTF-8 character split across chunks is reassembled intact,
 * and bounds the line length so a broken peer cannot make us buffer without limit.
 */
import { ErrorCode, SwitchyardError } from '../errors/index.js';

/** Incremental line splitter. */
export class LineSplitter {
  readonly #maxLine: number;
  #parts: Buffer[] = [];
  #partLen = 0;

  constructor(maxLineBytes = 16 * 1024 * 1024) {
    this.#maxLine = maxLineBytes;
  }

  /** Bytes buffered of an unfinished line. */
  get buffered(): number {
    return this.#partLen;
  }

  /** Feeds a chunk; returns the complete lines it finished (without the newline, empty lines dropped). */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl);
      this.#check(piece.length);
      const line = this.#partLen === 0 ? piece : Buffer.concat([...this.#parts, piece]);
      this.#parts = [];
      this.#partLen = 0;
      const text = line.toString('utf8').trim();
      if (text !== '') lines.push(text);
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.#check(rest.length);
      // copy: the caller may reuse the chunk's memory
      this.#parts.push(Buffer.from(rest));
      this.#partLen += rest.length;
    }
    return lines;
  }

  /** The unterminated tail at end of stream, if any. */
  end(): string | undefined {
    const text = Buffer.concat(this.#parts).toString('utf8').trim();
    this.#parts = [];
    this.#partLen = 0;
    return text === '' ? undefined : text;
  }

  #check(adding: number): void {
    if (this.#partLen + adding > this.#maxLine) {
      throw new SwitchyardError(ErrorCode.Api, `watch stream: line longer than ${this.#maxLine} bytes`);
    }
  }
}
