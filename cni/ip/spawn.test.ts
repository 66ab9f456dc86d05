import { afterEach, describe, expect, it, vi } from 'vitest';
import { type SpawnResult, spawnSync, spawnSyncPortable } from './spawn.js';

/** Each case runs through the binding (the default) and through child_process; both must agree. */
const cases: { name: string; run: (f: typeof spawnSync) => SpawnResult }[] = [
  { name: 'stdout and exit 0', run: (f) => f('sh', ['-c', 'printf "a\\nb"']) },
  { name: 'stdin is passed and closed', run: (f) => f('sh', ['-c', 'cat; echo done'], { input: 'x\ny\n' }) },
  { name: 'stderr and a non-zero status', run: (f) => f('sh', ['-c', 'echo oops >&2; exit 3']) },
  { name: 'UTF-8 output', run: (f) => f('printf', ['%s', 'naïve ☃']) },
  { name: 'killed by a signal', run: (f) => f('sh', ['-c', 'kill -TERM $$']) },
];

describe('spawnSync (without node:child_process)', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  for (const c of cases) {
    it(`${c.name}: same result as child_process.spawnSync`, () => {
      const ours = c.run(spawnSync);
      const node = c.run(spawnSyncPortable);
      expect(ours).toEqual(node);
    });
  }

  it('reports a missing binary as ENOENT, as child_process does', () => {
    for (const f of [spawnSync, spawnSyncPortable]) {
      const r = f('/nonexistent/switchyard-no-such-binary', []);
      expect(r.error?.code).toBe('ENOENT');
      expect(r.status).toBeNull();
    }
  });

  it('refuses a NUL byte in an argument instead of cutting it short, as child_process does', () => {
    for (const f of [spawnSync, spawnSyncPortable]) {
      expect(() => f('printf', ['%s', 'eth0\0x'])).toThrow(
        expect.objectContaining({
          code: 'ERR_INVALID_ARG_VALUE',
          message: expect.stringMatching(/args\[1\]/),
        }),
      );
      expect(() => f('print\0f', [])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    }
  });

  it('passes the environment through', () => {
    vi.stubEnv('SY_SPAWN_TEST', 'value 1');
    expect(spawnSync('sh', ['-c', 'printf %s "$SY_SPAWN_TEST"']).stdout).toBe('value 1');
  });

  it('kills a child whose output exceeds maxBuffer', () => {
    const r = spawnSync('sh', ['-c', 'yes | head -c 100000'], { maxBuffer: 1000 });
    expect(r.error?.code).toBe('ENOBUFS');
  });
});
