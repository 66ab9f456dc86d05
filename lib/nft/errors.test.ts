import { describe, expect, it } from 'vitest';
import { EBUSY, ErrorCode, isAlreadyExists, isNotFound } from '../errors/index.js';
import { NftError, nftErrorFromStderr } from './index.js';

// stderr captured from nft 1.0.6 on this machine.
const ENOENT_TEXT = `/dev/stdin:1:26-30: Error: No such file or directory
add rule ip t r ip saddr @nope accept
                         ^^^^^`;
const EEXIST_TEXT = `/dev/stdin:1:25-31: Error: Could not process rule: File exists
create element ip t s { 1.1.1.1 }
                        ^^^^^^^`;
const EBUSY_TEXT = `/dev/stdin:1:19-19: Error: Could not process rule: Device or resource busy
delete chain ip t r
                  ^`;
const SYNTAX_TEXT = `/dev/stdin:1:1-7: Error: syntax error, unexpected table, expecting string
destroy table inet zz
        ^^^^^`;

describe('nftErrorFromStderr', () => {
  it('maps errno text to coded errors and keeps nft stderr', () => {
    const nf = nftErrorFromStderr(ENOENT_TEXT, 'nft -f -');
    expect(isNotFound(nf)).toBe(true);
    expect(nf).toBeInstanceOf(NftError);
    expect(nf.errno).toBe(2);
    expect(nf.syscall).toBe('nft');
    expect(nf.message).toBe(
      'nft -f -: No such file or directory (in: add rule ip t r ip saddr @nope accept)',
    );
    expect(nf.stderr).toBe(ENOENT_TEXT);
    expect(isAlreadyExists(nftErrorFromStderr(EEXIST_TEXT))).toBe(true);
    const busy = nftErrorFromStderr(EBUSY_TEXT);
    expect(busy.code).toBe(ErrorCode.Command);
    expect(busy.errno).toBe(EBUSY);
    const syntax = nftErrorFromStderr(SYNTAX_TEXT);
    expect(syntax.code).toBe(ErrorCode.Command);
    expect(syntax.errno).toBeUndefined();
    expect(syntax.message).toContain('syntax error, unexpected table');
  });
});
