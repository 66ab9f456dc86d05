/** Leader election against the real API server: one leader at a time, loss on a stolen Lease, release. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestEnv, type TestEnv } from '../../test/harness/cluster/env.js';
import type { Lease } from '../api/index.js';
import { leasesResource } from '../client/index.js';
import { runLeaderElection } from './leader-election.js';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv();
});
afterAll(async () => {
  await env?.stop();
});

function candidate(identity: string, name: string) {
  const ac = new AbortController();
  const state = { leading: false, terms: 0 };
  const done = runLeaderElection(
    {
      client: env.client,
      namespace: 'kube-system',
      name,
      identity,
      leaseDurationMs: 1200,
      renewDeadlineMs: 800,
      retryPeriodMs: 150,
      onStartedLeading: (signal) =>
        new Promise<void>((resolve) => {
          state.leading = true;
          state.terms += 1;
          signal.addEventListener('abort', () => {
            state.leading = false;
            resolve();
          });
        }),
    },
    ac.signal,
  );
  return {
    state,
    stop: async () => {
      ac.abort();
      await done;
    },
  };
}

describe('leader election', () => {
  it('exactly one of two candidates leads; a clean stop releases the Lease to the other at once', async () => {
    const a = candidate('a', 'le-1');
    await eventually('a leads', () => a.state.leading);
    const b = candidate('b', 'le-1');
    await new Promise((r) => setTimeout(r, 500));
    expect([a.state.leading, b.state.leading]).toEqual([true, false]);
    const t = Date.now();
    await a.stop();
    await eventually('b leads', () => b.state.leading);
    expect(Date.now() - t).toBeLessThan(1000); // released: no need to wait out the 1.2 s lease
    const lease = await env.client.resource(leasesResource).get('le-1', { namespace: 'kube-system' });
    expect(lease.spec).toMatchObject({ holderIdentity: 'b', leaseDurationSeconds: 2, leaseTransitions: 1 });
    expect(lease.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    await b.stop();
  });

  it('a leader whose Lease is taken over stops leading within the renew deadline', async () => {
    const a = candidate('a', 'le-2');
    await eventually('a leads', () => a.state.leading);
    const leases = env.client.resource(leasesResource);
    let stealing = true;
    const thief = (async () => {
      while (stealing) {
        const cur: Lease = await leases.get('le-2', { namespace: 'kube-system' });
        await leases
          .update(
            {
              ...cur,
              spec: {
                ...cur.spec,
                holderIdentity: 'intruder',
                renewTime: new Date().toISOString().replace('Z', '000Z'),
              },
            },
            { namespace: 'kube-system' },
          )
          .catch(() => undefined);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await eventually('a stops leading', () => !a.state.leading, 3000);
    stealing = false;
    await thief;
    // Once the intruder stops renewing, a takes the Lease back after it expires.
    await eventually('a leads again', () => a.state.leading && a.state.terms === 2, 5000);
    await a.stop();
  });

  it('rejects inconsistent timings naming the field', async () => {
    await expect(
      runLeaderElection(
        {
          client: env.client,
          namespace: 'kube-system',
          name: 'x',
          identity: 'x',
          leaseDurationMs: 1000,
          renewDeadlineMs: 2000,
          onStartedLeading: () => undefined,
        },
        new AbortController().signal,
      ),
    ).rejects.toThrow(/leaseDurationMs/);
  });
});
