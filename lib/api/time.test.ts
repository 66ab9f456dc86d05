import { describe, expect, it } from 'vitest';
import { formatMicroTime, formatTime } from './index.js';

describe('timestamps', () => {
  const ms = Date.UTC(2026, 11, 5, 15, 30, 52, 123);
  it('formats metav1.Time at second precision', () => {
    expect(formatTime(ms)).toBe('2026-12-05T15:30:52Z');
    expect(formatTime(new Date(ms))).toBe('2026-12-05T15:30:52Z');
    expect(formatTime(0)).toBe('1970-01-01T00:00:00Z');
  });
  it('formats metav1.MicroTime at microsecond precision', () => {
    expect(formatMicroTime(ms)).toBe('2026-12-05T15:30:52.123000Z');
    expect(formatMicroTime(new Date(ms))).toBe('2026-12-05T15:30:52.123000Z');
  });
});
