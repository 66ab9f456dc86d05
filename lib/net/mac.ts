/**
 * MAC (EUI-48) addresses: parsing, formatting and a deterministic locally administered
 * address derived from a string, so a veth or bridge gets the same MAC after every restart.
 */
import { createHash } from 'node:crypto';
import { invalid } from '../errors/index.js';

const MAC_RE = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;

/** Parses `aa:bb:cc:dd:ee:ff` (or with `-`) into its 6 bytes. */
export function parseMac(text: string, field = 'mac'): Uint8Array {
  if (typeof text !== 'string' || !MAC_RE.test(text)) {
    throw invalid(
      field,
      `invalid MAC address ${JSON.stringify(text)}: want six hex octets like 02:42:ac:11:00:02`,
    );
  }
  return Uint8Array.from(text.split(/[:-]/), (h) => Number.parseInt(h, 16));
}

/** Formats 6 bytes as lower-case colon-separated text. */
export function formatMac(bytes: Uint8Array | readonly number[]): string {
  if (bytes.length !== 6 || Array.from(bytes).some((b) => !Number.isInteger(b) || b < 0 || b > 255)) {
    throw invalid('mac', `want 6 octets 0–255, got ${JSON.stringify(Array.from(bytes))}`);
  }
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Canonical lower-case colon form of a MAC text. */
export function normalizeMac(text: string, field = 'mac'): string {
  return formatMac(parseMac(text, field));
}

/**
 * A MAC derived from SHA-256 of `seed`. IEEE 802 §8.2: bit 0 of the first octet set means
 * multicast (we clear it) and bit 1 means locally administered (we set it), so the result
 * never collides with a vendor-assigned address.
 */
export function macFromString(seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  const bytes = Array.from(digest.subarray(0, 6));
  bytes[0] = ((bytes[0] ?? 0) & 0xfe) | 0x02;
  return formatMac(bytes);
}
