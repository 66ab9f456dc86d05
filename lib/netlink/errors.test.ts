import { describe, expect, it } from 'vitest';
import { ErrorCode, isAlreadyExists, isNotFound } from '../errors/index.js';
import { ESRCH, kernelError } from './errors.js';

describe('kernel error mapping', () => {
  it('treats "nothing to delete" answers as NotFound, keeping syscall and errno', () => {
    const route = kernelError('RTM_DELROUTE', ESRCH, 'route 10.0.0.0/8 table 254');
    expect(isNotFound(route)).toBe(true);
    expect(route.message).toBe('RTM_DELROUTE ESRCH route 10.0.0.0/8 table 254');
    expect({ syscall: route.syscall, errno: route.errno }).toEqual({ syscall: 'RTM_DELROUTE', errno: 3 });
    expect(isNotFound(kernelError('RTM_DELADDR', -99, 'address'))).toBe(true);
  });

  it('keeps other answers as lib/errors codes them', () => {
    expect(kernelError('RTM_NEWROUTE', ESRCH, 'x').code).toBe(ErrorCode.System);
    expect(isAlreadyExists(kernelError('RTM_NEWLINK', 17, 'x'))).toBe(true);
    expect(isNotFound(kernelError('RTM_GETLINK', 19, 'x'))).toBe(true);
    expect(kernelError('RTM_NEWLINK', 95, 'x').message).toBe('RTM_NEWLINK EOPNOTSUPP x');
  });
});
