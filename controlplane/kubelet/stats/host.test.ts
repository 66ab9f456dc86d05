/** The /proc parsers, table-driven over real file excerpts; the adapter against this machine's /proc. */
import { describe, expect, it } from 'vitest';
import { parseMemory, parseProcStat, parseVmstat, readHostSample } from './host.js';

describe('parseProcStat', () => {
  it.each([
    {
      name: 'busy is user+nice+system+irq+softirq+steal, in USER_HZ ticks of 10 ms',
      text: 'cpu  100 5 50 9000 300 7 8 2 0 0\ncpu0 1 1 1 1 1 1 1 1 0 0\nbtime 1700000000\n',
      busyTicks: 100 + 5 + 50 + 7 + 8 + 2,
      boot: 1_700_000_000_000,
    },
    {
      name: 'an old kernel with four columns and no btime',
      text: 'cpu 10 0 10 500\n',
      busyTicks: 20,
      boot: 0,
    },
  ])('$name', ({ text, busyTicks, boot }) => {
    expect(parseProcStat(text)).toEqual({ usageCoreNanoSeconds: busyTicks * 10_000_000, bootTimeMs: boot });
  });

  it('refuses a file without the aggregate line', () => {
    expect(() => parseProcStat('cpu0 1 2 3\n')).toThrow(/no aggregate "cpu" line/);
  });
});

describe('parseMemory and parseVmstat', () => {
  it.each([
    {
      name: 'MemAvailable present',
      text: 'MemTotal:  1000 kB\nMemFree:  200 kB\nMemAvailable:  600 kB\nAnonPages:  150 kB\n',
      want: { totalBytes: 1_024_000, freeBytes: 204_800, availableBytes: 614_400, anonBytes: 153_600 },
    },
    {
      name: 'no MemAvailable (before Linux 3.14): free stands in',
      text: 'MemTotal: 1000 kB\nMemFree: 200 kB\n',
      want: { totalBytes: 1_024_000, freeBytes: 204_800, availableBytes: 204_800, anonBytes: 0 },
    },
  ])('$name', ({ text, want }) => {
    expect(parseMemory(text)).toEqual(want);
  });

  it('refuses meminfo without MemTotal; reads the fault counters', () => {
    expect(() => parseMemory('MemFree: 1 kB\n')).toThrow(/MemTotal/);
    expect(parseVmstat('pgpgin 1\npgfault 12345\npgmajfault 67\n')).toEqual({
      pageFaults: 12345,
      majorPageFaults: 67,
    });
  });
});

describe('readHostSample', () => {
  it('reads this machine: busy time below the wall time of all cores since boot, memory in range', () => {
    const s = readHostSample({ rootDir: '/', now: Date.now() });
    expect(s.cpu.bootTimeMs).toBeGreaterThan(0);
    expect(s.cpu.usageCoreNanoSeconds).toBeGreaterThan(0);
    expect(s.memory.availableBytes).toBeLessThanOrEqual(s.memory.totalBytes);
    expect(s.fs?.capacityBytes).toBeGreaterThan(0);
  });
});
