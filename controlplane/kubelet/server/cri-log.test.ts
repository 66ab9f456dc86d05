/**
 * The CRI log format and the kubelet's selection over it (cri-log.ts), table-driven: lines as
 * containerd 1.6 writes them (`pkg/cri/io/logger.go`), and what upstream's ReadLogs makes of
 * them (pieces joined, since, timestamps with nine digits, limitBytes, tail by file lines).
 */
import { describe, expect, it } from 'vitest';
import {
  findTailStart,
  formatTime,
  LineSplitter,
  LogFormatter,
  type LogSelection,
  parseCriLine,
  parseTimeNs,
} from './cri-log.js';

const b = (s: string): Buffer => Buffer.from(s);

describe('parseCriLine', () => {
  it.each([
    [
      '2026-12-05T18:19:02.123456789Z stdout F hello',
      { stream: 'stdout', partial: false, content: 'hello\n' },
    ],
    ['2026-12-05T18:19:02Z stderr F oops', { stream: 'stderr', partial: false, content: 'oops\n' }],
    ['2026-12-05T19:19:02.5+01:00 stdout P part', { stream: 'stdout', partial: true, content: 'part' }],
    ['2026-12-05T18:19:02.1Z stdout F:x:y tagged', { stream: 'stdout', partial: false, content: 'tagged\n' }],
    ['2026-12-05T18:19:02.1Z stdout F ', { stream: 'stdout', partial: false, content: '\n' }],
    ['2026-12-05T18:19:02.1Z stdout F', { stream: 'stdout', partial: false, content: '\n' }],
    [
      '2026-12-05T18:19:02.1Z stdout F  two  spaces ',
      { stream: 'stdout', partial: false, content: ' two  spaces \n' },
    ],
  ])('%j', (line, want) => {
    const got = parseCriLine(b(line));
    expect(got && { stream: got.stream, partial: got.partial, content: got.content.toString() }).toEqual(
      want,
    );
  });

  it.each([
    [''],
    ['hello world'],
    ['2026-12-05T18:19:02Z stdin F x'],
    ['2026-12-05T18:19:02Z stdout X x'],
    ['2026-12-05 18:19:02Z stdout F x'],
    ['2026-12-05T18:19:02.1234567890Z stdout F x'],
    ['2026-13-45T18:19:02Z stdout F x'],
    ['2026-12-05T18:19:02Z'],
    ['\u0000\u00ff garbage F'],
  ])('rejects %j', (line) => {
    expect(parseCriLine(b(line))).toBeUndefined();
  });

  it('keeps bytes that are not UTF-8', () => {
    const line = Buffer.concat([b('2026-12-05T18:19:02Z stdout F '), Buffer.from([0xff, 0xfe, 0x00])]);
    expect(parseCriLine(line)?.content).toEqual(Buffer.from([0xff, 0xfe, 0x00, 0x0a]));
  });
});

describe('times', () => {
  it.each([
    ['2026-12-05T18:19:02Z', 1796494742000000000n],
    ['2026-12-05T18:19:02.000000001Z', 1796494742000000001n],
    ['2026-12-05T18:19:02.5Z', 1796494742500000000n],
    ['2026-12-05T19:19:02.5+01:00', 1796494742500000000n],
  ])('parseTimeNs(%s)', (text, ns) => {
    expect(parseTimeNs(text)).toBe(ns);
  });

  it.each([
    ['2026-12-05T18:19:02Z', '2026-12-05T18:19:02.000000000Z'],
    ['2026-12-05T18:19:02.12Z', '2026-12-05T18:19:02.120000000Z'],
    ['2026-12-05T19:19:02.123456789+01:00', '2026-12-05T19:19:02.123456789+01:00'],
  ])('formatTime(%s) has nine digits and the zone kept', (text, want) => {
    expect(formatTime(text)).toBe(want);
  });
});

