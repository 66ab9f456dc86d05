/** `switchyard overlay --help` lists every flag the command takes. */
import { describe, expect, it } from 'vitest';
import { CLIENT_FLAGS } from '../../lib/component/index.js';
import { OVERLAY_FLAGS } from '../../overlay/config.js';
import { overlayCommand } from './overlay.js';

describe('switchyard overlay', () => {
  it('documents every flag', () => {
    const missing = Object.keys({ ...CLIENT_FLAGS, ...OVERLAY_FLAGS }).filter(
      (name) => !overlayCommand.usage.includes(`--${name} `),
    );
    expect(missing).toEqual([]);
  });
});
