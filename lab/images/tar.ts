/**
 * A deterministic tar writer (POSIX ustar, with pax headers for long names): entries sorted by
 * path, every parent directory present, owner and group 0, mtime 0, modes normalised. The same
 * entries therefore always give the same bytes, and so the same digest, whatever the host's
 * clock, umask or user. Used for image layers and for the OCI archive around them.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** Where a file entry's bytes come from: a file on disk (streamed) or bytes in memory. */
export type FileSource = { readonly file: string } | { readonly data: Buffer };

/** One member of a tar. `path` is relative, without a leading `/` or `./` or a trailing `/`. */
export type TarEntry =
  | { readonly kind: 'dir'; readonly path: string; readonly mode: number }
  | {
      readonly kind: 'file';
      readonly path: string;
      readonly mode: number;
      readonly size: number;
      readonly source: FileSource;
    }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string };

/** Receives the tar's bytes in order. */
export type TarSink = (chunk: Buffer) => void;

const BLOCK = 512;
const CHUNK = 1 << 20;

/** A file entry whose bytes are in memory. */
export function dataEntry(path: string, data: string | Buffer, mode = 0o644): TarEntry {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  return { kind: 'file', path, mode, size: buf.length, source: { data: buf } };
}

/**
 * The entries in tar order: sorted by path (byte order), with the missing parent directories
 * added (mode 0755). Throws on a malformed or duplicate path.
 */
export function normaliseEntries(entries: readonly TarEntry[]): TarEntry[] {
  const byPath = new Map<string, TarEntry>();
  for (const e of entries) {
    if (e.path === '' || e.path.startsWith('/') || e.path.endsWith('/') || e.path.split('/').includes('..')) {
      throw new Error(`tar: bad entry path "${e.path}"`);
    }
    if (byPath.has(e.path)) throw new Error(`tar: duplicate entry "${e.path}"`);
    byPath.set(e.path, e);
  }
  for (const e of entries) {
    const parts = e.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      const existing = byPath.get(dir);
      if (existing === undefined) byPath.set(dir, { kind: 'dir', path: dir, mode: 0o755 });
      else if (existing.kind !== 'dir')
        throw new Error(`tar: "${dir}" is both a ${existing.kind} and a directory`);
    }
  }
  return [...byPath.values()].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, mode: number, size: number, type: string, linkname: string): Buffer {
  const h = Buffer.alloc(BLOCK);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    // ustar splits a long name at a '/' into prefix (≤155 bytes) and name (≤100 bytes).
    const cut = name.lastIndexOf('/', name.length - 2);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  h.write(base, 0, 100);
  h.write(octal(mode & 0o7777, 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(0, 12), 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write(linkname, 157, 100);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.write(octal(0, 8), 329);
  h.write(octal(0, 8), 337);
  h.write(prefix, 345, 155);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/** Whether ustar can hold this name as is (≤100 bytes, or split at a '/' into ≤155 + ≤100). */
function fitsUstar(name: string): boolean {
  const len = Buffer.byteLength(name);
  if (Buffer.from(name).length !== name.length) return false; // non-ASCII: keep it exact in pax
  if (len <= 100) return true;
  const cut = name.lastIndexOf('/', name.length - 2);
  return cut > 0 && cut <= 155 && len - cut - 1 <= 100;
}

/** One pax record: "<len> key=value\n", where len counts the whole record including itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len)
    len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

function pad(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

function writeSource(source: FileSource, size: number, path: string, sink: TarSink): void {
  if ('data' in source) {
    sink(source.data);
    return;
  }
  const fd = openSync(source.file, 'r');
  try {
    let done = 0;
    while (done < size) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, size - done));
      const n = readSync(fd, buf, 0, buf.length, done);
      if (n === 0) throw new Error(`tar: ${source.file} (for ${path}) shrank while it was read`);
      sink(n === buf.length ? buf : buf.subarray(0, n));
      done += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** Writes the tar of `entries` (normalised first) to `sink`, ending with two zero blocks. */
export function writeTar(entries: readonly TarEntry[], sink: TarSink): void {
  for (const e of normaliseEntries(entries)) {
    const name = e.kind === 'dir' ? `${e.path}/` : e.path;
    const link = e.kind === 'symlink' ? e.target : '';
    const pax: string[] = [];
    if (!fitsUstar(name)) pax.push(paxRecord('path', name));
    if (Buffer.byteLength(link) > 100 || Buffer.from(link).length !== link.length)
      pax.push(paxRecord('linkpath', link));
    if (pax.length > 0) {
      const body = Buffer.from(pax.join(''));
      sink(header('PaxHeaders/entry', 0o644, body.length, 'x', ''));
      sink(body);
      sink(pad(body.length));
    }
    const shortName = fitsUstar(name) ? name : name.slice(-99).replace(/[^\x20-\x7e]/g, '_');
    const shortLink = Buffer.byteLength(link) > 100 ? '' : link;
    if (e.kind === 'dir') sink(header(shortName, e.mode, 0, '5', ''));
    else if (e.kind === 'symlink') sink(header(shortName, 0o777, 0, '2', shortLink));
    else {
      sink(header(shortName, e.mode, e.size, '0', ''));
      writeSource(e.source, e.size, e.path, sink);
      sink(pad(e.size));
    }
  }
  sink(Buffer.alloc(2 * BLOCK));
}
