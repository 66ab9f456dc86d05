/**
 * What a plugin process loads: every module is start-up time on every pod's critical path, so
 * the plugins must run an ADD and a DEL without `node:child_process`, `net` or the stream
 * machinery (cni/ip/spawn.ts, host-local/lock.ts), and must still work when the bindings they
 * use instead are unavailable (SWITCHYARD_CNI_NO_BINDINGS=1: the public modules take over).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel, uniqueName } from '../../test/harness/kernel.js';
import { addNetns, buildPlugins, delNetns, removePlugins } from './index.js';

interface Run {
  readonly code: number;
  readonly stdout: string;
  /** Built-in modules the plugin loaded beyond what a bare Node has loaded. */
  readonly loaded: readonly string[];
}

const heavy = (loaded: readonly string[]): string[] =>
  loaded.filter((m) => /child_process|NativeModule (net|dgram|stream)$|internal\/streams\//.test(m));

describeKernel('plugin start-up', () => {
  let bin = '';
  let work = '';
  let host = '';
  const namespaces: string[] = [];

  beforeAll(() => {
    bin = buildPlugins();
    work = mkdtempSync(join(tmpdir(), 'sy-cni-startup-'));
    host = uniqueName('sh');
    namespaces.push(host);
    addNetns(host);
    // Records, at exit, which built-ins the plugin loaded (written with fs: no stream set-up).
    writeFileSync(
      join(work, 'modules.cjs'),
      `const before = new Set(process.moduleLoadList);
process.on('exit', () => {
  const added = process.moduleLoadList.filter((m) => !before.has(m) && m.startsWith('NativeModule '));
  require('node:fs').writeFileSync(process.env.SY_MODULES_OUT, JSON.stringify(added));
});\n`,
    );
  });
  afterAll(() => {
    for (const ns of namespaces) delNetns(ns);
    rmSync(work, { recursive: true, force: true });
    removePlugins();
  });

  /** Runs a plugin in the "host" namespace (nsenter is not Node: it adds no modules). */
  function run(plugin: string, env: Record<string, string>, config: unknown): Promise<Run> {
    const out = join(work, `modules-${Math.random().toString(36).slice(2)}.json`);
    const argv = [`--net=/run/netns/${host}`, '--', process.execPath, '-r', join(work, 'modules.cjs')];
    return new Promise((resolve, reject) => {
      const child = spawn('nsenter', [...argv, join(bin, plugin)], {
        env: { PATH: process.env.PATH ?? '', CNI_PATH: bin, SY_MODULES_OUT: out, ...env },
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      child.on('error', reject);
      child.on('close', (code) => {
        const loaded = existsSync(out)
          ? (JSON.parse(readFileSync(out, 'utf8')) as string[])
          : ['(none recorded)'];
        resolve({ code: code ?? 1, stdout, loaded });
      });
      child.stdin.end(JSON.stringify(config));
    });
  }

  for (const mode of ['bindings', 'public modules'] as const) {
    it(`bridge + host-local ADD and DEL (${mode})`, async () => {
      const pod = uniqueName('su');
      namespaces.push(pod);
      const env = {
        CNI_CONTAINERID: pod,
        CNI_NETNS: addNetns(pod),
        CNI_IFNAME: 'eth0',
        ...(mode === 'public modules' ? { SWITCHYARD_CNI_NO_BINDINGS: '1' } : {}),
      };
      const config = {
        cniVersion: '1.1.0',
        name: `startup-${mode === 'bindings' ? 'b' : 'p'}`,
        type: 'bridge',
        bridge: 'systart0',
        isGateway: true,
        ipMasq: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: '10.98.0.0/24' }]], dataDir: join(work, 'ipam') },
      };
      const add = await run('bridge', { ...env, CNI_COMMAND: 'ADD' }, config);
      expect(add.code, add.stdout).toBe(0);
      expect((JSON.parse(add.stdout) as { ips: { address: string }[] }).ips[0]?.address).toBe('10.98.0.2/24');
      const del = await run('bridge', { ...env, CNI_COMMAND: 'DEL' }, config);
      expect(del.code, del.stdout).toBe(0);
      if (mode === 'bindings') {
        expect(heavy(add.loaded)).toEqual([]);
        expect(heavy(del.loaded)).toEqual([]);
      } else {
        expect(add.loaded.some((m) => m.includes('child_process'))).toBe(true);
      }
    });
  }
});
