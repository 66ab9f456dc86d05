import { describe, expect, it } from 'vitest';
import { invalid } from '../errors/index.js';
import { createLogger, parseLogLevel } from './index.js';

function sink(): { write(line: string): void; lines(): Record<string, unknown>[] } {
  const out: string[] = [];
  return {
    write: (line) => {
      out.push(line);
    },
    lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const now = () => Date.UTC(2026, 10, 22, 1, 2, 3, 456);

describe('logger', () => {
  it('writes one JSON object per line with time, level, component, msg and fields', () => {
    const s = sink();
    const log = createLogger({ stream: s, now, component: 'proxy', fields: { node: 'node-1' } });
    log.info('synced', { services: 3, took: 12n });
    expect(s.lines()).toEqual([
      {
        time: '2026-11-22T01:02:03.456Z',
        level: 'info',
        component: 'proxy',
        msg: 'synced',
        node: 'node-1',
        services: 3,
        took: '12',
      },
    ]);
  });

  it('filters by level', () => {
    const s = sink();
    const log = createLogger({ stream: s, now, level: 'warn' });
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(s.lines().map((l) => l.level)).toEqual(['warn', 'error']);
    expect(log.enabled('info')).toBe(false);
    expect(log.enabled('error')).toBe(true);
  });

  it('child loggers add a component and fields; fields cannot forge the fixed keys', () => {
    const s = sink();
    const root = createLogger({ stream: s, now, level: 'debug', fields: { run: 'r1' } });
    const child = root.child({ component: 'dns', fields: { zone: 'cluster.local' } });
    child.debug('answer', { level: 'error', msg: 'forged', qname: 'a.' });
    expect(s.lines()).toEqual([
      {
        time: '2026-11-22T01:02:03.456Z',
        level: 'debug',
        component: 'dns',
        msg: 'answer',
        run: 'r1',
        zone: 'cluster.local',
        qname: 'a.',
      },
    ]);
  });

  it('expands coded errors', () => {
    const s = sink();
    createLogger({ stream: s, now }).error('bad config', { err: invalid('spec.port', 'must be 1–65535') });
    expect(s.lines()[0]?.err).toEqual({
      name: 'SwitchyardError',
      message: 'spec.port: must be 1–65535',
      code: 'SY_ERR_INVALID',
      field: 'spec.port',
    });
  });

  it('parses --log-level', () => {
    expect(parseLogLevel('debug')).toBe('debug');
    expect(() => parseLogLevel('verbose')).toThrow(
      '--log-level: "verbose" is not one of debug, info, warn, error',
    );
  });
});
