import { describe, expect, it } from 'vitest';
import { intFlag, parseFlags } from './flags.js';

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
