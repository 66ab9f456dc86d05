/**
 * The plugin executables keep a V8 code cache beside themselves (scripts/build.mjs): the first
 * call writes it, later calls use it and give the same answer, and a damaged cache is ignored
 * (V8 rejects it) and replaced.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPlugins, removePlugins, runCni } from './index.js';

function caches(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.startsWith('.host-local.') && f.endsWith('.v8cache'));
}

describe('plugin code cache', () => {
  afterAll(removePlugins);

  it('is written by the first call, reused, and replaced when damaged', async () => {
    const dir = buildPlugins();
    const binary = join(dir, 'host-local');
    const call = () => runCni({ binary, env: { CNI_COMMAND: 'VERSION' }, config: { cniVersion: '1.0.0' } });
    expect(caches(dir)).toEqual([]);
    const first = await call();
    expect(first.code).toBe(0);
    expect(first.json?.supportedVersions).toContain('1.1.0');
    const [name] = caches(dir);
    expect(name).toMatch(/^\.host-local\.[0-9a-f]{16}\.v8cache$/);
    const file = join(dir, name ?? '');
    expect(statSync(file).mode & 0o777).toBe(0o644);
    const written = readFileSync(file);
    expect(written.length).toBeGreaterThan(1000);

    const second = await call();
    expect(second.stdout).toBe(first.stdout);
    // A valid cache is left alone.
    expect(readFileSync(file).equals(written)).toBe(true);

    writeFileSync(file, 'not a code cache');
    const third = await call();
    expect(third.stdout).toBe(first.stdout);
    expect(readFileSync(file).length).toBeGreaterThan(1000);
    expect(caches(dir)).toEqual([name]);
  });
});
