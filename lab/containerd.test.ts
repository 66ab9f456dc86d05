/** The node containerd's config (pure): paths under its directory, the settings this machine needs. */
import { describe, expect, it } from 'vitest';
import { isInvalid } from '../lib/errors/index.js';
import { containerdConfig, containerdPaths } from './containerd.js';

const base = {
  dir: '/var/lib/sy/node-1/containerd',
  netns: 'sy-ab12-node-1',
  cniBinDir: '/opt/sy/cni',
  sandboxImage: 'docker.io/library/sybox:local',
};

describe('containerdConfig', () => {
  it('puts every file of the instance under its directory', () => {
    expect(containerdPaths(base.dir)).toEqual({
      dir: base.dir,
      config: `${base.dir}/config.toml`,
      root: `${base.dir}/root`,
      state: `${base.dir}/state`,
      socket: `${base.dir}/containerd.sock`,
      ttrpcSocket: `${base.dir}/containerd.sock.ttrpc`,
      log: `${base.dir}/containerd.log`,
      opt: `${base.dir}/opt`,
      runcRoot: `${base.dir}/runc`,
      cniConfDir: `${base.dir}/net.d`,
    });
  });

  it('writes a version 2 config with the settings this machine needs', () => {
    const toml = containerdConfig(base);
    expect(toml).toMatch(/^version = 2$/m);
    expect(toml).toContain(`root = "${base.dir}/root"`);
    expect(toml).toContain(`state = "${base.dir}/state"`);
    expect(toml).toContain(`address = "${base.dir}/containerd.sock"`);
    expect(toml).toContain(`address = "${base.dir}/containerd.sock.ttrpc"`);
    expect(toml).toContain('restrict_oom_score_adj = true');
    expect(toml).toContain(`sandbox_image = "${base.sandboxImage}"`);
    expect(toml).toContain('snapshotter = "overlayfs"');
    expect(toml).toContain(`Root = "${base.dir}/runc"`);
    expect(toml).toContain(`bin_dir = "${base.cniBinDir}"`);
    expect(toml).toContain(`conf_dir = "${base.dir}/net.d"`);
    expect(toml).toContain('stream_server_port = "0"');
    expect(toml).toContain(
      'disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", ' +
        '"io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]',
    );
  });

  it('takes a CNI conf dir and a snapshotter, and quotes paths as TOML strings', () => {
    const toml = containerdConfig({ ...base, cniConfDir: '/etc/sy "net"', snapshotter: 'native' });
    expect(toml).toContain('conf_dir = "/etc/sy \\"net\\""');
    expect(toml).toContain('snapshotter = "native"');
  });

  it('refuses relative paths, empty names and a directory too long for a socket', () => {
    const refused = (o: Partial<typeof base> & { cniConfDir?: string }, field: string) => {
      const err = (() => {
        try {
          containerdConfig({ ...base, ...o });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(isInvalid(err) && err.field).toBe(field);
    };
    refused({ dir: 'rel/dir' }, 'dir');
    refused({ cniBinDir: 'bin' }, 'cniBinDir');
    refused({ cniConfDir: 'net.d' }, 'cniConfDir');
    refused({ netns: '' }, 'netns');
    refused({ sandboxImage: '' }, 'sandboxImage');
    refused({ dir: `/${'d'.repeat(90)}` }, 'dir');
  });
});
