import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isInvalid } from '../lib/errors/index.js';
import { isOwnerAlive, liveRunIds, processOwner, processStartTicks } from './owner.js';
import {
  type LabLease,
  type LabState,
  labPaths,
  leaseFile,
  listLeaseFiles,
  readLease,
  readState,
  writeLease,
  writeState,
} from './state.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-lab-test-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const state: LabState = {
  version: 1,
  labId: 'abc',
  prefix: 'sy-abc-',
  nodes: 2,
  lbMode: 'bgp',
  namespaces: [{ target: 'fabric', name: 'sy-abc-fabric' }],
  createdAt: '2026-11-22T01:00:00.000Z',
};

describe('state and lease files', () => {
  it('round-trip, and a missing file reads as undefined', () => {
    const dir = tempDir();
    const file = join(dir, 'state', 'lab.json');
    expect(readState(file)).toBeUndefined();
    writeState(file, state);
    expect(readState(file)).toEqual(state);
    const paths = { stateDir: join(dir, 'state'), runDir: join(dir, 'run') };
    expect(listLeaseFiles(paths)).toEqual([]);
    const lease: LabLease = {
      version: 1,
      labId: 'abc',
      prefix: 'sy-abc-',
      stateFile: file,
      owner: { kind: 'detached' },
    };
    writeLease(paths, lease);
    expect(listLeaseFiles(paths)).toEqual([leaseFile(paths, 'abc')]);
    expect(readLease(leaseFile(paths, 'abc'))).toEqual(lease);
  });

  it('name the file and field of a bad state or lease', () => {
    const dir = tempDir();
    const file = join(dir, 'lab.json');
    writeFileSync(
      file,
      '{"version":1,"labId":"a","prefix":"sy-a-","nodes":1,"lbMode":"ospf","namespaces":[]}',
    );
    expect(() => readState(file)).toThrow(`${file}: lbMode: must be "l2" or "bgp"`);
    writeFileSync(file, '{ not json');
    let caught: unknown;
    try {
      readState(file);
    } catch (err: unknown) {
      caught = err;
    }
    expect(isInvalid(caught)).toBe(true);
    writeFileSync(
      file,
      '{"version":1,"labId":"a","prefix":"sy-a-","stateFile":"/x","owner":{"kind":"zombie"}}',
    );
    expect(() => readLease(file)).toThrow(`${file}: owner: must be`);
  });

  it('take their directories from the environment', () => {
    expect(labPaths('/repo', {})).toEqual({ stateDir: '/repo/.switchyard', runDir: '/run/switchyard' });
    expect(labPaths('/repo', { SWITCHYARD_STATE_DIR: '/t/s', SWITCHYARD_RUN_DIR: '/t/r' })).toEqual({
      stateDir: '/t/s',
      runDir: '/t/r',
    });
  });
});

describe('owners', () => {
  it('a process owner is alive while it runs and dead after, even if its pid were reused', async () => {
    const me = processOwner();
    expect(isOwnerAlive(me)).toBe(true);
    expect(isOwnerAlive({ kind: 'detached' })).toBe(true);
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const pid = child.pid as number;
    const owner = processOwner(pid);
    expect(isOwnerAlive(owner)).toBe(true);
    if (owner.kind === 'process')
      expect(isOwnerAlive({ ...owner, startTicks: owner.startTicks + 1 })).toBe(false);
    await new Promise((resolve) => {
      child.on('exit', resolve);
      child.kill('SIGKILL');
    });
    expect(processStartTicks(pid)).toBeUndefined();
    expect(isOwnerAlive(owner)).toBe(false);
  });

  it('sees this test run as alive through SY_RUN_ID', () => {
    const id = process.env.SY_RUN_ID;
    expect(id).toBeTruthy();
    expect(liveRunIds().has(id as string)).toBe(true);
  });
});
