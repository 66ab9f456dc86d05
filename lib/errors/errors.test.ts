import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  EEXIST,
  ENOENT,
  ErrorCode,
  invalid,
  isAlreadyExists,
  isInvalid,
  isNotFound,
  SwitchyardError,
  systemError,
} from './index.js';

describe('coded errors', () => {
  it('names the field first', () => {
    const err = invalid('spec.ports[1].port', 'must be 1–65535, got 70000');
    expect(err.message).toBe('spec.ports[1].port: must be 1–65535, got 70000');
    expect(err.field).toBe('spec.ports[1].port');
    expect(isInvalid(err)).toBe(true);
    expect(isNotFound(err)).toBe(false);
  });

  it('maps errno to predicates and Node-style messages', () => {
    const missing = systemError('open', ENOENT, '/run/netns/sy-x');
    expect(missing.message).toBe('open ENOENT /run/netns/sy-x');
    expect(isNotFound(missing)).toBe(true);
    const exists = systemError('RTM_NEWLINK', -EEXIST, 'veth0');
    expect(isAlreadyExists(exists)).toBe(true);
    expect(exists.syscall).toBe('RTM_NEWLINK');
  });

  it('documents every code in lib/errors/README.md', () => {
    const doc = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
    for (const code of Object.values(ErrorCode)) expect(doc).toContain(code);
    expect(new SwitchyardError(ErrorCode.Timeout, 'x')).toBeInstanceOf(Error);
  });
});
