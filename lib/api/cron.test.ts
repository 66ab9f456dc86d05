import { describe, expect, it } from 'vitest';
import { isKnownTimeZone, parseSchedule } from './cron.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString().replace('.000Z', 'Z');

function nextOf(spec: string, after: string, zone?: string): string | undefined {
  const p = parseSchedule(spec);
  if (!p.ok) throw new Error(p.problem);
  return iso(p.schedule.next(at(after), zone));
}

describe('parseSchedule: next activation', () => {
  it.each([
    // spec, after, expected next (UTC)
    ['* * * * *', '2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z'],
    ['* * * * *', '2026-01-01T00:00:30Z', '2026-01-01T00:01:00Z'],
    ['*/15 * * * *', '2026-01-01T00:14:59Z', '2026-01-01T00:15:00Z'],
    ['5/20 * * * *', '2026-01-01T00:26:00Z', '2026-01-01T00:45:00Z'],
    ['0 9-17/4 * * *', '2026-01-01T13:00:00Z', '2026-01-01T17:00:00Z'],
    ['0,30 * * * *', '2026-01-01T00:29:00Z', '2026-01-01T00:30:00Z'],
    ['0 0 1 * *', '2026-01-15T00:00:00Z', '2026-02-01T00:00:00Z'],
    ['0 0 31 * *', '2026-02-01T00:00:00Z', '2026-03-31T00:00:00Z'],
    ['0 0 29 2 *', '2026-03-01T00:00:00Z', '2028-02-29T00:00:00Z'],
    ['0 12 * JAN-MAR MON', '2026-03-31T00:00:00Z', '2027-01-04T12:00:00Z'],
    ['0 12 * * sun', '2026-01-01T00:00:00Z', '2026-01-04T12:00:00Z'],
    // Day-of-month and day-of-week both restricted: either matches.
    ['0 0 13 * FRI', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z'],
    ['0 0 13 * FRI', '2026-01-10T00:00:00Z', '2026-01-13T00:00:00Z'],
    // One of them unrestricted: both must match (and `?` counts as unrestricted).
    ['0 0 ? * 5', '2026-01-10T00:00:00Z', '2026-01-16T00:00:00Z'],
    ['@hourly', '2026-01-01T10:59:59Z', '2026-01-01T11:00:00Z'],
    ['@daily', '2026-01-01T10:00:00Z', '2026-01-02T00:00:00Z'],
    ['@midnight', '2026-01-01T10:00:00Z', '2026-01-02T00:00:00Z'],
    ['@weekly', '2026-01-01T10:00:00Z', '2026-01-04T00:00:00Z'],
    ['@monthly', '2026-01-01T10:00:00Z', '2026-02-01T00:00:00Z'],
    ['@yearly', '2026-01-01T10:00:00Z', '2027-01-01T00:00:00Z'],
    ['@annually', '2026-01-01T10:00:00Z', '2027-01-01T00:00:00Z'],
    ['@every 1h30m', '2026-01-01T10:00:00.500Z', '2026-01-01T11:30:00Z'],
    ['0 0 30 2 *', '2026-01-01T00:00:00Z', undefined],
  ])('%s after %s → %s', (spec, after, want) => {
    expect(nextOf(spec, after)).toBe(want);
  });

  it('computes in the given zone, and CRON_TZ in the text wins', () => {
    // 09:00 in New York is 14:00 UTC in winter, 13:00 UTC in summer.
    expect(nextOf('0 9 * * *', '2026-01-10T00:00:00Z', 'America/New_York')).toBe('2026-01-10T14:00:00Z');
    expect(nextOf('0 9 * * *', '2026-07-10T00:00:00Z', 'America/New_York')).toBe('2026-07-10T13:00:00Z');
    expect(nextOf('CRON_TZ=Asia/Tokyo 0 9 * * *', '2026-01-10T00:00:00Z', 'America/New_York')).toBe(
      '2026-01-11T00:00:00Z',
    );
    expect(nextOf('TZ=Europe/Berlin 30 2 * * *', '2026-01-10T00:00:00Z')).toBe('2026-01-10T01:30:00Z');
  });

  it('skips a wall time a DST change removes, and fires in both passes of a repeated hour', () => {
    // 2026-03-08: New York springs forward at 02:00 → 03:00; 02:30 does not exist that day.
    expect(nextOf('30 2 * * *', '2026-03-08T05:00:00Z', 'America/New_York')).toBe('2026-03-09T06:30:00Z');
    // 2026-11-01: 01:30 happens twice (EDT 05:30Z, then EST 06:30Z); both fire.
    expect(nextOf('30 1 * * *', '2026-11-01T04:00:00Z', 'America/New_York')).toBe('2026-11-01T05:30:00Z');
    expect(nextOf('30 1 * * *', '2026-11-01T05:30:00Z', 'America/New_York')).toBe('2026-11-01T06:30:00Z');
  });
});

describe('parseSchedule: problems', () => {
  it.each([
    ['', 'empty spec string'],
    ['* * * *', 'expected exactly 5 fields, found 4: * * * *'],
    ['* * * * * *', 'expected exactly 5 fields, found 6: * * * * * *'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['* * * 13 *', 'end of range (13) above maximum (12): 13'],
    ['* * * * 7', 'end of range (7) above maximum (6): 7'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['*/a * * * *', 'failed to parse int from a'],
    ['1/2/3 * * * *', 'too many slashes: 1/2/3'],
    ['x * * * *', 'failed to parse int from x'],
    ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
    ['CRON_TZ=Mars/Olympus * * * * *', 'provided bad location Mars/Olympus: unknown time zone Mars/Olympus'],
  ])('%j → %s', (spec, problem) => {
    expect(parseSchedule(spec)).toEqual({ ok: false, problem });
  });

  it('knows IANA zones through Intl', () => {
    expect(isKnownTimeZone('Europe/Paris')).toBe(true);
    expect(isKnownTimeZone('Nowhere/Land')).toBe(false);
  });
});
