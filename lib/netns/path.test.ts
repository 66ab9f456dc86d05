import { describe, expect, it } from 'vitest';
import { isInvalid } from '../errors/index.js';
import { NETNS_RUN_DIR, netnsPath, validateNetnsName } from './path.js';

describe('namespace references', () => {
  it('maps names under /run/netns and keeps absolute paths', () => {
    expect(netnsPath('sy-1-node1')).toBe(`${NETNS_RUN_DIR}/sy-1-node1`);
    expect(netnsPath('/proc/42/ns/net')).toBe('/proc/42/ns/net');
  });

  it('rejects names that would escape /run/netns, naming the field', () => {
    for (const bad of ['', '.', '..', 'a/b', 'with space', 'x'.repeat(256)]) {
      let err: unknown;
      try {
        validateNetnsName(bad, 'spec.netns');
      } catch (e: unknown) {
        err = e;
      }
      expect(isInvalid(err)).toBe(true);
      expect((err as Error).message).toMatch(/^spec\.netns: must/);
    }
    expect(() => netnsPath('/run/netns/../../etc/passwd')).toThrow('netns: path must not contain ".."');
  });
});
