/**
 * `ip -batch` quoting against the real iproute2 reader: a word holding what would end a command
 * or start another (spaces, quotes, `#`, a trailing backslash, a newline) reaches `ip` as one
 * argument, or the commands run one exec each; nothing else ever runs.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel, uniqueName } from '../../test/harness/kernel.js';
import { addNetns, delNetns, ipJsonIn } from '../testing/index.js';
import { batchText, batchWord, runBatch } from './index.js';

describeKernel('ip -batch words (real iproute2)', () => {
  let ns = '';
  let path = '';
  beforeAll(() => {
    ns = uniqueName('b');
    path = addNetns(ns);
  });
  afterAll(() => delNetns(ns));

  const links = () =>
    ipJsonIn<{ ifname: string }>(ns, ['link', 'show'])
      .map((l) => l.ifname)
      .sort();

  it('plain words stay as they are; others are quoted; # and newline cannot be written', () => {
    expect(batchWord('eth0')).toBe('eth0');
    expect(batchWord('/run/netns/a-b_c.d')).toBe('/run/netns/a-b_c.d');
    expect(batchWord('a b')).toBe('"a b"');
    expect(batchWord('a"b')).toBe(`'a"b'`);
    expect(batchWord('x\\')).toBe('"x\\"');
    expect(batchWord(`a'"b`)).toBeUndefined();
    expect(batchWord('e#0')).toBeUndefined();
    expect(batchWord('a\nb')).toBeUndefined();
    expect(batchText([['link', 'show', 'dev', 'a\nlink del lo']])).toBeUndefined();
  });

  it.each([
    ['a quote inside', `q"x`],
    ['a leading quote', `'qy`],
    ['a trailing backslash (line continuation)', 'qz\\'],
    ['a # (comment), run one exec per command', 'q#w'],
    ['both quotes, run one exec per command', `q'"v`],
  ])('a name with %s is one argument, and only the asked commands run', (_what, name) => {
    const before = links();
    const out = runBatch(
      [
        ['link', 'add', 'name', name, 'type', 'bridge'],
        ['link', 'show', 'dev', name],
        ['link', 'del', 'dev', name],
      ],
      { netns: path },
    );
    expect(out.error).toBeUndefined();
    expect(out.ok).toBe(true);
    expect((out.shows[0]?.[0] as { ifname?: string } | undefined)?.ifname).toBe(name);
    expect(links()).toEqual(before);
  });

  it('a newline in a word cannot add a command: the word reaches ip whole and is refused', () => {
    const before = links();
    const out = runBatch([['link', 'set', 'dev', 'lo\nlink add syinj type bridge', 'up']], { netns: path });
    expect(out.ok).toBe(false);
    expect(out.failedLine).toBe(0);
    expect(links()).toEqual(before);
  });

  it('reports the failed command of a batch by index and stops there', () => {
    const out = runBatch(
      [
        ['link', 'set', 'dev', 'lo', 'up'],
        ['link', 'set', 'dev', 'sy-none', 'up'],
        ['link', 'add', 'name', 'synever', 'type', 'bridge'],
      ],
      { netns: path },
    );
    expect(out.failedLine).toBe(1);
    expect(links()).not.toContain('synever');
  });
});
