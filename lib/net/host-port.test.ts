import { describe, expect, it } from 'vitest';
import { isInvalid } from '../errors/index.js';
import { formatHostPort, parseHostPort } from './index.js';

describe('parseHostPort', () => {
  it('accepts IPv4, bracketed IPv6 and host names', () => {
    expect(parseHostPort('0.0.0.0:6443', '--listen')).toEqual({ host: '0.0.0.0', port: 6443 });
    expect(parseHostPort('[::1]:0', '--listen')).toEqual({ host: '::1', port: 0 });
    expect(parseHostPort('[fd00::1]:65535', '--to')).toEqual({ host: 'fd00::1', port: 65535 });
    expect(parseHostPort('sy-node-1.lab:80', '--to')).toEqual({ host: 'sy-node-1.lab', port: 80 });
  });
  it('fills a left-out host only when told what it means', () => {
    expect(parseHostPort(':6443', '--listen', { defaultHost: '0.0.0.0' })).toEqual({
      host: '0.0.0.0',
      port: 6443,
    });
    expect(() => parseHostPort(':6443', '--listen')).toThrow(
      '--listen: invalid address ":6443": want HOST:PORT, with IPv6 hosts in brackets ([::1]:9090)',
    );
  });
  it('names the field and the problem', () => {
    let err: unknown;
    try {
      parseHostPort('nope', '--listen');
    } catch (e) {
      err = e;
    }
    expect(isInvalid(err)).toBe(true);
    expect((err as Error).message).toMatch(/^--listen: invalid address "nope": want HOST:PORT/);
    expect(() => parseHostPort('10.0.0.1:65536', '--to')).toThrow('port must be 0–65535');
    expect(() => parseHostPort('10.0.0.1:123456', '--to')).toThrow(/want HOST:PORT/);
    expect(() => parseHostPort('::1:80', '--to')).toThrow(/want HOST:PORT/);
    expect(() => parseHostPort('[10.0.0.1]:80', '--to')).toThrow(/not an IPv6 address/);
    expect(() => parseHostPort('bad_host:80', '--to')).toThrow(/not an IP address or host name/);
    expect(() => parseHostPort('10.0.0.1:-1', '--to')).toThrow(/want HOST:PORT/);
  });
  it('formats back with brackets for IPv6', () => {
    expect(formatHostPort({ host: '::1', port: 5 })).toBe('[::1]:5');
    expect(formatHostPort({ host: '10.0.0.1', port: 5 })).toBe('10.0.0.1:5');
    expect(formatHostPort({ host: 'localhost', port: 5 })).toBe('localhost:5');
  });
});