const LOG = [
  '2026-12-05T18:00:00.1Z stdout F one',
  '2026-12-05T18:00:01.2Z stderr F two',
  '2026-12-05T18:00:02.3Z stdout P th',
  '2026-12-05T18:00:02.4Z stdout P re',
  '2026-12-05T18:00:02.5Z stdout F e',
  'not a cri line',
  '2026-12-05T18:00:03Z stdout F four',
];

function format(selection: LogSelection, lines = LOG): string {
  const f = new LogFormatter(selection);
  const out: Buffer[] = [];
  for (const l of lines) {
    const r = f.push(b(l));
    out.push(r.out);
    if (r.done) break;
  }
  return Buffer.concat(out).toString();
}

describe('LogFormatter', () => {
  it.each<[string, LogSelection, string]>([
    ['everything, pieces joined, bad lines skipped', { timestamps: false }, 'one\ntwo\nthree\nfour\n'],
    [
      'timestamps: nine digits, the first piece’s time once per line',
      { timestamps: true },
      '2026-12-05T18:00:00.100000000Z one\n2026-12-05T18:00:01.200000000Z two\n' +
        '2026-12-05T18:00:02.300000000Z three\n2026-12-05T18:00:03.000000000Z four\n',
    ],
    [
      'since: older messages skipped',
      { timestamps: false, sinceNs: parseTimeNs('2026-12-05T18:00:01.2Z') as bigint },
      'two\nthree\nfour\n',
    ],
    [
      'since in the middle of a line: the older pieces skipped',
      { timestamps: false, sinceNs: parseTimeNs('2026-12-05T18:00:02.4Z') as bigint },
      'ree\nfour\n',
    ],
    ['limitBytes cuts inside a message', { timestamps: false, limitBytes: 6 }, 'one\ntw'],
    ['limitBytes exactly at a line end', { timestamps: false, limitBytes: 4 }, 'one\n'],
    ['limitBytes counts the timestamps', { timestamps: true, limitBytes: 12 }, '2026-12-05T1'],
  ])('%s', (_name, selection, want) => {
    expect(format(selection)).toBe(want);
  });

  it('is done after the limit and writes nothing more', () => {
    const f = new LogFormatter({ timestamps: false, limitBytes: 2 });
    expect(f.push(b(LOG[0] as string))).toEqual({ out: b('on'), done: true });
    expect(f.done).toBe(true);
    expect(f.push(b(LOG[1] as string)).out.length).toBe(0);
  });
});

describe('findTailStart', () => {
  const at = (text: string) => {
    const buf = b(text);
    return (n: number, block = 4) =>
      findTailStart(buf.length, n, (pos, len) => buf.subarray(pos, pos + len), block);
  };
  it.each<[string, number, string]>([
    ['a\nb\nc\n', 2, 'b\nc\n'],
    ['a\nb\nc\n', 0, ''],
    ['a\nb\nc\n', 3, 'a\nb\nc\n'],
    ['a\nb\nc\n', 10, 'a\nb\nc\n'],
    ['a\nb\nc', 1, 'b\nc'],
    ['', 5, ''],
    ['long line one\nlonger line two\nthree\n', 2, 'longer line two\nthree\n'],
    ['x\n'.repeat(100), 7, 'x\n'.repeat(7)],
  ])('%j, last %i', (text, n, want) => {
    for (const block of [1, 3, 4, 1024]) expect(text.slice(at(text)(n, block))).toBe(want);
  });
  it('negative n reads everything', () => {
    expect(at('a\nb\n')(-1)).toBe(0);
  });
});

describe('LineSplitter', () => {
  it('splits across chunks, bounds long lines, flushes the unterminated rest', () => {
    const s = new LineSplitter(4);
    expect(s.push(b('ab')).map(String)).toEqual([]);
    expect(s.push(b('c\nde')).map(String)).toEqual(['abc']);
    expect(s.push(b('fghij')).map(String)).toEqual(['defg']);
    expect(s.flush()?.toString()).toBe('hij');
    expect(s.flush()).toBeUndefined();
  });
});
