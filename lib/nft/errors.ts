/**
 * nft failures as coded errors. nft reports the kernel's errno only as strerror text on
 * stderr, so this adapter boundary is the one place that reads message text; callers use
 * isNotFound / isAlreadyExists / `errno`.
 */
import { EBUSY, EEXIST, ENOENT, EOPNOTSUPP, ErrorCode, SwitchyardError } from '../errors/index.js';

/** An `nft` command failed; `stderr` keeps nft's own report. */
export class NftError extends SwitchyardError {
  readonly stderr: string;

  constructor(
    code: ErrorCode,
    message: string,
    options: { stderr: string; errno?: number; cause?: unknown },
  ) {
    super(code, message, {
      syscall: 'nft',
      ...(options.errno === undefined ? {} : { errno: options.errno }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.name = 'NftError';
    this.stderr = options.stderr;
  }
}

const ERRNO_TEXT: readonly [RegExp, number, ErrorCode][] = [
  [/No such file or directory/, ENOENT, ErrorCode.NotFound],
  [/File exists/, EEXIST, ErrorCode.AlreadyExists],
  [/Device or resource busy/, EBUSY, ErrorCode.Command],
  [/Operation not supported/, EOPNOTSUPP, ErrorCode.Command],
];

/** Builds an NftError from nft's stderr; the message quotes nft's first `Error:` line. */
export function nftErrorFromStderr(stderr: string, what = 'nft'): NftError {
  const text = stderr.trim();
  const lines = text.split('\n');
  const idx = lines.findIndex((l) => l.includes('Error:'));
  const errorLine = idx >= 0 ? (lines[idx] ?? '') : (lines[0] ?? 'failed without output');
  const command = idx >= 0 ? lines[idx + 1]?.trim() : undefined;
  const detail = errorLine.replace(/^.*?Error:\s*/, '');
  const message = `${what}: ${detail}${command ? ` (in: ${command})` : ''}`;
  for (const [re, errno, code] of ERRNO_TEXT) {
    if (re.test(errorLine)) return new NftError(code, message, { stderr: text, errno });
  }
  return new NftError(ErrorCode.Command, message, { stderr: text });
}

/** The error the fake raises, worded as nft words it, so both paths read alike. */
export function fakeNftError(errno: number, command: string): NftError {
  const entry = ERRNO_TEXT.find(([, e]) => e === errno);
  const text = entry ? entry[0].source : `errno ${errno}`;
  const code = entry ? entry[2] : ErrorCode.Command;
  const stderr = `Error: Could not process rule: ${text}\n${command}`;
  return new NftError(code, `nft: Could not process rule: ${text} (in: ${command})`, { stderr, errno });
}

/** The fake's version of an nft userspace error that carries no errno (e.g. interval overlap). */
export function fakeNftMessageError(message: string, command: string): NftError {
  return new NftError(ErrorCode.Command, `nft: ${message} (in: ${command})`, {
    stderr: `Error: ${message}\n${command}`,
  });
}
