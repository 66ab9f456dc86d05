import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, isInvalid, SwitchyardError } from '../lib/errors/index.js';
import { FakeNetlink, type NsRef, type VethSpec } from '../lib/netlink/index.js';
import { downLab, upLab } from './lab.js';
import { processOwner } from './owner.js';
import { labSpec } from './spec.js';
import { leaseFile, readLease, readState, stateFile } from './state.js';
import { fakeNetns } from './testing/fake-netns.js';

/** A fake whose veth creation fails for one peer name, as a kernel out of memory would. */
class FailingVeth extends FakeNetlink {
  constructor(readonly failPeer: string) {
    super();
  }
  override async createVeth(ns: NsRef, spec: VethSpec): Promise<void> {
    if (spec.peerName === this.failPeer) throw new SwitchyardError(ErrorCode.System, 'RTM_NEWLINK ENOMEM');
    return super.createVeth(ns, spec);
  }
}

const dirs: string[] = [];
function env(netlink: FakeNetlink) {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-lab-unit-'));
  dirs.push(dir);
  return { paths: { stateDir: join(dir, 's'), runDir: join(dir, 'r') }, netlink, netns: fakeNetns(netlink) };
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const now = () => new Date('2026-11-22T01:00:00Z');

describe('upLab and downLab over FakeNetlink', () => {
  it('record the lab in a state file and a lease, and remove both on down', async () => {
    const fake = new FakeNetlink();
    const e = env(fake);
    const report = await upLab(e, {
      spec: labSpec({ labId: 'u1', nodes: 1 }),
      owner: { kind: 'detached' },
      now,
    });
    expect(report.state).toEqual({
      version: 1,
      labId: 'u1',
      prefix: 'sy-u1-',
      nodes: 1,
      lbMode: 'l2',
      namespaces: ['fabric', 'control-plane', 'node-1', 'client', 'router'].map((t) => ({
        target: t,
        name: `sy-u1-${t}`,
      })),
      createdAt: '2026-11-22T01:00:00.000Z',
    });
    expect(readState(stateFile(e.paths))).toEqual(report.state);
    expect(readLease(leaseFile(e.paths, 'u1'))?.owner).toEqual({ kind: 'detached' });
    expect(await downLab(e)).toEqual({
      labId: 'u1',
      namespaces: report.state.namespaces.map((n) => n.name).sort(),
      components: [],
      nodes: [],
    });
    expect(fake.namespaces()).toEqual([]);
    expect(readState(stateFile(e.paths))).toBeUndefined();
    expect(readLease(leaseFile(e.paths, 'u1'))).toBeUndefined();
    expect(await downLab(e)).toEqual({ labId: undefined, namespaces: [], components: [], nodes: [] });
  });

  it('refuse a second lab in the same state dir', async () => {
    const e = env(new FakeNetlink());
    await upLab(e, { spec: labSpec({ labId: 'u2', nodes: 1 }), owner: { kind: 'detached' } });
    const err = await upLab(e, {
      spec: labSpec({ labId: 'u3', nodes: 1 }),
      owner: { kind: 'detached' },
    }).catch((x: unknown) => x);
    expect(isInvalid(err)).toBe(true);
    expect((err as Error).message).toContain('holds lab u2, not u3; run "switchyard down" first');
  });

  it('undo a new lab that failed half-way', async () => {
    const fake = new FailingVeth('veth-node-1');
    const e = env(fake);
    await expect(
      upLab(e, { spec: labSpec({ labId: 'u4', nodes: 1 }), owner: { kind: 'detached' } }),
    ).rejects.toThrow('RTM_NEWLINK ENOMEM');
    expect(fake.namespaces()).toEqual([]);
    expect(readState(stateFile(e.paths))).toBeUndefined();
    expect(readLease(leaseFile(e.paths, 'u4'))).toBeUndefined();
  });

  it('leave an existing lab with its owner when converging it fails', async () => {
    const fake = new FailingVeth('veth-node-2');
    const e = env(fake);
    await upLab(e, { spec: labSpec({ labId: 'u5', nodes: 1 }), owner: { kind: 'detached' } });
    await expect(
      upLab(e, { spec: labSpec({ labId: 'u5', nodes: 2 }), owner: processOwner() }),
    ).rejects.toThrow('RTM_NEWLINK ENOMEM');
    expect(readLease(leaseFile(e.paths, 'u5'))?.owner).toEqual({ kind: 'detached' });
    expect(fake.namespaces()).toContain('sy-u5-node-2');
    expect(readState(stateFile(e.paths))?.nodes).toBe(2);
  });
});
