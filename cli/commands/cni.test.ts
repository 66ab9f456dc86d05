import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { CNI_PLUGINS } from '../../cni/index.js';
import { buildPlugins, removePlugins } from '../../cni/testing/index.js';
import { cniCommand } from './cni.js';

const root = mkdtempSync(join(tmpdir(), 'sy-cli-cni-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  removePlugins();
});

function ctx() {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return { ctx: { root, stdout, stderr: new PassThrough() }, out: () => out };
}

describe('switchyard cni install', () => {
  it('writes the four executables, each answering VERSION', async () => {
    mkdirSync(join(root, 'dist'), { recursive: true });
    cpSync(buildPlugins(), join(root, 'dist', 'cni'), { recursive: true });
    const dir = join(root, 'bin');
    const c = ctx();
    expect(await cniCommand.run(['install', dir], c.ctx)).toBe(0);
    expect(c.out()).toBe(`installed bridge, host-local, loopback, portmap into ${dir}\n`);
    for (const p of CNI_PLUGINS) {
      expect(statSync(join(dir, p)).mode & 0o777).toBe(0o755);
      const reply = execFileSync(join(dir, p), [], {
        env: { PATH: process.env.PATH ?? '', CNI_COMMAND: 'VERSION' },
        input: '{}',
      });
      expect(JSON.parse(reply.toString()).supportedVersions).toContain('1.1.0');
    }
  });

  it('names what is wrong with the arguments', async () => {
    await expect(cniCommand.run(['uninstall'], ctx().ctx)).rejects.toThrow(
      'cni: unknown subcommand "uninstall"',
    );
    await expect(cniCommand.run(['install'], ctx().ctx)).rejects.toThrow('cni install: DIR is required');
    await expect(cniCommand.run(['install', 'a', 'b'], ctx().ctx)).rejects.toThrow('unexpected argument "b"');
  });
});
