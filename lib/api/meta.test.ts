import { describe, expect, it } from 'vitest';
import { isInvalid } from '../errors/index.js';
import {
  formatSelector,
  keyOf,
  matchSelector,
  objectKey,
  parseSelector,
  selectorFromLabelSelector,
  splitObjectKey,
} from './meta.js';

describe('objectKey', () => {
  it('is namespace/name, or name for cluster-scoped objects', () => {
    expect(objectKey('demo', 'hello')).toBe('demo/hello');
    expect(objectKey(undefined, 'node-1')).toBe('node-1');
    expect(keyOf({ metadata: { namespace: 'a', name: 'b' } })).toBe('a/b');
  });
  it('splits back into namespace and name', () => {
    expect(splitObjectKey('demo/hello')).toEqual({ namespace: 'demo', name: 'hello' });
    expect(splitObjectKey('node-1')).toEqual({ namespace: '', name: 'node-1' });
    expect(splitObjectKey(objectKey('a', 'b/c'))).toEqual({ namespace: 'a', name: 'b/c' });
  });
});

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'fe', 'example.com/env': 'prod' };
  const cases: [string, boolean][] = [
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app!=db', true],
    ['missing!=x', true], // != matches objects without the key
    ['app in (web, api)', true],
    ['app notin (web)', false],
    ['missing notin (a)', true],
    ['tier', true],
    ['!tier', false],
    ['!missing', true],
    ['example.com/env=prod,app=web', true],
    ['app=web,tier=be', false],
    ['tier=', false],
  ];
  for (const [text, want] of cases) {
    it(`"${text}" → ${want}`, () => {
      expect(matchSelector(parseSelector(text), labels)).toBe(want);
    });
  }

  it('parses into canonical requirements and formats back', () => {
    expect(parseSelector('b in (y,x,x), !c, a=1, d')).toEqual([
      { key: 'b', operator: 'in', values: ['x', 'y'] },
      { key: 'c', operator: '!', values: [] },
      { key: 'a', operator: 'in', values: ['1'] },
      { key: 'd', operator: 'exists', values: [] },
    ]);
    expect(formatSelector(parseSelector('b in (y,x), !c, a=1, d, e!=2'))).toBe('a=1,b in (x,y),!c,d,e!=2');
  });

  const bad: [string, RegExp][] = [
    ['app=web,', /trailing ","/],
    ['app in web', /expected "\(" after "in"/],
    ['app in ()', /"in" needs at least one value/],
    ['app in (a b)', /expected "," or "\)"/],
    ['-bad=1', /label key "-bad"/],
    ['app=has space', /expected ","/],
    [`app=${'x'.repeat(64)}`, /label value/],
    ['app >= 3', /unknown operator ">"/],
    ['!', /expected a label key after "!"/],
  ];
  for (const [text, re] of bad) {
    it(`rejects "${text.slice(0, 30)}" with a clear error`, () => {
      let err: unknown;
      try {
        parseSelector(text);
      } catch (e: unknown) {
        err = e;
      }
      expect(isInvalid(err)).toBe(true);
      expect((err as Error).message).toMatch(/^labelSelector: /);
      expect((err as Error).message).toMatch(re);
    });
  }

  it('converts a structured LabelSelector and names the bad field', () => {
    const sel = selectorFromLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['fe', 'be'] },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    });
    expect(matchSelector(sel, { app: 'web', tier: 'be' })).toBe(true);
    expect(matchSelector(sel, { app: 'web', tier: 'be', legacy: 'x' })).toBe(false);
    expect(() =>
      selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In' }] }, 'spec.selector'),
    ).toThrow(/^spec\.selector\.matchExpressions\[0\]\.values: must be non-empty for operator In/);
    expect(() =>
      selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }),
    ).toThrow(/^selector\.matchExpressions\[0\]\.values: must be empty/);
  });
});
