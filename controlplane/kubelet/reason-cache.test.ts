/** The reason cache: failures and back-off holds kept per container until it starts. */
import { describe, expect, it } from 'vitest';
import type { ApplyResult } from './apply.js';
import { ReasonCache } from './reason-cache.js';

const start = (
  name: string,
  failure?: { reason: string; message: string },
): ApplyResult['outcomes'][number] => ({
  action: { kind: 'start-container', name, init: false, restartCount: 0 },
  ...(failure ? { failure } : {}),
});

describe('ReasonCache', () => {
  it('keeps a failed start until that container starts', () => {
    const cache = new ReasonCache();
    const never = { reason: 'ErrImageNeverPull', message: 'Container image "x" is not present' };
    cache.update('u1', new Map(), { outcomes: [start('app', never)], confirmDeletion: false });
    expect(cache.get('u1').get('app')).toEqual(never);
    // A sync that did not try to start it keeps the reason.
    cache.update('u1', new Map(), { outcomes: [], confirmDeletion: false });
    expect(cache.get('u1').get('app')).toEqual(never);
    cache.update('u1', new Map(), { outcomes: [start('app')], confirmDeletion: false });
    expect(cache.get('u1').size).toBe(0);
  });

  it('records the plan’s back-off holds, per pod, and forgets a removed pod', () => {
    const cache = new ReasonCache();
    const held = { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=a' };
    cache.update('u1', new Map([['a', held]]), undefined);
    cache.set('u2', 'b', { reason: 'ContainerCreating', message: 'volume "v": MountVolume.SetUp failed' });
    expect(cache.get('u1').get('a')).toEqual(held);
    expect(cache.get('u2').get('b')?.reason).toBe('ContainerCreating');
    cache.remove('u1');
    expect(cache.get('u1').size).toBe(0);
  });
});
