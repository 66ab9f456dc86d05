import { describe, expect, it } from 'vitest';
import { COMPONENT_FLAGS, componentFlags, componentFlagsUsage, intFlag, parseFlags } from './flags.js';

describe('parseFlags', () => {
  const specs = { nodes: { type: 'string' }, verbose: { type: 'boolean', default: false } } as const;

  it('reads values, booleans, positionals and the rest after --', () => {
    const p = parseFlags(['a', '--nodes', '4', '--verbose', 'b', '--', 'ping', '-c1'], specs);
    expect(p.flags).toEqual({ nodes: '4', verbose: true });
    expect(p.positionals).toEqual(['a', 'b']);
    expect(p.rest).toEqual(['ping', '-c1']);
    expect(intFlag(p, 'nodes', 1, 10)).toBe(4);
  });

  it('names the flag in errors', () => {
    expect(() => parseFlags(['--bogus'], specs)).toThrow('unknown flag --bogus');
    expect(() => parseFlags(['--nodes'], specs)).toThrow('flag --nodes needs a value');
    expect(() => intFlag(parseFlags(['--nodes=99'], specs), 'nodes', 1, 10)).toThrow(
      '--nodes: must be an integer 1–10, got "99"',
    );
  });
});

describe('component flags', () => {
  it('reads --kubeconfig, --log-level and --metrics-addr into ComponentFlags', () => {
    const parsed = parseFlags(['--kubeconfig', '/k', '--log-level=debug', '--metrics-addr', '0.0.0.0:9'], {
      ...COMPONENT_FLAGS,
    });
    expect(componentFlags(parsed)).toEqual({ kubeconfig: '/k', logLevel: 'debug', metricsAddr: '0.0.0.0:9' });
    expect(componentFlags(parseFlags([], COMPONENT_FLAGS))).toEqual({});
  });

  it('names the flag of a bad log level', () => {
    expect(() => componentFlags(parseFlags(['--log-level', 'loud'], COMPONENT_FLAGS))).toThrow(
      /^--log-level: "loud" is not one of debug, info, warn, error$/,
    );
  });

  it('aligns the usage lines: descriptions start at the given (0-based) column', () => {
    for (const line of componentFlagsUsage(30).split('\n')) {
      expect(line[29]).toBe(' ');
      expect(line[30]).not.toBe(' ');
    }
  });
});
