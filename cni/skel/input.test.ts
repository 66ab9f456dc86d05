import { describe, expect, it } from 'vitest';
import {
  absolutePathProblem,
  containerIdProblem,
  ifnameProblem,
  netnsFault,
  parsePrevResult,
  resultProblem,
} from './input.js';

describe('runtime input checks', () => {
  it.each([
    ['', /is empty/],
    ['a\0b', /NUL/],
    ['abcdefghijklmnop', /16 bytes, longer than 15/],
    ['ééééééééé', /18 bytes/],
    ['.', /not allowed/],
    ['..', /not allowed/],
    ['all', /reserved/],
    ['default', /reserved/],
    ['../../x', /'\/' or ':'/],
    ['a:b', /'\/' or ':'/],
    ['eth0\nlink', /whitespace/],
    ['a b', /whitespace/],
    ['a\tb', /whitespace/],
    ['a\u00a0b', /whitespace/],
    // U+2000 is whitespace to libcni (unicode.IsSpace), not to the kernel; U+00E0 is the other way
    // round: its UTF-8 (C3 A0) holds the byte the kernel's isspace() counts.
    ['a\u2000b', /whitespace/],
    ['\u00e0', /whitespace/],
  ])('interface name %j is refused (%s)', (name, why) => {
    expect(ifnameProblem(name)).toMatch(why);
  });

  it.each([
    'eth0',
    'abcdefghijklmno',
    'e#0',
    "a'b",
    'a"b',
    'all0',
    '-x',
  ])('interface name %j is accepted, as the kernel does', (name) => {
    expect(ifnameProblem(name)).toBeUndefined();
  });

  it('messages show the value with control characters escaped', () => {
    expect(ifnameProblem('a\nb')).toBe('"a\\nb" contains whitespace');
  });

  it.each(['', '-x', 'a b', '../x', 'a/b', 'a\nb', '.x'])('container ID %j is refused', (id) => {
    expect(containerIdProblem(id)).toBeDefined();
  });

  it('absolute paths only, without NUL or line breaks', () => {
    expect(absolutePathProblem('/var/lib/cni')).toBeUndefined();
    expect(absolutePathProblem('run/netns/x')).toMatch(/not an absolute path/);
    expect(absolutePathProblem('/run/netns/x\nlink del lo')).toMatch(/line break/);
    expect(absolutePathProblem('/a\0b')).toMatch(/NUL/);
    expect(absolutePathProblem('')).toMatch(/empty/);
  });

  it('a netns must be a namespace file', () => {
    expect(netnsFault('/proc/self/ns/net')).toBeUndefined();
    expect(netnsFault('/nonexistent/sy-netns')?.kind).toBe('missing');
    expect(netnsFault('/etc/hostname')?.kind).toBe('not-a-namespace');
    expect(netnsFault('/etc/hostname/x')?.kind).toBe('missing');
  });

  it('checks names, addresses and routes of a result and names the field', () => {
    const ok = {
      cniVersion: '1.0.0',
      interfaces: [{ name: 'cni0' }, { name: 'eth0', sandbox: 'vm-1' }],
      ips: [{ address: 'fd00::5/64', gateway: 'fd00::1' }],
      routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }],
    };
    expect(resultProblem(ok, 'prevResult')).toBeUndefined();
    expect(resultProblem({ ...ok, interfaces: [{ name: 'all' }] }, 'prevResult')).toEqual({
      field: 'prevResult.interfaces[0].name',
      problem: '"all" is reserved (/proc/sys/net/*/conf/all is not an interface)',
    });
    expect(resultProblem({ ...ok, ips: [{ address: '10.0.0.2' }] }, 'r')?.field).toBe('r.ips[0].address');
    expect(resultProblem({ ...ok, ips: [{ address: '10.0.0.2/33' }] }, 'r')?.field).toBe('r.ips[0].address');
    expect(
      resultProblem({ ...ok, ips: [{ address: '10.0.0.2/24', gateway: '10.0.0.1 dev lo' }] }, 'r')?.field,
    ).toBe('r.ips[0].gateway');
    expect(resultProblem({ ...ok, routes: [{ dst: 'default' }] }, 'r')?.field).toBe('r.routes[0].dst');
    expect(() =>
      parsePrevResult({
        cniVersion: '1.0.0',
        name: 'n',
        type: 't',
        prevResult: { interfaces: [{ name: '../../x' }] },
      }),
    ).toThrow(/^prevResult\.interfaces\[0\]\.name: "\.\.\/\.\.\/x" contains '\/' or ':'$/);
  });
});
