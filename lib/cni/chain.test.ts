import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  addNetworkList,
  checkNetworkList,
  delNetworkList,
  gcNetworkList,
  isCniError,
  parseNetConfList,
  pluginConfig,
} from './index.js';

// Real plugin processes (small shell scripts) that log what they were given: one line per call
// with the command and the stdin config, so the test sees exactly what a runtime passes.
const dir = mkdtempSync(join(tmpdir(), 'sy-cni-chain-'));
const log = join(dir, 'calls.log');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function plugin(name: string, addResult: string, failOn = ''): void {
  const file = join(dir, name);
  writeFileSync(
    file,
    `#!/bin/sh
in=$(cat)
printf '%s %s %s\\n' "${name}" "$CNI_COMMAND" "$in" >> ${log}
if [ "$CNI_COMMAND" = "${failOn}" ]; then echo '{"code":11,"msg":"${name} busy"}'; exit 1; fi
if [ "$CNI_COMMAND" = ADD ]; then echo '${addResult}'; fi
`,
  );
  chmodSync(file, 0o755);
}

plugin('first', '{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.2/24"}]}');
plugin(
  'second',
  '{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.2/24"}],"dns":{"nameservers":["10.96.0.10"]}}',
  'DEL',
);

const list = parseNetConfList({
  cniVersion: '1.0.0',
  name: 'chain',
  plugins: [
    { type: 'first', x: 1 },
    { type: 'second', capabilities: { portMappings: true } },
  ],
});
const rt = {
  containerId: 'c1',
  netns: '/run/netns/x',
  ifname: 'eth0',
  capabilityArgs: {
    portMappings: [{ hostPort: 80, containerPort: 8080, protocol: 'tcp' }],
    mac: 'aa:bb:cc:dd:ee:ff',
  },
};
const calls = (): { plugin: string; command: string; conf: Record<string, unknown> }[] =>
  readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [p = '', c = '', ...rest] = line.split(' ');
      return { plugin: p, command: c, conf: JSON.parse(rest.join(' ')) as Record<string, unknown> };
    });

describe('conflist chains', () => {
  it('ADD runs in order, passing prevResult; runtimeConfig only for declared capabilities', async () => {
    writeFileSync(log, '');
    const result = await addNetworkList(list, rt, { path: [dir] });
    expect(result.dns?.nameservers).toEqual(['10.96.0.10']);
    const [a, b] = calls();
    expect(a).toMatchObject({
      plugin: 'first',
      command: 'ADD',
      conf: { cniVersion: '1.0.0', name: 'chain', type: 'first', x: 1 },
    });
    expect(a?.conf.prevResult).toBeUndefined();
    expect(a?.conf.runtimeConfig).toBeUndefined();
    expect(b?.conf.prevResult).toEqual({ cniVersion: '1.0.0', ips: [{ address: '10.0.0.2/24' }] });
    expect(b?.conf.runtimeConfig).toEqual({ portMappings: rt.capabilityArgs.portMappings });
    expect(b?.conf.capabilities).toBeUndefined();
  });

  it('DEL runs in reverse, keeps going past a failure, and reports the first one', async () => {
    writeFileSync(log, '');
    const err = await delNetworkList(list, rt, { path: [dir] }).catch((e: unknown) => e);
    expect(isCniError(err, 11)).toBe(true);
    expect(calls().map((c) => `${c.plugin} ${c.command}`)).toEqual(['second DEL', 'first DEL']);
  });

  it('CHECK in order with prevResult; GC with the valid attachments', async () => {
    writeFileSync(log, '');
    await checkNetworkList(list, rt, { path: [dir], prevResult: { cniVersion: '1.0.0', ips: [] } });
    const valid = [{ containerID: 'c1', ifname: 'eth0' }];
    await gcNetworkList({ ...list, cniVersion: '1.1.0' }, valid, { path: [dir] });
    const c = calls();
    expect(c.map((x) => `${x.plugin} ${x.command}`)).toEqual([
      'first CHECK',
      'second CHECK',
      'first GC',
      'second GC',
    ]);
    expect(c[2]?.conf['cni.dev/valid-attachments']).toEqual(valid);
  });

  it('validates the list and derives per-plugin configs', () => {
    expect(() => parseNetConfList({ cniVersion: '1.0.0', name: 'n', plugins: [] })).toThrow(
      'plugins: must be a non-empty list',
    );
    expect(() => parseNetConfList({ cniVersion: '1.0.0', name: 'n', plugins: [{}] })).toThrow(
      'plugins[0].type: is required',
    );
    expect(pluginConfig(list, { index: 0 })).toEqual({
      type: 'first',
      x: 1,
      cniVersion: '1.0.0',
      name: 'chain',
    });
  });
});
