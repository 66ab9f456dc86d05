/**
 * The reservation store on disk, laid out like the reference plugin's:
 *   <dataDir>/<network>/<ip>               "<containerID>\r\n<ifname>"
 *   <dataDir>/<network>/last_reserved_ip.<rangeSetIndex>
 *   (lock)                                 held for every ADD, DEL and GC (lock.ts)
 * Crash safety: a reservation is written to a temporary file and then link(2)ed to its final
 * name, which fails with EEXIST if the address is taken: the reservation appears complete or
 * not at all, and never twice. last_reserved_ip is a hint, written in place.
 */
import { linkSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LockOptions, lockPath } from './lock.js';

/** One reservation: an address held by an attachment (container ID + interface). */
export interface Reservation {
  readonly ip: string;
  readonly containerId: string;
  readonly ifname: string;
}

const LAST_RESERVED = 'last_reserved_ip.';
const TMP_SUFFIX = '.tmp';

function isReservationName(name: string): boolean {
  return !name.startsWith('.') && !name.startsWith(LAST_RESERVED) && name !== 'lock';
}

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** unlink(2) where a missing file is fine (rmSync's `force` loads its recursive-removal helper). */
function unlinkIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (err: unknown) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
}

/** The store of one network under `dataDir`. Methods other than `withLock` expect the lock held. */
export class DiskStore {
  readonly dir: string;
  readonly #lockOptions: LockOptions;

  constructor(dataDir: string, network: string, lockOptions: LockOptions = {}) {
    this.dir = join(dataDir, network);
    this.#lockOptions = lockOptions;
  }

  /** Runs `fn` holding the network's lock; temporary files of crashed writers are removed first. */
  async withLock<T>(fn: () => T | Promise<T>): Promise<T> {
    mkdirSync(this.dir, { recursive: true, mode: 0o755 });
    const unlock = await lockPath(this.dir, this.#lockOptions);
    try {
      this.#sweepTemporaries();
      return await fn();
    } finally {
      unlock();
    }
  }

  #sweepTemporaries(): void {
    for (const name of readdirSync(this.dir)) {
      // Only a writer holding the lock creates these, so any seen now belong to a dead process.
      if (name.startsWith('.') && name.endsWith(TMP_SUFFIX)) unlinkIfPresent(join(this.dir, name));
    }
  }

  #tmpName(tag: string): string {
    return join(this.dir, `.${tag}.${process.pid}.${Math.random().toString(36).slice(2)}${TMP_SUFFIX}`);
  }

  /** Reserves `ip` for the attachment; false when someone holds it already. */
  reserve(r: { ip: string; containerId: string; ifname: string; rangeSet: number }): boolean {
    const { ip, containerId, ifname, rangeSet: rangeSetIndex } = r;
    const tmp = this.#tmpName(ip);
    writeFileSync(tmp, `${containerId}\r\n${ifname}`, { mode: 0o644 });
    try {
      linkSync(tmp, join(this.dir, ip));
    } catch (err: unknown) {
      if (errnoCode(err) === 'EEXIST') return false;
      throw err;
    } finally {
      unlinkSync(tmp);
    }
    // Written in place, as the reference does: it only says where the round-robin resumes, so a
    // torn write costs at most a different starting point, and replacing it with rename(2) makes
    // ext4 flush the new file's data first (auto_da_alloc), ~0.7 ms on every ADD.
    writeFileSync(join(this.dir, `${LAST_RESERVED}${rangeSetIndex}`), ip);
    return true;
  }

  /** The last address reserved from a range set, if recorded. */
  lastReserved(rangeSetIndex: number): string | undefined {
    try {
      return readFileSync(join(this.dir, `${LAST_RESERVED}${rangeSetIndex}`), 'utf8').trim() || undefined;
    } catch (err: unknown) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Every reservation, sorted by address text. */
  list(): Reservation[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err: unknown) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
    const out: Reservation[] = [];
    for (const name of names.filter(isReservationName).sort()) {
      let text: string;
      try {
        text = readFileSync(join(this.dir, name), 'utf8');
      } catch (err: unknown) {
        if (errnoCode(err) === 'ENOENT') continue;
        throw err;
      }
      // Old reference versions wrote only the container ID; treat its ifname as unknown ('').
      const [containerId = '', ifname = ''] = text.split('\r\n');
      out.push({ ip: name, containerId: containerId.trim(), ifname: ifname.trim() });
    }
    return out;
  }

  /** Removes one reservation; a missing one is fine (DEL is idempotent). */
  release(ip: string): void {
    unlinkIfPresent(join(this.dir, ip));
  }

  /** Removes every reservation of the attachment; returns the addresses released. */
  releaseAttachment(containerId: string, ifname: string): string[] {
    const mine = this.list().filter(
      (r) => r.containerId === containerId && (r.ifname === ifname || r.ifname === ''),
    );
    for (const r of mine) this.release(r.ip);
    return mine.map((r) => r.ip);
  }
}
