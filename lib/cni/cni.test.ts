import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CniCode,
  type CniError,
  compareVersions,
  findPlugin,
  formatResult,
  invokeAdd,
  invokeVersion,
  invokeVoid,
  isCniError,
  negotiateVersion,
  parseResult,
  pluginEnv,
} from './index.js';

describe('version negotiation', () => {
  it('orders versions numerically', () => {
    expect(compareVersions('0.4.0', '1.0.0')).toBeLessThan(0);
    expect(compareVersions('1.10.0', '1.9.0')).toBeGreaterThan(0);
    expect(compareVersions('1.1.0', '1.1.0')).toBe(0);
  });

  it('accepts 0.3.0 to 1.1.0 and rejects others with code 1 naming both sides', () => {
    for (const v of ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']) expect(negotiateVersion(v, 'ADD')).toBe(v);
    expect(() => negotiateVersion('0.3.1', 'CHECK')).toThrow(/does not allow CHECK/);
    try {
      negotiateVersion('0.2.0', 'ADD');
      expect.unreachable();
    } catch (err: unknown) {
      expect(isCniError(err, CniCode.IncompatibleVersion)).toBe(true);
      expect((err as CniError).details).toBe(
        'config is "0.2.0", plugin supports ["0.3.0" "0.3.1" "0.4.0" "1.0.0" "1.1.0"]',
      );
    }
  });

  it('requires 1.1.0 for STATUS and GC', () => {
    expect(() => negotiateVersion('1.0.0', 'GC')).toThrow(/does not allow GC/);
    expect(() => negotiateVersion('0.4.0', 'STATUS')).toThrow(/does not allow STATUS/);
    expect(negotiateVersion('0.4.0', 'CHECK')).toBe('0.4.0');
  });
});

describe('results', () => {
  const v04 = {
    cniVersion: '0.4.0',
    interfaces: [{ name: 'eth0', mac: 'aa:bb:cc:dd:ee:ff', sandbox: '/run/netns/x' }],
    ips: [{ version: '4', interface: 0, address: '10.88.0.8/16', gateway: '10.88.0.1' }],
    routes: [{ dst: '0.0.0.0/0' }],
    dns: {},
  };

  it('parses a 0.4.0 result into the 1.x shape and prints it back in either shape', () => {
    const r = parseResult(v04);
    expect(r.ips).toEqual([{ interface: 0, address: '10.88.0.8/16', gateway: '10.88.0.1' }]);
    expect(formatResult(r, '1.1.0')).toEqual({ ...v04, cniVersion: '1.1.0', ips: r.ips });
    expect(formatResult(r, '0.4.0')).toEqual(v04);
    expect(formatResult({ cniVersion: '1.0.0', ips: [{ address: 'fd00::5/64' }] }, '0.4.0').ips).toEqual([
      { version: '6', address: 'fd00::5/64' },
    ]);
  });

  it('names the field of a malformed result', () => {
    expect(() => parseResult({ ips: [{ gateway: 'x' }] })).toThrow('prevResult.ips[0].address: is required');
    expect(() => parseResult({ routes: [{ dst: 1 }] })).toThrow(
      'prevResult.routes[0].dst: must be a string, got 1',
    );
  });
});

describe('invoker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-cni-invoke-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function script(name: string, body: string): string {
    const file = join(dir, name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
    return file;
  }

  it('passes CNI_* env and the config on stdin, and parses the result', async () => {
    const bin = script(
      'echoer',
      'cat >/dev/null; printf \'{"cniVersion":"1.0.0","ips":[{"address":"10.1.0.2/24"}],"dns":{"nameservers":["%s"]}}\' "$CNI_COMMAND-$CNI_CONTAINERID-$CNI_IFNAME-$CNI_ARGS-$CNI_PATH"',
    );
    const r = await invokeAdd({
      binary: bin,
      config: { cniVersion: '1.0.0', name: 'n', type: 'echoer' },
      containerId: 'c1',
      netns: '/run/netns/x',
      ifname: 'eth0',
      args: [
        ['IgnoreUnknown', '1'],
        ['K8S_POD_NAME', 'p'],
      ],
      path: ['/a', '/b'],
    });
    expect(r.ips?.[0]?.address).toBe('10.1.0.2/24');
    expect(r.dns?.nameservers).toEqual(['ADD-c1-eth0-IgnoreUnknown=1;K8S_POD_NAME=p-/a:/b']);
  });

  it('turns the spec error JSON into a CniError with its code', async () => {
    const bin = script('failer', 'echo \'{"code":7,"msg":"ipam.ranges: bad","details":"d"}\'; exit 1');
    const err = await invokeVoid({ binary: bin, command: 'DEL', config: {} }).catch((e: unknown) => e);
    expect(isCniError(err, 7)).toBe(true);
    expect((err as CniError).message).toBe('ipam.ranges: bad');
    expect((err as CniError).details).toBe('d');
  });

  it('reports a crash without JSON as code 999 with the last stderr line', async () => {
    const bin = script('crasher', 'echo boom >&2; exit 3');
    const err = await invokeVoid({ binary: bin, command: 'DEL', config: {} }).catch((e: unknown) => e);
    expect(isCniError(err, CniCode.Internal)).toBe(true);
    expect((err as Error).message).toMatch(/exited 3: boom/);
  });

  it('asks VERSION and finds plugins in CNI_PATH', async () => {
    script('ver', 'cat >/dev/null; echo \'{"cniVersion":"1.1.0","supportedVersions":["1.0.0","1.1.0"]}\'');
    const bin = findPlugin('ver', ['/nonexistent', dir]);
    expect(bin).toBe(join(dir, 'ver'));
    expect((await invokeVersion({ binary: bin, cniVersion: '1.1.0' })).supportedVersions).toEqual([
      '1.0.0',
      '1.1.0',
    ]);
    expect(() => findPlugin('nope', [dir])).toThrow(/type: plugin "nope" not found/);
    expect(() => findPlugin('../x', [dir])).toThrow(/type: invalid plugin name/);
  });

  it('builds the environment only from what was given', () => {
    const env = pluginEnv({ binary: 'x', command: 'STATUS', config: {}, env: { PATH: '/bin' } });
    expect(env).toEqual({ PATH: '/bin', CNI_COMMAND: 'STATUS' });
  });
});
