/** `switchyard kubelet --help` lists every flag the command takes. */
import { describe, expect, it } from 'vitest';
import { KUBELET_FLAGS } from '../../controlplane/kubelet/config.js';
import { CLIENT_FLAGS } from '../../lib/component/index.js';
import { kubeletCommand } from './kubelet.js';

describe('switchyard kubelet', () => {
  it('documents every flag', () => {
    const missing = Object.keys({ ...CLIENT_FLAGS, ...KUBELET_FLAGS }).filter(
      (name) => !kubeletCommand.usage.includes(`--${name} `),
    );
    expect(missing).toEqual([]);
  });
});
