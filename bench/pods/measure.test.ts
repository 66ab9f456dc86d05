import { describe, expect, it } from 'vitest';
import { renderTable } from '../framework.js';
import { cniAddSpans, cniShare, cpuTicks, parseCniLog, podsResult, type StartRun } from './measure.js';

describe('bench pods arithmetic', () => {
  it('parses the wrappers log and spans each sandbox from its first ADD start to its last ADD end', () => {
    const calls = parseCniLog(
      [
        'ADD aaa loopback 1000000 3000000',
        'ADD aaa bridge 2000000 12000000',
        'ADD aaa portmap 12500000 14000000',
        'ADD bbb bridge 5000000 9000000',
        'DEL bbb bridge 20000000 29000000',
        'ADD ccc bridge 5000000', // torn line
        '',
      ].join('\n'),
    );
    expect(calls).toHaveLength(5);
    expect(calls[0]).toEqual({
      command: 'ADD',
      containerId: 'aaa',
      plugin: 'loopback',
      startNs: 1000000n,
      endNs: 3000000n,
    });
    expect(Object.fromEntries(cniAddSpans(calls))).toEqual({ aaa: 13, bbb: 4 });
  });

  it('reads utime + stime from /proc/<pid>/stat, also when the command name holds spaces and parens', () => {
    const stat = '4242 (node (kubelet) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 150 27 0 0 20 0 11 0 987 0 0';
    expect(cpuTicks(stat)).toBe(177);
    expect(() => cpuTicks('1 (x) S')).toThrow(/utime/);
  });

  it('puts the kubelet path beside direct CRI, with the CNI share and CPU per pod', () => {
    const ours: StartRun = {
      latenciesMs: [400, 500, 600, 1900],
      wallMs: 2000,
      cniMs: [100, 100, 100, 100],
      containerdCpuMs: 800,
      kubeletCpuMs: 400,
    };
    const reference: StartRun = {
      latenciesMs: [200, 250, 300, 350],
      wallMs: 400,
      cniMs: [90, 90, 90, 90],
      containerdCpuMs: 600,
    };
    expect(cniShare(ours)).toBeCloseTo(11.76, 2);
    const result = podsResult(ours, reference, 4);
    const rows = Object.fromEntries(result.rows.map((r) => [r.metric, [r.ours, r.reference]]));
    expect(rows['start to ready p50']).toEqual([500, 250]);
    expect(rows['start to ready p99']).toEqual([1900, 350]);
    expect(rows['all 4 ready']).toEqual([2000, 400]);
    expect(rows['containerd CPU per pod']).toEqual([200, 150]);
    expect(rows['kubelet CPU per pod']?.[0]).toBe(100);
    expect(rows['kubelet CPU per pod']?.[1]).toBeNaN();
    const table = renderTable(result);
    expect(table).toContain('start to ready p99 (ms)');
    expect(table).toMatch(/kubelet CPU per pod \(ms\) +100 +- +-x/);
  });
});
